// The reference interpreter: runs a Graph op by op, bit-exact with TensorFlow Lite's integer
// arithmetic — by default the XNNPACK CPU path that produced the model-set golden data, or
// TFLite's fixed-point reference kernels (options.arithmetic; see ir/quant.ts Arithmetic). It is
// the oracle the tiling rewrites, the memory planner and the generated firmware are checked
// against, so it favours clarity and exactness over speed while keeping inner loops on typed
// arrays.
import { ModelError, numElements, type Graph } from '../ir/graph.ts';
import { kernelFor } from './registry.ts';
import { dataDType, decodeConstant, matchesDType } from './tensor-data.ts';
import type { Arithmetic, TensorData } from './types.ts';

export type { Arithmetic, TensorData } from './types.ts';

export interface RunOptions {
  /** Integer arithmetic to reproduce (default 'xnnpack', what TensorFlow Lite computes on CPU). */
  arithmetic?: Arithmetic;
}

// Constants are decoded once per data array (keyed by the Uint8Array itself, so a rewrite that
// assigns new constant data is picked up; bytes changed in place are not — treat them as
// immutable).
const constantCache = new WeakMap<Uint8Array, TensorData>();

function constantValue(graph: Graph, id: number): TensorData {
  const t = graph.tensors[id]!;
  let v = constantCache.get(t.data!);
  if (!v || !matchesDType(v, t.dtype) || v.length !== numElements(t.shape)) {
    v = decodeConstant(t);
    constantCache.set(t.data!, v);
  }
  return v;
}

function checkInputs(graph: Graph, inputs: TensorData[]): void {
  if (inputs.length !== graph.inputs.length) {
    throw new Error(`the model has ${graph.inputs.length} input(s), got ${inputs.length}`);
  }
  inputs.forEach((data, i) => {
    const t = graph.tensors[graph.inputs[i]!]!;
    if (!matchesDType(data, t.dtype)) {
      throw new Error(`input ${i} ("${t.name}") is ${t.dtype}, got ${dataDType(data)} data`);
    }
    const need = numElements(t.shape);
    if (data.length !== need) {
      throw new Error(`input ${i} ("${t.name}") has shape [${t.shape}] = ${need} values, got ${data.length}`);
    }
  });
}

/** Runs the graph and returns every tensor's value, indexed by tensor id (debugging, per-op tests). */
export function runGraphAll(graph: Graph, inputs: TensorData[], options: RunOptions = {}): (TensorData | undefined)[] {
  checkInputs(graph, inputs);
  const arithmetic = options.arithmetic ?? 'xnnpack';
  if (arithmetic !== 'xnnpack' && arithmetic !== 'reference' && arithmetic !== 'tflm') {
    throw new Error(`unknown arithmetic "${arithmetic}" (use xnnpack, reference or tflm)`);
  }
  const values: (TensorData | undefined)[] = new Array(graph.tensors.length);
  graph.tensors.forEach((t, id) => { if (t.data !== undefined) values[id] = constantValue(graph, id); });
  graph.inputs.forEach((id, i) => { values[id] = inputs[i]; });
  graph.ops.forEach((op, index) => {
    const kernel = kernelFor(op.kind);
    const firstIn = op.inputs.find((id) => id >= 0);
    const dtype = firstIn === undefined ? '?' : graph.tensors[firstIn]?.dtype;
    if (!kernel) {
      throw new ModelError(`op ${index} (${op.kind} "${op.name}", ${dtype}): not supported by the interpreter`, { op: index, opKind: op.kind });
    }
    const opInputs = op.inputs.map((id) => {
      if (id < 0) return undefined;
      const v = values[id];
      if (!v) throw new ModelError(`op ${index} (${op.kind} "${op.name}"): input tensor ${id} ("${graph.tensors[id]?.name}") has no value yet (ops out of order?)`, { op: index, opKind: op.kind, tensor: id });
      return v;
    });
    const outputTensors = op.outputs.map((id) => graph.tensors[id]!);
    const results = kernel({
      graph, op, index, inputs: opInputs,
      inputTensors: op.inputs.map((id) => (id < 0 ? undefined : graph.tensors[id])),
      outputTensors, arithmetic,
    });
    op.outputs.forEach((id, k) => {
      const r = results[k];
      const t = graph.tensors[id]!;
      if (!r || !matchesDType(r, t.dtype) || r.length !== numElements(t.shape)) {
        throw new ModelError(`op ${index} (${op.kind} "${op.name}"): kernel produced a wrong result for output "${t.name}" (${t.dtype} [${t.shape}])`, { op: index, opKind: op.kind, tensor: id });
      }
      values[id] = r;
    });
  });
  return values;
}

/** Runs the graph; returns the model outputs in their own dtypes. */
export function runGraph(graph: Graph, inputs: TensorData[], options: RunOptions = {}): TensorData[] {
  const values = runGraphAll(graph, inputs, options);
  return graph.outputs.map((id) => {
    const v = values[id];
    if (!v) throw new ModelError(`output tensor ${id} ("${graph.tensors[id]?.name}") is never computed`, { tensor: id });
    return v;
  });
}
