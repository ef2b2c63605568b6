// ADD with numpy broadcasting. int8: TFLite's quantized add (both inputs shifted left by 20,
// rescaled to twice the larger input scale, summed, rescaled to the output). float32 and
// int32: plain sums (int32 wraps like C) with the fused activation clamp.
import { activationRangeFloat, activationRangeQuantized, addParams, addQuantizedElement, xnnAddElement, xnnAddParams } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { broadcastIndices, broadcastShape, elementCount, input, opError, output, quantParams, unsupportedDType } from './common.ts';

export const add: Kernel<'ADD'> = (args) => {
  const { data: a, tensor: at } = input(args, 0);
  const { data: b, tensor: bt } = input(args, 1);
  const yt = output(args);
  if (at.dtype !== bt.dtype || at.dtype !== yt.dtype) throw opError(args, `mixed dtypes ${at.dtype} + ${bt.dtype} -> ${yt.dtype}`);
  const outShape = broadcastShape(args, at.shape, bt.shape);
  const n = elementCount(outShape);
  if (elementCount(yt.shape) !== n) throw opError(args, `output [${yt.shape}] does not match the broadcast shape [${outShape}]`);
  const same = elementCount(at.shape) === n && elementCount(bt.shape) === n;
  const idx = same ? undefined : broadcastIndices(at.shape, bt.shape, outShape);
  const act = args.op.options.activation;

  if (at.dtype === 'int8') {
    const aq = quantParams(args, at); const bq = quantParams(args, bt); const yq = quantParams(args, yt);
    const { min, max } = activationRangeQuantized(act, yq.scale, yq.zeroPoint, 'int8');
    const element = args.arithmetic === 'xnnpack'
      ? ((p) => (x: number, z: number) => xnnAddElement(p, x, z))(xnnAddParams(aq.scale, aq.zeroPoint, bq.scale, bq.zeroPoint, yq.scale, yq.zeroPoint))
      : ((p) => (x: number, z: number) => addQuantizedElement(p, x, z))(addParams(aq.scale, aq.zeroPoint, bq.scale, bq.zeroPoint, yq.scale, yq.zeroPoint, 'int8'));
    const ai = a as Int8Array; const bi = b as Int8Array;
    const y = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const v = element(ai[idx ? idx.a[i]! : i]!, bi[idx ? idx.b[i]! : i]!);
      y[i] = v < min ? min : v > max ? max : v;
    }
    return [y];
  }
  if (at.dtype === 'float32') {
    const { min, max } = activationRangeFloat(act);
    const af = a as Float32Array; const bf = b as Float32Array;
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Math.fround(af[idx ? idx.a[i]! : i]! + bf[idx ? idx.b[i]! : i]!);
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
      const v = (ai[idx ? idx.a[i]! : i]! + bi[idx ? idx.b[i]! : i]!) | 0;
      y[i] = v < min ? min : v > max ? max : v;
    }
    return [y];
  }
  throw unsupportedDType(args, at.dtype);
};
