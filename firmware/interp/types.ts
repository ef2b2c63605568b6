// Types shared by the reference interpreter and its kernels.
import type { Graph, Op, OpKind, Tensor } from '../ir/graph.ts';
import type { Arithmetic } from '../ir/quant.ts';

/** A tensor's value: a typed array matching its dtype (bool is stored as Uint8Array). */
export type TensorData = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array | BigInt64Array;

export type { Arithmetic } from '../ir/quant.ts';

/** What a kernel gets: the op, its tensors and the current values of its inputs. */
export interface KernelArgs<K extends OpKind = OpKind> {
  graph: Graph;
  op: Op<K>;
  /** Position of the op in graph.ops (for error messages). */
  index: number;
  /** Input values, aligned with op.inputs; undefined for an absent optional input (-1). */
  inputs: (TensorData | undefined)[];
  /** Input tensors, aligned with op.inputs; undefined for an absent optional input. */
  inputTensors: (Tensor | undefined)[];
  outputTensors: Tensor[];
  arithmetic: Arithmetic;
}

/** A kernel computes all outputs of one op, in the output tensors' dtypes and sizes. */
export type Kernel<K extends OpKind = OpKind> = (args: KernelArgs<K>) => TensorData[];
