// Types shared by the reference interpreter and its kernels.
import type { Graph, Op, OpKind, Tensor } from '../ir/graph.ts';

/** A tensor's value: a typed array matching its dtype (bool is stored as Uint8Array). */
export type TensorData = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array | BigInt64Array;

/**
 * Which integer arithmetic the int8 kernels reproduce:
 * - 'xnnpack': TensorFlow Lite's default CPU path, where the XNNPACK delegate runs int8 CONV_2D,
 *   DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL, QUANTIZE, LOGISTIC, TANH and MEAN with float32
 *   requantization. The model-set golden outputs were produced this way (checked bit-exactly).
 * - 'reference': TFLite's integer reference kernels (fixed-point multipliers, as TFLite-Micro and
 *   TFLite without XNNPACK compute). Differs from 'xnnpack' by one step in rare elements.
 * Ops that XNNPACK does not take (SOFTMAX, AVERAGE_POOL_2D int8, ...) are the same in both.
 */
export type Arithmetic = 'xnnpack' | 'reference';

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
