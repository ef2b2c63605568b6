// FULLY_CONNECTED: weights [out, in]; every row of `in` input values is one batch. int8:
// int32 accumulator with input/filter offsets, int32 bias, one multiplier (or one per output
// channel when the weights are per-channel quantized), output offset, activation clamp.
import { accumulatorRequantizer, activationRangeFloat, activationRangeQuantized } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { checkBias, elementCount, filterScales, input, opError, optionalInput, output, quantParams, unsupportedDType } from './common.ts';

export const fullyConnected: Kernel<'FULLY_CONNECTED'> = (args) => {
  const o = args.op.options;
  const { data: x, tensor: xt } = input(args, 0);
  const { data: w, tensor: wt } = input(args, 1);
  const bias = optionalInput(args, 2);
  const yt = output(args);
  if (wt.shape.length !== 2) throw opError(args, `weights must be 2-D, got [${wt.shape}]`);
  const [outDepth, accumDepth] = wt.shape as [number, number];
  const inCount = elementCount(xt.shape);
  if (inCount % accumDepth !== 0) throw opError(args, `input of ${inCount} values is not a multiple of the weights' depth ${accumDepth}`);
  const batches = inCount / accumDepth;
  if (elementCount(yt.shape) !== batches * outDepth) {
    throw opError(args, `output [${yt.shape}] does not hold ${batches} x ${outDepth} values`);
  }

  checkBias(args, bias, outDepth, xt.dtype);

  if (xt.dtype === 'int8' && wt.dtype === 'int8' && yt.dtype === 'int8') {
    const xi = x as Int8Array; const wi = w as Int8Array;
    const b = bias ? bias.data as Int32Array : undefined;
    const xq = quantParams(args, xt); const wq = quantParams(args, wt); const yq = quantParams(args, yt);
    const requant = accumulatorRequantizer(args.arithmetic, xq.scale, filterScales(args, wt, outDepth), yq.scale, yq.zeroPoint, outDepth);
    const { min, max } = activationRangeQuantized(o.activation, yq.scale, yq.zeroPoint, 'int8');
    const inOff = -xq.zeroPoint; const wOff = -wq.zeroPoint;
    const y = new Int8Array(batches * outDepth);
    for (let n = 0; n < batches; n++) {
      const xb = n * accumDepth;
      for (let oc = 0; oc < outDepth; oc++) {
        const wb = oc * accumDepth;
        let acc = 0;
        for (let d = 0; d < accumDepth; d++) acc += (wi[wb + d]! + wOff) * (xi[xb + d]! + inOff);
        if (b) acc += b[oc]!;
        let v = requant(acc | 0, oc);
        v = v < min ? min : v > max ? max : v;
        y[n * outDepth + oc] = v;
      }
    }
    return [y];
  }
  if (xt.dtype === 'float32' && wt.dtype === 'float32' && yt.dtype === 'float32') {
    const xf = x as Float32Array; const wf = w as Float32Array;
    const b = bias ? bias.data as Float32Array : undefined;
    const { min, max } = activationRangeFloat(o.activation);
    const y = new Float32Array(batches * outDepth);
    for (let n = 0; n < batches; n++) {
      const xb = n * accumDepth;
      for (let oc = 0; oc < outDepth; oc++) {
        const wb = oc * accumDepth;
        let acc = 0;
        for (let d = 0; d < accumDepth; d++) acc = Math.fround(acc + Math.fround(xf[xb + d]! * wf[wb + d]!));
        let v = b ? Math.fround(acc + b[oc]!) : acc;
        v = v < min ? min : v > max ? max : v;
        y[n * outDepth + oc] = v;
      }
    }
    return [y];
  }
  throw unsupportedDType(args, xt.dtype);
};
