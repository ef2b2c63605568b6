// QUANTIZE: float32 -> int8/uint8/int16, or requantization between integer types.
// 'reference': round_half_away(x / scale) + zp, and MultiplyByQuantizedMultiplier with
// input_scale / output_scale. 'xnnpack' (int8 output): XNNPACK's Convert operators, see quant.ts
// quantizeFloatXnn and xnnRequantizeParams.
import { dtypeRange, multiplyByQuantizedMultiplier as mbqm, quantizeFloat, quantizeFloatXnn, requantizeMultiplier, xnnRequantizeParams } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { allocate } from '../tensor-data.ts';
import { input, opError, output, quantParams, unsupportedDType } from './common.ts';

export const quantize: Kernel<'QUANTIZE'> = (args) => {
  const { data: x, tensor: xt } = input(args, 0);
  const yt = output(args);
  if (!['int8', 'uint8', 'int16'].includes(yt.dtype)) throw unsupportedDType(args, yt.dtype);
  if (yt.quant && yt.quant.scale.length > 1) throw opError(args, 'per-channel QUANTIZE is not supported');
  const yq = quantParams(args, yt);
  const { min, max } = dtypeRange(yt.dtype);
  const n = x.length;
  const y = allocate(yt.dtype, n) as Int8Array;
  if (xt.dtype === 'float32') {
    const xf = x as Float32Array;
    const xnn = args.arithmetic === 'xnnpack' && yt.dtype === 'int8';
    for (let i = 0; i < n; i++) {
      y[i] = xnn ? quantizeFloatXnn(xf[i]!, yq.scale, yq.zeroPoint, min, max) : quantizeFloat(xf[i]!, yq.scale, yq.zeroPoint, min, max);
    }
    return [y];
  }
  if (xt.dtype === 'int8' || xt.dtype === 'uint8' || xt.dtype === 'int16') {
    const xq = quantParams(args, xt);
    const xi = x as Int8Array;
    if (args.arithmetic === 'xnnpack' && xt.dtype === 'int8' && yt.dtype === 'int8') {
      const p = xnnRequantizeParams(xq.scale, xq.zeroPoint, yq.scale, yq.zeroPoint);
      for (let i = 0; i < n; i++) {
        const v = (p.bias + xi[i]! * p.multiplier) >> 8;
        y[i] = v < min ? min : v > max ? max : v;
      }
      return [y];
    }
    const { multiplier, shift } = requantizeMultiplier(xq.scale, yq.scale);
    for (let i = 0; i < n; i++) {
      const v = mbqm(xi[i]! - xq.zeroPoint, multiplier, shift) + yq.zeroPoint;
      y[i] = v < min ? min : v > max ? max : v;
    }
    return [y];
  }
  throw unsupportedDType(args, xt.dtype);
};
