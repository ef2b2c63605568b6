// STRIDED_SLICE: begin/end/strides (int32 constants) with begin, end and shrink-axis masks and
// the offset flag, following TFLite's StartForAxis/StopForAxis (negative indices, clamping).
// ellipsis and new-axis masks are refused.
import type { Kernel } from '../types.ts';
import { toNumbers } from '../tensor-data.ts';
import { input, opError, output } from './common.ts';
import { clamp, gatherBox } from './slice-common.ts';

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
