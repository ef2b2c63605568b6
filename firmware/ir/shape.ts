// Shape arithmetic shared by the validator, MAC counting and rewrites: TFLite's output-size and
// padding rules, broadcasting, and reading small integer constants (shape operands).
import type { Padding, Tensor } from './graph.ts';

/** Output length of a windowed op along one axis (TFLite's ComputeOutSize). */
export function windowOutSize(input: number, filter: number, stride: number, dilation: number, padding: Padding): number {
  const effective = (filter - 1) * dilation + 1;
  return padding === 'SAME'
    ? Math.floor((input + stride - 1) / stride)
    : Math.floor((input - effective + stride) / stride);
}

/** Padding before/after along one axis for SAME padding (TFLite puts the odd pixel after). */
export function samePadding(input: number, filter: number, stride: number, dilation: number): { before: number; after: number } {
  const out = windowOutSize(input, filter, stride, dilation, 'SAME');
  const effective = (filter - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + effective - input, 0);
  return { before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

/** Leading (top / left) padding of a windowed op from its actual output size: TFLite's
 *  ComputePaddingHeightWidth, as every kernel applies it (0 for VALID). */
export function leadingPad(padding: Padding, inSize: number, filter: number, stride: number, dilation: number, outSize: number): number {
  if (padding === 'VALID') return 0;
  const total = (outSize - 1) * stride + (filter - 1) * dilation + 1 - inSize;
  return total > 0 ? Math.floor(total / 2) : 0;
}

/** Leading and trailing padding rows of a stride-1, undilated SAME window of `filter` rows over
 * `size` rows (the row-by-row residual blocks' windows). */
export function sameRowPads(size: number, filter: number): [number, number] {
  const top = leadingPad('SAME', size, filter, 1, 1, size);
  return [top, filter - 1 - top];
}

/** NumPy-style broadcast of two shapes, or undefined when they are incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Values of a constant int32/int64 tensor (shape operands, paddings, axes), else undefined. */
export function constInts(t: Tensor | undefined): number[] | undefined {
  if (!t?.data) return undefined;
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (t.dtype === 'int32') {
    return Array.from({ length: t.data.byteLength >> 2 }, (_, i) => view.getInt32(4 * i, true));
  }
  if (t.dtype === 'int64') {
    return Array.from({ length: t.data.byteLength >> 3 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
  }
  return undefined;
}

/** A negative axis counts from the end, as in TFLite. */
export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmtShape(s: readonly number[]): string {
  return `[${s.join(',')}]`;
}
