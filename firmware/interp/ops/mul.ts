// MUL with numpy broadcasting. int8: (a - za) * (b - zb) rescaled by s_a * s_b / s_out, with
// TFLite's fixed-point multiplier ('reference') or XNNPACK's float32 scale ('xnnpack'). float32 / int32: plain products with the activation clamp.
import { activationRangeFloat, activationRangeQuantized, fp32RequantScale, mulMultiplier, multiplyByQuantizedMultiplier as mbqm, roundHalfEven } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { broadcastIndices, broadcastShape, elementCount, input, opError, output, quantParams, unsupportedDType } from './common.ts';

export const mul: Kernel<'MUL'> = (args) => {
  const { data: a, tensor: at } = input(args, 0);
  const { data: b, tensor: bt } = input(args, 1);
  const yt = output(args);
  if (at.dtype !== bt.dtype || at.dtype !== yt.dtype) throw opError(args, `mixed dtypes ${at.dtype} * ${bt.dtype} -> ${yt.dtype}`);
  const outShape = broadcastShape(args, at.shape, bt.shape);
  const n = elementCount(outShape);
  if (elementCount(yt.shape) !== n) throw opError(args, `output [${yt.shape}] does not match the broadcast shape [${outShape}]`);
  const same = elementCount(at.shape) === n && elementCount(bt.shape) === n;
  const idx = same ? undefined : broadcastIndices(at.shape, bt.shape, outShape);
  const act = args.op.options.activation;

  if (at.dtype === 'int8') {
    const aq = quantParams(args, at); const bq = quantParams(args, bt); const yq = quantParams(args, yt);
    const { multiplier, shift } = mulMultiplier(aq.scale, bq.scale, yq.scale);
    // XNNPACK: float32 product scale s_a * s_b / s_out, round half to even.
    const xnnScale = args.arithmetic === 'xnnpack' ? fp32RequantScale(aq.scale, bq.scale, yq.scale) : 0;
    const { min, max } = activationRangeQuantized(act, yq.scale, yq.zeroPoint, 'int8');
    const ai = a as Int8Array; const bi = b as Int8Array;
    const y = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const prod = (ai[idx ? idx.a[i]! : i]! - aq.zeroPoint) * (bi[idx ? idx.b[i]! : i]! - bq.zeroPoint);
      const v = (xnnScale ? roundHalfEven(Math.fround(Math.fround(prod) * xnnScale)) : mbqm(prod, multiplier, shift)) + yq.zeroPoint;
      y[i] = v < min ? min : v > max ? max : v;
    }
    return [y];
  }
  if (at.dtype === 'float32') {
    const { min, max } = activationRangeFloat(act);
    const af = a as Float32Array; const bf = b as Float32Array;
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Math.fround(af[idx ? idx.a[i]! : i]! * bf[idx ? idx.b[i]! : i]!);
      y[i] = v < min ? min : v > max ? max : v;
    }
    return [y];
  }
  if (at.dtype === 'int32') {
    const r = activationRangeFloat(act);
    const min = Math.max(r.min, -2147483648); const max = Math.min(r.max, 2147483647);
    const ai = a as Int32Array; const bi = b as Int32Array;
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Math.imul(ai[idx ? idx.a[i]! : i]!, bi[idx ? idx.b[i]! : i]!);
      y[i] = v < min ? min : v > max ? max : v;
    }
    return [y];
  }
  throw unsupportedDType(args, at.dtype);
};
