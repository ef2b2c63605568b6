// STRIDED_SLICE and SLICE. Both gather a box of the input with per-axis start/stop/stride;
// they differ only in how the box is given. Any element dtype.
import type { Kernel, KernelArgs, TensorData } from '../types.ts';
import { allocate, toNumbers } from '../tensor-data.ts';
import { elementCount, input, opError, output } from './common.ts';

function clamp(v: number, lo: number, hi: number): number { return v < lo ? lo : v > hi ? hi : v; }

/** Copies input[start_d : stop_d : stride_d] for every axis into a fresh array. */
function gatherBox(args: KernelArgs, x: TensorData, shape: number[], start: number[], stop: number[], stride: number[]): TensorData {
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

export const stridedSlice: Kernel<'STRIDED_SLICE'> = (args) => {
  const o = args.op.options;
  const { data: x, tensor: xt } = input(args, 0);
  const begin = toNumbers(input(args, 1).data);
  const end = toNumbers(input(args, 2).data);
  const strides = args.inputs[3] ? toNumbers(args.inputs[3]) : begin.map(() => 1);
  const yt = output(args);
  const rank = xt.shape.length;
  if (o.ellipsisMask || o.newAxisMask) throw opError(args, 'ellipsis_mask and new_axis_mask are not supported');
  if (begin.length !== rank || end.length !== rank || strides.length !== rank) {
    throw opError(args, `begin/end/strides have ${begin.length}/${end.length}/${strides.length} entries, input rank is ${rank}`);
  }
  if (xt.dtype !== yt.dtype) throw opError(args, `input dtype ${xt.dtype} != output dtype ${yt.dtype}`);
  const start: number[] = []; const stop: number[] = [];
  for (let d = 0; d < rank; d++) {
    const size = xt.shape[d]!;
    const s = strides[d]!;
    if (s === 0) throw opError(args, `stride 0 on axis ${d}`);
    // TFLite's StartForAxis / StopForAxis: masks, negative indices, clamping.
    let b = begin[d]!;
    if (o.beginMask & (1 << d)) b = s > 0 ? -Infinity : Infinity;
    if (b < 0) b += size;
    b = s > 0 ? clamp(b, 0, size) : clamp(b, -1, size - 1);
    let e: number;
    if (o.shrinkAxisMask & (1 << d)) e = b + 1;
    else {
      e = o.offset ? begin[d]! + end[d]! : end[d]!;
      if (o.endMask & (1 << d)) e = s > 0 ? Infinity : -Infinity;
      if (e < 0) e += size;
      e = s > 0 ? clamp(e, 0, size) : clamp(e, -1, size - 1);
    }
    start.push(b); stop.push(e);
  }
  return [gatherBox(args, x, xt.shape, start, stop, strides)];
};

export const slice: Kernel<'SLICE'> = (args) => {
  const { data: x, tensor: xt } = input(args, 0);
  const begin = toNumbers(input(args, 1).data);
  const size = toNumbers(input(args, 2).data);
  const rank = xt.shape.length;
  if (begin.length !== rank || size.length !== rank) throw opError(args, `begin/size have ${begin.length}/${size.length} entries, input rank is ${rank}`);
  const stop = size.map((s, d) => (s === -1 ? xt.shape[d]! : begin[d]! + s));
  for (let d = 0; d < rank; d++) {
    if (begin[d]! < 0 || stop[d]! > xt.shape[d]! || stop[d]! < begin[d]!) {
      throw opError(args, `slice begin ${begin[d]} size ${size[d]} out of range for axis ${d} of size ${xt.shape[d]}`);
    }
  }
  return [gatherBox(args, x, xt.shape, begin, stop, begin.map(() => 1))];
};
