// GATHER along one axis (batch_dims 0): output = params[..., indices, ...]. Any element dtype;
// indices int32 or int64; an index out of range is an error, as in TFLite.
import type { Kernel } from '../types.ts';
import { allocate, toNumbers } from '../tensor-data.ts';
import { elementCount, expectShape, input, normAxis, opError, output } from './common.ts';

export const gather: Kernel<'GATHER'> = (args) => {
  const { data: p, tensor: pt } = input(args, 0);
  const { data: ind, tensor: it } = input(args, 1);
  const yt = output(args);
  if (args.op.options.batchDims !== 0) throw opError(args, `batch_dims ${args.op.options.batchDims} is not supported`);
  if (it.dtype !== 'int32' && it.dtype !== 'int64') throw opError(args, `indices must be int32 or int64, got ${it.dtype}`);
  if (pt.dtype !== yt.dtype) throw opError(args, `params dtype ${pt.dtype} != output dtype ${yt.dtype}`);
  const axis = normAxis(args, args.op.options.axis, pt.shape.length);
  const outShape = [...pt.shape.slice(0, axis), ...it.shape, ...pt.shape.slice(axis + 1)];
  expectShape(args, yt, outShape);
  const outer = elementCount(pt.shape.slice(0, axis));
  const axisSize = pt.shape[axis]!;
  const inner = elementCount(pt.shape.slice(axis + 1));
  const indices = toNumbers(ind);
  const y = allocate(yt.dtype, elementCount(outShape)) as Int8Array;
  const src = p as Int8Array;
  let off = 0;
  for (let o = 0; o < outer; o++) {
    for (const k of indices) {
      if (k < 0 || k >= axisSize) throw opError(args, `index ${k} out of range [0, ${axisSize})`);
      const start = (o * axisSize + k) * inner;
      y.set(src.subarray(start, start + inner), off);
      off += inner;
    }
  }
  return [y];
};
