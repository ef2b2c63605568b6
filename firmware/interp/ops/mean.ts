// MEAN over constant axes; axes may be negative or repeated. float32: sum then divide.
// int8 depends on the arithmetic (TFLite has several int8 MEAN paths):
// - 'reference': TFLite's current reference QuantizedMeanOrSum — int32 sum, input zero point
//   removed, rescaled by input_scale/output_scale with 1/count folded into the multiplier.
// - 'xnnpack' (what the TFLite runtime used for the golden data computes): means of 4-D
//   tensors over (H, W) or W go to XNNPACK's global average pooling (float32 scale); other
//   axes use TFLite's kernels of that build: with equal input/output quantization the
//   truncated integer mean, else round_half_away(mean * s - zp_in * s) + zp_out in float32,
//   s = input_scale / output_scale.
import {
  meanMultiplier, multiplyByQuantizedMultiplier as mbqm, requantizeFp32, requantizeMultiplier, roundHalfAway,
  tfliteFloatMeanParams, xnnMeanScale,
} from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { toNumbers } from '../tensor-data.ts';
import { elementCount, input, normAxis, opError, output, quantParams, unsupportedDType } from './common.ts';

export const mean: Kernel<'MEAN'> = (args) => {
  const { data: x, tensor: xt } = input(args, 0);
  const { data: axesData } = input(args, 1);
  const yt = output(args);
  const rank = xt.shape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of toNumbers(axesData)) reduced[normAxis(args, a, rank)] = true;
  const keptShape = xt.shape.map((d, i) => (reduced[i] ? 1 : d));
  const outCount = elementCount(keptShape);
  if (elementCount(yt.shape) !== outCount) throw opError(args, `output [${yt.shape}] does not hold the ${outCount} means`);
  const count = outCount === 0 ? 0 : elementCount(xt.shape) / outCount;
  // Map every input element to its output slot (row-major over the kept dims).
  const n = elementCount(xt.shape);
  const slot = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  const outStrides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) { outStrides[d] = reduced[d] ? 0 : acc; acc *= keptShape[d]!; }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < rank; d++) s += idx[d]! * outStrides[d]!;
    slot[i] = s;
    for (let d = rank - 1; d >= 0; d--) { if (++idx[d]! < xt.shape[d]!) break; idx[d] = 0; }
  }
  if (xt.dtype === 'int8' && yt.dtype === 'int8') {
    if (args.arithmetic === 'tflm') throw opError(args, 'int8 MEAN is not reproduced for the tflm arithmetic (TFLite-Micro has its own kernel); use reference');
    const xq = quantParams(args, xt); const yq = quantParams(args, yt);
    const sums = new Int32Array(outCount);
    const xi = x as Int8Array;
    for (let i = 0; i < n; i++) sums[slot[i]!] += xi[i]!;
    const y = new Int8Array(outCount);
    // XNNPACK takes 4-D means over H and W, or over W alone (both are NWC global pooling).
    const spatial = rank === 4 && reduced[2] && !reduced[0] && !reduced[3];
    let finish: (sum: number) => number;
    if (args.arithmetic === 'reference') {
      // TFLite's current reference QuantizedMeanOrSum (1/count folded into the multiplier).
      const base = requantizeMultiplier(xq.scale, yq.scale);
      const { multiplier, shift } = meanMultiplier(base.multiplier, base.shift, count);
      finish = (sum) => mbqm((sum - xq.zeroPoint * count) | 0, multiplier, shift) + yq.zeroPoint;
    } else if (spatial) {
      // XNNPACK global average pooling: float32 scale input/(output*count), round half even.
      const scale = xnnMeanScale(xq.scale, yq.scale, count);
      finish = (sum) => requantizeFp32(sum - xq.zeroPoint * count, scale, yq.zeroPoint);
    } else if (xq.scale === yq.scale && xq.zeroPoint === yq.zeroPoint) {
      // Same quantization: the integer mean, truncated (C integer division).
      finish = (sum) => Math.trunc(sum / count);
    } else {
      // TFLite's float QuantizedMeanOrSum of that build: round(mean * scale + bias), float32.
      const { scale, bias } = tfliteFloatMeanParams(xq.scale, xq.zeroPoint, yq.scale);
      finish = (sum) => roundHalfAway(Math.fround(Math.fround(Math.fround(Math.fround(sum) / count) * scale) + bias)) + yq.zeroPoint;
    }
    for (let o = 0; o < outCount; o++) {
      const v = finish(sums[o]!);
      y[o] = v < -128 ? -128 : v > 127 ? 127 : v;
    }
    return [y];
  }
  if (xt.dtype === 'float32' && yt.dtype === 'float32') {
    const sums = new Float32Array(outCount);
    const xf = x as Float32Array;
    for (let i = 0; i < n; i++) sums[slot[i]!] = sums[slot[i]!]! + xf[i]!;
    const y = new Float32Array(outCount);
    for (let o = 0; o < outCount; o++) y[o] = sums[o]! / count;
    return [y];
  }
  throw unsupportedDType(args, xt.dtype);
};
