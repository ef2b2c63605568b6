// Helpers shared by the kernels: quantization parameters, padding, errors, broadcasting.
import { ModelError, type DType, type Tensor } from '../../ir/graph.ts';
import type { KernelArgs, TensorData } from '../types.ts';

export function opError(args: KernelArgs, message: string): ModelError {
  return new ModelError(`op ${args.index} (${args.op.kind} "${args.op.name}"): ${message}`,
    { op: args.index, opKind: args.op.kind });
}

/** An op whose tensor dtypes have no kernel; names every input and output dtype. */
export function unsupportedDType(args: KernelArgs, dtype: DType): ModelError {
  const ins = args.inputTensors.filter((t): t is Tensor => t !== undefined && t.data === undefined).map((t) => t.dtype);
  const consts = args.inputTensors.filter((t): t is Tensor => t !== undefined && t.data !== undefined).map((t) => t.dtype);
  const outs = args.outputTensors.map((t) => t.dtype);
  return opError(args, `unsupported dtype ${dtype} (inputs ${ins.join(', ') || '-'}; constants ${consts.join(', ') || '-'}; outputs ${outs.join(', ')}): the interpreter has no ${args.op.kind} kernel for it`);
}

export function input(args: KernelArgs, i: number): { data: TensorData; tensor: Tensor } {
  const data = args.inputs[i];
  const tensor = args.inputTensors[i];
  if (!data || !tensor) throw opError(args, `missing input ${i}`);
  return { data, tensor };
}

export function optionalInput(args: KernelArgs, i: number): { data: TensorData; tensor: Tensor } | undefined {
  const data = args.inputs[i];
  const tensor = args.inputTensors[i];
  return data && tensor ? { data, tensor } : undefined;
}

export function output(args: KernelArgs, i = 0): Tensor {
  const t = args.outputTensors[i];
  if (!t) throw opError(args, `missing output ${i}`);
  return t;
}

/** Per-tensor scale and zero point; a clear error when the tensor is not quantized. */
export function quantParams(args: KernelArgs, t: Tensor): { scale: number; zeroPoint: number } {
  const q = t.quant;
  if (!q || q.scale.length === 0) throw opError(args, `tensor "${t.name}" (${t.dtype}) has no quantization parameters`);
  return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0] ?? 0 };
}

/** TFLite's ComputePaddingHeightWidth for one dimension: the leading (top/left) padding. */
export function leadingPadding(stride: number, dilation: number, inSize: number, filterSize: number, outSize: number): number {
  const effectiveFilter = (filterSize - 1) * dilation + 1;
  const total = (outSize - 1) * stride + effectiveFilter - inSize;
  return total > 0 ? Math.floor(total / 2) : 0;
}

/** Output size of a windowed op, as TFLite computes it (ComputeOutSize). */
export function windowOutSize(padding: 'SAME' | 'VALID', inSize: number, filterSize: number, stride: number, dilation: number): number {
  const effectiveFilter = (filterSize - 1) * dilation + 1;
  return padding === 'SAME' ? Math.floor((inSize + stride - 1) / stride)
    : Math.floor((inSize - effectiveFilter + stride) / stride);
}

/** Checks the graph's output shape against the shape the op computes. */
export function expectShape(args: KernelArgs, t: Tensor, shape: number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw opError(args, `output "${t.name}" has shape [${t.shape}], the op computes [${shape}]`);
  }
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Broadcast index maps for a binary elementwise op: for every output element, the flat index
 * into each input (numpy/TFLite broadcasting, shapes aligned at the trailing dimension).
 */
export function broadcastIndices(shapeA: number[], shapeB: number[], outShape: number[]): { a: Int32Array; b: Int32Array } {
  const rank = outShape.length;
  const pad = (s: number[]) => [...new Array(rank - s.length).fill(1), ...s];
  const sa = pad(shapeA);
  const sb = pad(shapeB);
  const strides = (s: number[]) => {
    const st = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let d = rank - 1; d >= 0; d--) { st[d] = s[d] === 1 ? 0 : acc; acc *= s[d]!; }
    return st;
  };
  const stA = strides(sa);
  const stB = strides(sb);
  const n = elementCount(outShape);
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let ia = 0; let ib = 0;
    for (let d = 0; d < rank; d++) { ia += idx[d]! * stA[d]!; ib += idx[d]! * stB[d]!; }
    a[i] = ia; b[i] = ib;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return { a, b };
}

/** The broadcast result shape of two shapes, or an error naming both. */
export function broadcastShape(args: KernelArgs, a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw opError(args, `shapes [${a}] and [${b}] do not broadcast`);
    out.push(Math.max(da, db));
  }
  return out;
}

export function clampInt(x: number, min: number, max: number): number {
  return x < min ? min : x > max ? max : x;
}

/** Normalises a possibly negative axis against a rank. */
export function normAxis(args: KernelArgs, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw opError(args, `axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** The bias of a conv / FC: one value per output channel, int32 for int8 kernels, else float32. */
export function checkBias(args: KernelArgs, bias: { data: TensorData; tensor: Tensor } | undefined, channels: number, inputDType: DType): void {
  if (!bias || (inputDType !== 'int8' && inputDType !== 'float32')) return; // other dtypes: unsupported later
  const want = inputDType === 'int8' ? 'int32' : 'float32';
  if (bias.tensor.dtype !== want) throw opError(args, `bias "${bias.tensor.name}" is ${bias.tensor.dtype}, a ${inputDType} kernel needs ${want}`);
  if (bias.data.length !== channels) throw opError(args, `bias "${bias.tensor.name}" has ${bias.data.length} values for ${channels} output channels`);
}

/** Filter scales of a quantized conv / FC: one, or one per output channel. */
export function filterScales(args: KernelArgs, filter: Tensor, channels: number): number[] {
  const s = filter.quant?.scale;
  if (!s || s.length === 0) throw opError(args, `filter "${filter.name}" has no quantization parameters`);
  if (s.length !== 1 && s.length !== channels) throw opError(args, `filter "${filter.name}" has ${s.length} scales for ${channels} output channels`);
  if (filter.quant!.zeroPoint.some((z) => z !== 0) && s.length > 1) throw opError(args, `per-channel filter "${filter.name}" has a non-zero zero point`);
  return s;
}

/**
 * Checks a windowed op's options and that the graph's output height and width are the ones
 * TFLite computes for them (a mismatch would otherwise be computed silently).
 */
export function checkWindow(
  args: KernelArgs, o: { padding: 'SAME' | 'VALID'; strideH: number; strideW: number },
  dilationH: number, dilationW: number, inH: number, inW: number, kH: number, kW: number, outH: number, outW: number,
): void {
  for (const [what, v] of [['stride_h', o.strideH], ['stride_w', o.strideW], ['dilation_h', dilationH], ['dilation_w', dilationW], ['filter height', kH], ['filter width', kW]] as const) {
    if (!Number.isInteger(v) || v < 1) throw opError(args, `${what} must be a positive integer, got ${v}`);
  }
  if (o.padding !== 'SAME' && o.padding !== 'VALID') throw opError(args, `unknown padding ${String(o.padding)}`);
  const h = windowOutSize(o.padding, inH, kH, o.strideH, dilationH);
  const w = windowOutSize(o.padding, inW, kW, o.strideW, dilationW);
  if (h !== outH || w !== outW) {
    throw opError(args, `output is ${outH}x${outW}, but ${o.padding} padding with stride ${o.strideH}x${o.strideW} on a ${inH}x${inW} input and a ${kH}x${kW} window gives ${h}x${w}`);
  }
}
