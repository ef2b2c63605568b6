// Graph IR -> .tflite (schema version 3, one subgraph). Used to export rewritten (tiled) models
// and to attach metadata such as "OfflineMemoryAllocation"; metadata is written generically as
// name + bytes. Constant data goes into 16-byte aligned buffers, as TFLite expects for mmap use.
import { Builder } from 'flatbuffers';
import { DTYPE_BYTES, ModelError, numElements, type Graph, type OpKind, type Tensor } from '../ir/graph.ts';
import { validateGraph } from '../ir/validate.ts';
import { writeOptions } from './options.ts';
import {
  BUFFER, BUILTIN_CODE, FILE_IDENTIFIER, METADATA, MODEL, OPERATOR, OPERATOR_CODE, QUANT,
  SCHEMA_VERSION, SUBGRAPH, TENSOR, TENSOR_TYPE,
} from './schema.ts';
import { opVersion } from './op-version.ts';

/** The int8 deprecated_builtin_code value meaning "look at builtin_code". */
const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

export function writeModel(graph: Graph): Uint8Array {
  validateGraph(graph);
  graph.tensors.forEach(checkTensor);

  const estimate = graph.tensors.reduce((n, t) => n + (t.data?.byteLength ?? 0) + 16 + 256, 4096)
    + graph.metadata.reduce((n, m) => n + m.data.byteLength + 16, 0);
  const b = new Builder(estimate);

  // Buffers: 0 is the empty sentinel every activation points at; then one per constant tensor,
  // then one per metadata entry.
  const bufferOffsets: number[] = [emptyTable(b, 3)];
  const tensorBuffer = graph.tensors.map((t) => {
    if (!t.data) return 0;
    bufferOffsets.push(bufferTable(b, t.data));
    return bufferOffsets.length - 1;
  });
  const metadataBuffer = graph.metadata.map((m) => {
    bufferOffsets.push(bufferTable(b, m.data));
    return bufferOffsets.length - 1;
  });

  const tensors = graph.tensors.map((t, i) => tensorTable(b, t, tensorBuffer[i]!));

  // Operator codes: one per (kind, version) pair, in first-use order.
  const codeIndex = new Map<string, number>();
  const codes: { kind: OpKind; version: number }[] = [];
  const operators = graph.ops.map((op) => {
    const version = opVersion(graph, op);
    const key = `${op.kind}/${version}`;
    let index = codeIndex.get(key);
    if (index === undefined) {
      index = codes.length;
      codes.push({ kind: op.kind, version });
      codeIndex.set(key, index);
    }
    const [optType, optTable] = writeOptions(b, op.kind, op.options);
    const inputs = intVector(b, op.inputs);
    const outputs = intVector(b, op.outputs);
    b.startObject(OPERATOR.builtinOptions + 1);
    b.addFieldInt32(OPERATOR.opcodeIndex, index, 0);
    b.addFieldOffset(OPERATOR.inputs, inputs, 0);
    b.addFieldOffset(OPERATOR.outputs, outputs, 0);
    if (optType !== 0) {
      b.addFieldInt8(OPERATOR.builtinOptionsType, optType, 0);
      b.addFieldOffset(OPERATOR.builtinOptions, optTable, 0);
    }
    return b.endObject();
  });

  const opcodeTables = codes.map(({ kind, version }) => {
    const code = BUILTIN_CODE[kind];
    b.startObject(OPERATOR_CODE.builtinCode + 1);
    b.addFieldInt8(OPERATOR_CODE.deprecatedBuiltinCode, Math.min(code, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.addFieldInt32(OPERATOR_CODE.version, version, 1);
    b.addFieldInt32(OPERATOR_CODE.builtinCode, code, 0);
    return b.endObject();
  });

  const sgName = b.createString('main');
  const sgTensors = tableVector(b, tensors);
  const sgInputs = intVector(b, graph.inputs);
  const sgOutputs = intVector(b, graph.outputs);
  const sgOperators = tableVector(b, operators);
  b.startObject(SUBGRAPH.name + 1);
  b.addFieldOffset(SUBGRAPH.tensors, sgTensors, 0);
  b.addFieldOffset(SUBGRAPH.inputs, sgInputs, 0);
  b.addFieldOffset(SUBGRAPH.outputs, sgOutputs, 0);
  b.addFieldOffset(SUBGRAPH.operators, sgOperators, 0);
  b.addFieldOffset(SUBGRAPH.name, sgName, 0);
  const subgraph = b.endObject();

  const metadataTables = graph.metadata.map((m, i) => {
    const name = b.createString(m.name);
    b.startObject(METADATA.buffer + 1);
    b.addFieldOffset(METADATA.name, name, 0);
    b.addFieldInt32(METADATA.buffer, metadataBuffer[i]!, 0);
    return b.endObject();
  });

  const opcodesVec = tableVector(b, opcodeTables);
  const subgraphsVec = tableVector(b, [subgraph]);
  const description = graph.description !== undefined ? b.createString(graph.description) : 0;
  const buffersVec = tableVector(b, bufferOffsets);
  const metadataVec = metadataTables.length ? tableVector(b, metadataTables) : 0;
  b.startObject(MODEL.metadata + 1);
  b.addFieldInt32(MODEL.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(MODEL.operatorCodes, opcodesVec, 0);
  b.addFieldOffset(MODEL.subgraphs, subgraphsVec, 0);
  if (description) b.addFieldOffset(MODEL.description, description, 0);
  b.addFieldOffset(MODEL.buffers, buffersVec, 0);
  if (metadataVec) b.addFieldOffset(MODEL.metadata, metadataVec, 0);
  const model = b.endObject();
  b.finish(model, FILE_IDENTIFIER);
  // Copy out: the builder's backing store is larger than the model.
  return b.asUint8Array().slice();
}

function checkTensor(t: Tensor, i: number): void {
  if (!(t.dtype in TENSOR_TYPE)) throw new ModelError(`tensor ${i} ("${t.name}"): unsupported dtype ${String(t.dtype)}`, { tensor: i });
  if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ModelError(`tensor ${i} ("${t.name}"): invalid shape [${t.shape.join(', ')}]`, { tensor: i });
  }
  if (t.data) {
    const need = numElements(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== need) {
      throw new ModelError(`tensor ${i} ("${t.name}"): data holds ${t.data.byteLength} bytes, shape [${t.shape.join(', ')}] ${t.dtype} needs ${need}`, { tensor: i });
    }
  }
  const q = t.quant;
  if (q && (q.scale.length === 0 || q.scale.length !== q.zeroPoint.length)) {
    throw new ModelError(`tensor ${i} ("${t.name}"): quantization needs as many zero points as scales (at least one)`, { tensor: i });
  }
}

function emptyTable(b: Builder, fields: number): number {
  b.startObject(fields);
  return b.endObject();
}

function bufferTable(b: Builder, data: Uint8Array): number {
  // force_align: 16 on Buffer.data; bytes are pushed back to front as the builder grows downwards.
  b.startVector(1, data.byteLength, 16);
  for (let i = data.byteLength - 1; i >= 0; i--) b.writeInt8(data[i]!);
  const vec = b.endVector();
  b.startObject(BUFFER.size + 1);
  b.addFieldOffset(BUFFER.data, vec, 0);
  return b.endObject();
}

function tensorTable(b: Builder, t: Tensor, buffer: number): number {
  const name = b.createString(t.name);
  const shape = intVector(b, t.shape);
  let quant = 0;
  if (t.quant) {
    const scale = floatVector(b, t.quant.scale);
    b.startVector(8, t.quant.zeroPoint.length, 8);
    for (let i = t.quant.zeroPoint.length - 1; i >= 0; i--) b.addInt64(BigInt(t.quant.zeroPoint[i]!));
    const zeroPoint = b.endVector();
    b.startObject(QUANT.quantizedDimension + 1);
    b.addFieldOffset(QUANT.scale, scale, 0);
    b.addFieldOffset(QUANT.zeroPoint, zeroPoint, 0);
    b.addFieldInt32(QUANT.quantizedDimension, t.quant.axis, 0);
    quant = b.endObject();
  }
  b.startObject(TENSOR.isVariable + 1);
  b.addFieldOffset(TENSOR.shape, shape, 0);
  b.addFieldInt8(TENSOR.type, TENSOR_TYPE[t.dtype], 0);
  b.addFieldInt32(TENSOR.buffer, buffer, 0);
  b.addFieldOffset(TENSOR.name, name, 0);
  if (quant) b.addFieldOffset(TENSOR.quantization, quant, 0);
  if (t.isVariable) b.addFieldInt8(TENSOR.isVariable, 1, 0);
  return b.endObject();
}

function intVector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function floatVector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]!);
  return b.endVector();
}

function tableVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}
