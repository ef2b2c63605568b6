// DEQUANTIZE: int8/uint8/int16 -> float32, (float)(scale * (q - zero_point)).
import { dequantizeValue } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { input, opError, output, quantParams, unsupportedDType } from './common.ts';

export const dequantize: Kernel<'DEQUANTIZE'> = (args) => {
  const { data: x, tensor: xt } = input(args, 0);
  const yt = output(args);
  if (yt.dtype !== 'float32') throw unsupportedDType(args, yt.dtype);
  if (!['int8', 'uint8', 'int16'].includes(xt.dtype)) throw unsupportedDType(args, xt.dtype);
  if (xt.quant && xt.quant.scale.length > 1) throw opError(args, 'per-channel DEQUANTIZE is not supported');
  const { scale, zeroPoint } = quantParams(args, xt);
  const xi = x as Int8Array;
  const y = new Float32Array(xi.length);
  for (let i = 0; i < xi.length; i++) y[i] = dequantizeValue(xi[i]!, scale, zeroPoint);
  return [y];
};
