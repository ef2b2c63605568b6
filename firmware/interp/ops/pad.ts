// PAD: paddings is an int32/int64 [rank, 2] constant (before, after per dimension). Padded
// values are the output zero point for quantized tensors, 0 otherwise. Any element dtype.
import type { Kernel } from '../types.ts';
import { toNumbers, allocate } from '../tensor-data.ts';
import { elementCount, expectShape, input, opError, output } from './common.ts';

export const pad: Kernel<'PAD'> = (args) => {
  const { data: x, tensor: xt } = input(args, 0);
  const { data: p, tensor: pt } = input(args, 1);
  const yt = output(args);
  const rank = xt.shape.length;
  const pads = toNumbers(p);
  if (pads.length !== rank * 2) throw opError(args, `paddings [${pt.shape}] do not match input rank ${rank}`);
  if (pads.some((v) => v < 0)) throw opError(args, `negative padding [${pads}]`);
  if (xt.dtype !== yt.dtype) throw opError(args, `input dtype ${xt.dtype} != output dtype ${yt.dtype}`);
  const outShape = xt.shape.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!);
  expectShape(args, yt, outShape);
  const y = allocate(yt.dtype, elementCount(outShape));
  const fill = yt.quant && yt.quant.zeroPoint.length ? yt.quant.zeroPoint[0]! : 0;
  if (fill !== 0) (y as Int8Array).fill(fill);
  // Copy input rows (innermost dimension) to their padded positions.
  const inner = xt.shape[rank - 1] ?? 1;
  const rows = inner === 0 ? 0 : elementCount(xt.shape) / inner;
  const outStrides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) { outStrides[d] = acc; acc *= outShape[d]!; }
  const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let r = 0; r < rows; r++) {
    let off = 0;
    for (let d = 0; d < rank - 1; d++) off += (idx[d]! + pads[2 * d]!) * outStrides[d]!;
    off += pads[2 * (rank - 1)]!;
    (y as Int8Array).set((x as Int8Array).subarray(r * inner, (r + 1) * inner), off);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d]! < xt.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return [y];
};
