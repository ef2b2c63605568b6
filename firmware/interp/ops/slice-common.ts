// Shared by STRIDED_SLICE (strided-slice.ts) and SLICE (slice.ts): gathering a box of the input
// with per-axis start/stop/stride. Any element dtype.
import type { KernelArgs, TensorData } from '../types.ts';
import { allocate } from '../tensor-data.ts';
import { elementCount, opError, output } from './common.ts';

export function clamp(v: number, lo: number, hi: number): number { return v < lo ? lo : v > hi ? hi : v; }

/** Copies input[start_d : stop_d : stride_d] for every axis into a fresh array. */
export function gatherBox(args: KernelArgs, x: TensorData, shape: number[], start: number[], stop: number[], stride: number[]): TensorData {
  const rank = shape.length;
  const counts = shape.map((_, d) => {
    const s = stride[d]!;
    const c = s > 0 ? Math.ceil((stop[d]! - start[d]!) / s) : Math.ceil((start[d]! - stop[d]!) / -s);
    return Math.max(0, c);
  });
  const outT = output(args);
  const total = elementCount(counts);
  if (elementCount(outT.shape) !== total) {
    throw opError(args, `output [${outT.shape}] does not hold the ${total} sliced values (box [${counts}])`);
  }
  const y = allocate(outT.dtype, total);
  if (total === 0) return y;
  const inStrides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) { inStrides[d] = acc; acc *= shape[d]!; }
  const idx = new Array<number>(rank).fill(0);
  const src = x as Int8Array; const dst = y as Int8Array;
  for (let i = 0; i < total; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += (start[d]! + idx[d]! * stride[d]!) * inStrides[d]!;
    dst[i] = src[off]!;
    for (let d = rank - 1; d >= 0; d--) { if (++idx[d]! < counts[d]!) break; idx[d] = 0; }
  }
  return y;
}
