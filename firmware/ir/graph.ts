// The graph IR every part of tinyrack works on: the model reader produces it, the reference
// interpreter executes it, tiling rewrites it, the planner lays out its activations, the code
// generators emit it and the writer turns it back into a .tflite.
//
// Conventions (fixed, everybody relies on them):
// - Layout is TFLite's: activations NHWC, CONV_2D filters OHWI, DEPTHWISE_CONV_2D filters
//   1HW(C*M), FULLY_CONNECTED weights [out, in].
// - Tensor ids are indices into `graph.tensors`. An absent optional input is -1.
// - Constant data is kept as raw little-endian bytes exactly as in the flatbuffer.
// - Ops are stored in a valid execution order (the model's own order, or a schedule).

export type DType = 'float32' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1,
};

/** Affine quantization: real = scale * (q - zeroPoint). Per-tensor when scale has one entry. */
export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  /** Channel axis for per-channel quantization (TFLite's quantized_dimension). */
  axis: number;
}

export interface Tensor {
  name: string;
  shape: number[];
  dtype: DType;
  quant?: Quantization;
  /** Constant data (weights, biases, shape operands). Undefined for activations. */
  data?: Uint8Array;
  /** False for constants and variables that are not arena-planned. */
  isVariable?: boolean;
}

export type Activation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH' | 'SIGN_BIT';
export type Padding = 'SAME' | 'VALID';

export interface Conv2DOptions {
  padding: Padding; strideW: number; strideH: number;
  dilationW: number; dilationH: number; activation: Activation;
}
export interface DepthwiseConv2DOptions extends Conv2DOptions { depthMultiplier: number }
export interface Pool2DOptions {
  padding: Padding; strideW: number; strideH: number;
  filterW: number; filterH: number; activation: Activation;
}
export interface FullyConnectedOptions { activation: Activation; keepNumDims: boolean }
export interface AddOptions { activation: Activation }
export interface MulOptions { activation: Activation }
export interface SoftmaxOptions { beta: number }
export interface ConcatenationOptions { axis: number; activation: Activation }
export interface ReshapeOptions { newShape?: number[] }
export interface StridedSliceOptions {
  beginMask: number; endMask: number; ellipsisMask: number;
  newAxisMask: number; shrinkAxisMask: number; offset: boolean;
}
export interface ReducerOptions { keepDims: boolean }
export interface GatherOptions { axis: number; batchDims: number }
export interface SqueezeOptions { squeezeDims: number[] }
/**
 * Internal ops (tinyrack only, never written to a .tflite; firmware/tiling lowers them back to
 * builtins before export). They carry FDT's partial-sum ending: an int8 CONV_2D /
 * FULLY_CONNECTED split by INPUT channels. PARTIAL_SUM adds one input-channel slice's int32
 * products (input offset applied, no bias) to an optional incoming int32 accumulator;
 * PARTIAL_SUM_REQUANTIZE adds the bias once and requantizes with the original op's scales, so
 * the result equals the untiled op in every arithmetic.
 */
export type PartialSumBase = 'CONV_2D' | 'FULLY_CONNECTED' | 'AVERAGE_POOL_2D';
export interface PartialSumOptions {
  base: PartialSumBase;
  /** The original op's options (window, stride, padding / keepNumDims, activation). */
  baseOptions: Conv2DOptions | FullyConnectedOptions | Pool2DOptions;
  /**
   * AVERAGE_POOL_2D over the whole map (FFMT's pool ending): the spatial tile [row, column] this
   * partial sum covers, so export can reassemble the map. Inputs are then [tile, -1, accIn?]
   * and the accumulator is the per-channel int32 sum.
   */
  tile?: [number, number];
}
export interface PartialSumRequantizeOptions extends PartialSumOptions {
  /** The original op's input scale and per-output-channel filter scales (one = per tensor);
   * unused (0, []) for AVERAGE_POOL_2D, which divides by the window size instead. */
  inputScale: number;
  filterScales: number[];
}

/**
 * Internal op RESIDUAL_BLOCK (AoT only, firmware/tiling/residual-rows.ts): a ResNet block
 * `ADD(CONV_2D_B(CONV_2D_A(X)), skip)` computed row by row, so the conv outputs never exist
 * whole. The skip is X itself (identity block) or `CONV_2D_S(X)` (projection block, e.g. a
 * strided 1x1 conv). Inputs `[X, filterA, biasA | -1, filterB, biasB | -1]` plus
 * `[filterS, biasS | -1]` for a projection; outputs `[W, Yrows, Zrow]` plus `Srow` for a
 * projection: W the ADD's output (it may overwrite X where the row order allows, see
 * plan/streaming.ts), Yrows the working rows of conv A's output (`[1, filterB height, width,
 * channels A]`, carrying that tensor's quantization), Zrow one row of conv B's output and Srow
 * one row of the projection (`[1, 1, width, channels]`, their quantization). Conv A is SAME and
 * undilated (any stride), conv B SAME, stride 1, undilated; the projection undilated. The
 * working rows' contents after the op are unspecified and nothing reads them. Results equal the
 * separate ops in every arithmetic.
 */
export interface ResidualBlockOptions {
  convA: Conv2DOptions;
  convB: Conv2DOptions;
  /** The projection conv on the skip path; absent for an identity block. */
  convS?: Conv2DOptions;
  add: AddOptions;
  /** True when the skip (X or the projection) is the ADD's first input (its order is kept). */
  skipFirst: boolean;
}

/**
 * Internal op ROW_CHAIN (AoT only, firmware/tiling/row-chain.ts): a linear chain of int8
 * CONV_2D / DEPTHWISE_CONV_2D stages computed demand-driven row by row, so no intermediate map
 * exists whole, optionally ending in a consumer that never needs the last map whole either: a
 * global AVERAGE_POOL_2D (int32 per-channel sums) or a FULLY_CONNECTED over the flattened map
 * (int32 partial dot products per row; a RESHAPE before it is folded in). Inputs `[X, filter0,
 * bias0 | -1, ..., filterN-1, biasN-1 | -1]` plus `[fcWeights, fcBias | -1]` for an FC end.
 * Outputs `[Y, rows0, ..., rowsN-2]`, `[lastRow, acc]` with an end, then `state`: Y the
 * chain's result (the last stage's map, or the end op's output), rows_s the working rows of
 * stage s's output (`[1, rows the next stage's window needs, width, channels]`, that tensor's
 * quantization), lastRow one row of the last stage's output, acc the end's int32 accumulators
 * and state the row driver's int16 cursors (`[2 * stages]`: next row, first held row). The working
 * buffers' contents after the op are unspecified. Results equal the separate ops in every
 * arithmetic.
 */
export interface RowChainStage {
  kind: 'CONV_2D' | 'DEPTHWISE_CONV_2D';
  options: Conv2DOptions | DepthwiseConv2DOptions;
  /** The original op's name (export gives it back). */
  name: string;
}
export type RowChainEnd =
  | { kind: 'AVERAGE_POOL_2D'; options: Pool2DOptions; name: string }
  | { kind: 'FULLY_CONNECTED'; options: FullyConnectedOptions; name: string;
    /** A RESHAPE between the last stage and the FC: its output shape and name. */
    reshape?: { shape: number[]; name: string } };
export interface RowChainOptions {
  stages: RowChainStage[];
  end?: RowChainEnd;
}

/** Options by op kind. Ops not listed carry an empty object. */
export interface OpOptionsMap {
  CONV_2D: Conv2DOptions;
  DEPTHWISE_CONV_2D: DepthwiseConv2DOptions;
  FULLY_CONNECTED: FullyConnectedOptions;
  AVERAGE_POOL_2D: Pool2DOptions;
  MAX_POOL_2D: Pool2DOptions;
  ADD: AddOptions;
  MUL: MulOptions;
  RESHAPE: ReshapeOptions;
  SOFTMAX: SoftmaxOptions;
  PAD: Record<string, never>;
  CONCATENATION: ConcatenationOptions;
  STRIDED_SLICE: StridedSliceOptions;
  SLICE: Record<string, never>;
  MEAN: ReducerOptions;
  QUANTIZE: Record<string, never>;
  DEQUANTIZE: Record<string, never>;
  LOGISTIC: Record<string, never>;
  TANH: Record<string, never>;
  GATHER: GatherOptions;
  CAST: Record<string, never>;
  SQUEEZE: SqueezeOptions;
  PARTIAL_SUM: PartialSumOptions;
  PARTIAL_SUM_REQUANTIZE: PartialSumRequantizeOptions;
  RESIDUAL_BLOCK: ResidualBlockOptions;
  ROW_CHAIN: RowChainOptions;
}

export type OpKind = keyof OpOptionsMap;
export const SUPPORTED_OPS = [
  'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'ADD',
  'MUL', 'RESHAPE', 'SOFTMAX', 'PAD', 'CONCATENATION', 'STRIDED_SLICE', 'SLICE', 'MEAN',
  'QUANTIZE', 'DEQUANTIZE', 'LOGISTIC', 'TANH', 'GATHER', 'CAST', 'SQUEEZE',
] as const satisfies readonly OpKind[];
/** Internal op kinds (see PartialSumOptions, ResidualBlockOptions, RowChainOptions): run by the interpreter and the AoT backend only. */
export const INTERNAL_OPS = ['PARTIAL_SUM', 'PARTIAL_SUM_REQUANTIZE', 'RESIDUAL_BLOCK', 'ROW_CHAIN'] as const satisfies readonly OpKind[];

export interface Op<K extends OpKind = OpKind> {
  kind: K;
  /** Tensor ids; -1 marks an absent optional input (e.g. a bias). */
  inputs: number[];
  outputs: number[];
  options: OpOptionsMap[K];
  /** Stable name for reports; the reader sets "<kind>_<index>", rewrites derive from it. */
  name: string;
}

export interface Metadata { name: string; data: Uint8Array }

export interface Graph {
  tensors: Tensor[];
  ops: Op[];
  inputs: number[];
  outputs: number[];
  /** Model-level metadata carried through a round trip (e.g. OfflineMemoryAllocation). */
  metadata: Metadata[];
  description?: string;
  /** TFLite schema version of the source model. */
  version?: number;
}

export function tensorBytes(t: Tensor): number {
  return t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
}

export function numElements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Activations are the tensors the arena holds: everything that is not constant data. */
export function isActivation(t: Tensor): boolean {
  return t.data === undefined;
}

/** A typed error for anything wrong with a model: names the op or tensor it is about. */
export class ModelError extends Error {
  constructor(message: string, readonly where?: { op?: number; opKind?: string; tensor?: number }) {
    super(message);
    this.name = 'ModelError';
  }
}
