// .tflite -> graph IR. Parses the FlatBuffer with bounds-checked accessors (fb-view.ts) following
// TFLite's schema.fbs, maps everything into firmware/ir/graph.ts, then validates the graph's
// shapes (firmware/ir/validate.ts). Anything wrong with the file is a ModelError.
import { readFileSync } from 'node:fs';
import {
  DTYPE_BYTES, ModelError, SUPPORTED_OPS, numElements,
  type DType, type Graph, type Metadata, type Op, type OpKind, type Quantization, type Tensor,
} from '../ir/graph.ts';
import { validateGraph } from '../ir/validate.ts';
import { FbFile, type FbTable } from './fb-view.ts';
import { readOptions } from './options.ts';
import {
  BUFFER, CUSTOM_CODE, DTYPE_BY_TYPE, FILE_IDENTIFIER, KIND_BY_CODE, METADATA, MODEL, OPERATOR,
  OPERATOR_CODE, OPTIONS_TYPE, QUANT, SUBGRAPH, TENSOR, builtinName,
} from './schema.ts';

/** Largest tensor accepted (bytes): far above any MCU model, low enough to stop absurd shapes. */
const MAX_TENSOR_BYTES = 1 << 30;
const MAX_RANK = 8;

export function loadModel(path: string): Graph {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new ModelError(`cannot read model file ${path}: ${(err as Error).message}`);
  }
  try {
    return readModel(bytes);
  } catch (err) {
    if (err instanceof ModelError) err.message = `${path}: ${err.message}`;
    throw err;
  }
}

export function readModel(bytes: Uint8Array): Graph {
  const file = new FbFile(bytes);
  const model = file.root(FILE_IDENTIFIER);
  const version = model.u32(MODEL.version);

  const buffers = model.tables(MODEL.buffers, 'buffers');
  const bufferData = (index: number, what: string): Uint8Array => {
    const t = buffers[index];
    if (!t) throw new ModelError(`${what} refers to buffer ${index}, but the model has ${buffers.length} buffers`);
    const data = t.bytes(BUFFER.data, `buffer ${index} data`);
    if (data && data.length > 0) return data;
    // Models over 2 GB keep data outside the FlatBuffer: offset/size relative to the file start.
    const offset = t.u64(BUFFER.offset);
    const size = t.u64(BUFFER.size);
    if (offset > 1n) {
      if (offset + size > BigInt(file.size)) {
        throw new ModelError(`buffer ${index} points past the end of the file (offset ${offset}, size ${size})`);
      }
      return bytes.subarray(Number(offset), Number(offset + size));
    }
    return new Uint8Array(0);
  };

  const kinds = model.tables(MODEL.operatorCodes, 'operator_codes').map((t, i) => opcodeKind(t, i));

  const subgraphs = model.tables(MODEL.subgraphs, 'subgraphs');
  if (subgraphs.length === 0) throw new ModelError('model has no subgraph');
  if (subgraphs.length > 1) {
    throw new ModelError(`model has ${subgraphs.length} subgraphs; tinyrack supports exactly one (no control flow)`);
  }
  const sg = subgraphs[0]!;

  const tensorTables = sg.tables(SUBGRAPH.tensors, 'tensors');
  const tensors = tensorTables.map((t, i) => readTensor(t, i, bufferData));
  const count = tensors.length;

  const indexList = (list: number[] | undefined, what: string, allowAbsent: boolean): number[] =>
    (list ?? []).map((id, k) => {
      if (!Number.isInteger(id) || id >= count || id < (allowAbsent ? -1 : 0)) {
        throw new ModelError(`${what}[${k}] = ${id} is not a tensor index (the subgraph has ${count} tensors)`, { tensor: id });
      }
      return id;
    });

  const ops: Op[] = sg.tables(SUBGRAPH.operators, 'operators').map((t, i) => {
    const codeIndex = t.u32(OPERATOR.opcodeIndex);
    const entry = kinds[codeIndex];
    if (!entry) throw new ModelError(`op ${i}: opcode index ${codeIndex} out of range (the model has ${kinds.length} operator codes)`, { op: i });
    if (typeof entry !== 'string') {
      throw new ModelError(`op ${i}: ${entry.name} (builtin code ${entry.code}) is not supported by tinyrack (supported: ${SUPPORTED_OPS.join(', ')})`,
        { op: i, opKind: entry.name });
    }
    const kind = entry;
    const optType = t.u8(OPERATOR.builtinOptionsType);
    let optTable: FbTable | undefined;
    if (optType !== 0) {
      if (optType !== OPTIONS_TYPE[kind]) {
        throw new ModelError(`op ${i} (${kind}): builtin options of union type ${optType}, expected ${OPTIONS_TYPE[kind]}`, { op: i, opKind: kind });
      }
      optTable = t.table(OPERATOR.builtinOptions, `op ${i} options`);
    }
    // FULLY_CONNECTED weights_format (slot 1): shuffled weights would silently compute garbage.
    if (kind === 'FULLY_CONNECTED' && optTable && optTable.i8(1) !== 0) {
      throw new ModelError(`op ${i} (FULLY_CONNECTED): shuffled weights format ${optTable.i8(1)} is not supported`, { op: i, opKind: kind });
    }
    return {
      kind,
      inputs: indexList(t.i32s(OPERATOR.inputs, `op ${i} inputs`), `op ${i} (${kind}) inputs`, true),
      outputs: indexList(t.i32s(OPERATOR.outputs, `op ${i} outputs`), `op ${i} (${kind}) outputs`, false),
      options: readOptions(kind, optTable, i),
      name: `${kind}_${i}`,
    } as Op;
  });

  const metadata: Metadata[] = model.tables(MODEL.metadata, 'metadata').map((t, i) => {
    const name = t.string(METADATA.name, `metadata ${i} name`) ?? '';
    return { name, data: new Uint8Array(bufferData(t.u32(METADATA.buffer), `metadata "${name}"`)) };
  });

  const graph: Graph = {
    tensors,
    ops,
    inputs: indexList(sg.i32s(SUBGRAPH.inputs, 'subgraph inputs'), 'subgraph inputs', false),
    outputs: indexList(sg.i32s(SUBGRAPH.outputs, 'subgraph outputs'), 'subgraph outputs', false),
    metadata,
    version,
  };
  const description = model.string(MODEL.description, 'description');
  if (description !== undefined) graph.description = description;
  validateGraph(graph);
  return graph;
}

/** The op kind of one operator_codes entry, or what it is when unsupported. */
function opcodeKind(t: FbTable, i: number): OpKind | { name: string; code: number } {
  // TFLite takes the larger of the two fields: old files only set the int8 deprecated one, new
  // files set builtin_code and leave the deprecated one at 127 (PLACEHOLDER_FOR_GREATER_OP_CODES).
  const code = Math.max(t.i8(OPERATOR_CODE.deprecatedBuiltinCode), t.i32(OPERATOR_CODE.builtinCode));
  if (code === CUSTOM_CODE) {
    const custom = t.string(OPERATOR_CODE.customCode, `operator code ${i} custom_code`) ?? '?';
    return { name: `custom op "${custom}"`, code };
  }
  const kind = KIND_BY_CODE.get(code);
  return kind ?? { name: builtinName(code), code };
}

function readTensor(t: FbTable, index: number, bufferData: (i: number, what: string) => Uint8Array): Tensor {
  const where = { tensor: index };
  const name = t.string(TENSOR.name, `tensor ${index} name`) ?? `tensor_${index}`;
  const type = t.i8(TENSOR.type);
  const dtype: DType | undefined = DTYPE_BY_TYPE.get(type);
  if (!dtype) throw new ModelError(`tensor ${index} ("${name}"): unsupported tensor type ${type}`, where);
  const shape = t.i32s(TENSOR.shape, `tensor ${index} shape`) ?? [];
  if (shape.length > MAX_RANK) throw new ModelError(`tensor ${index} ("${name}"): rank ${shape.length} exceeds ${MAX_RANK}`, where);
  if (shape.some((d) => d < 0)) {
    throw new ModelError(`tensor ${index} ("${name}"): dynamic or negative dimension in shape [${shape.join(', ')}]`, where);
  }
  let elems = 1;
  for (const d of shape) {
    elems *= d;
    if (elems * DTYPE_BYTES[dtype] > MAX_TENSOR_BYTES) {
      throw new ModelError(`tensor ${index} ("${name}"): shape [${shape.join(', ')}] is too large`, where);
    }
  }
  const tensor: Tensor = { name, shape, dtype };

  const q = t.table(TENSOR.quantization, `tensor ${index} quantization`);
  if (q) {
    const quant = readQuantization(q, index, name, shape);
    if (quant) tensor.quant = quant;
  }
  if (t.bool(TENSOR.isVariable)) tensor.isVariable = true;
  if (t.has(TENSOR.sparsity)) throw new ModelError(`tensor ${index} ("${name}"): sparse tensors are not supported`, where);

  const data = bufferData(t.u32(TENSOR.buffer), `tensor ${index} ("${name}")`);
  if (data.length > 0) {
    const need = numElements(shape) * DTYPE_BYTES[dtype];
    if (data.length !== need) {
      throw new ModelError(`tensor ${index} ("${name}"): buffer holds ${data.length} bytes, shape [${shape.join(', ')}] ${dtype} needs ${need}`, where);
    }
    tensor.data = new Uint8Array(data); // own, aligned copy (Buffer.slice would be a view)
  }
  return tensor;
}

function readQuantization(q: FbTable, index: number, name: string, shape: number[]): Quantization | undefined {
  const where = { tensor: index };
  if (q.u8(QUANT.detailsType) !== 0) {
    throw new ModelError(`tensor ${index} ("${name}"): custom quantization details are not supported`, where);
  }
  const scale = q.f32s(QUANT.scale, `tensor ${index} quantization scale`) ?? [];
  if (scale.length === 0) return undefined; // float tensor with min/max only, or an empty table
  const zeroPoint = q.i64s(QUANT.zeroPoint, `tensor ${index} quantization zero_point`) ?? [];
  let axis = q.i32(QUANT.quantizedDimension);
  // Older converters wrote the filter's quantized_dimension (3 for depthwise filters) on the
  // per-channel bias too, where it indexes nothing. TFLite-Micro ignores a bias's quantization
  // metadata (its kernels derive bias scales from input x filter scales), so such models run
  // there: a 1-D tensor with one scale per element can only be quantized along its one axis.
  if (scale.length > 1 && (axis < 0 || axis >= shape.length) && shape.length === 1 && shape[0] === scale.length) axis = 0;
  if (zeroPoint.length !== scale.length) {
    throw new ModelError(`tensor ${index} ("${name}"): ${scale.length} quantization scales but ${zeroPoint.length} zero points`, where);
  }
  if (scale.length > 1 && (axis < 0 || axis >= shape.length || shape[axis] !== scale.length)) {
    throw new ModelError(`tensor ${index} ("${name}"): ${scale.length} per-channel scales do not match axis ${axis} of shape [${shape.join(', ')}]`, where);
  }
  return { scale, zeroPoint, axis };
}
