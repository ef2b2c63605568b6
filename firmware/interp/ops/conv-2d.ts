// CONV_2D: TFLite reference semantics. int8: per-channel requantization of an int32
// accumulator (input offset, int32 bias, MultiplyByQuantizedMultiplier, output offset, fused
// activation clamp). float32: float accumulation in (filter_y, filter_x, in_channel) order.
import { activationRangeFloat } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { checkBias, input, opError, optionalInput, output, unsupportedDType } from './common.ts';
import { check4d, convWindow, int8ConvParams, windowTaps } from './conv-window.ts';

export const conv2d: Kernel<'CONV_2D'> = (args) => {
  const o = args.op.options;
  const { data: x, tensor: xt } = input(args, 0);
  const { data: w, tensor: wt } = input(args, 1);
  const bias = optionalInput(args, 2);
  const yt = output(args);
  check4d(args, xt, wt, yt);
  const inC = xt.shape[3]!;
  const [outC, kH, kW, filterInC] = wt.shape as [number, number, number, number];
  const yC = yt.shape[3]!;
  if (filterInC !== inC) throw opError(args, `filter input depth ${filterInC} != input depth ${inC} (grouped conv is not supported)`);
  if (yC !== outC) throw opError(args, `output depth ${yC} != filter count ${outC}`);
  const g = convWindow(args, o, xt, yt, kH, kW, outC);
  const filterSize = kH * kW; // taps per output channel; filter layout [outC, kH, kW, inC]
  const { start, pix, tap } = windowTaps(g);
  const pixels = g.outH * g.outW;

  checkBias(args, bias, outC, xt.dtype);

  if (xt.dtype === 'int8' && wt.dtype === 'int8' && yt.dtype === 'int8') {
    const xi = x as Int8Array; const wi = w as Int8Array;
    const b = bias ? bias.data as Int32Array : undefined;
    const { requant, min, max, inOff } = int8ConvParams(args, o.activation, xt, wt, yt, outC);
    const y = new Int8Array(g.batches * g.outH * g.outW * outC);
    let yi = 0;
    for (let n = 0; n < g.batches; n++) {
      const nb = n * g.inH * g.inW;
      for (let p = 0; p < pixels; p++) {
        for (let oc = 0; oc < outC; oc++) {
          let acc = 0;
          for (let t = start[p]!, end = start[p + 1]!; t < end; t++) {
            const xb = (nb + pix[t]!) * inC;
            const wb = (oc * filterSize + tap[t]!) * inC;
            for (let ic = 0; ic < inC; ic++) acc += wi[wb + ic]! * (xi[xb + ic]! + inOff);
          }
          if (b) acc += b[oc]!;
          let v = requant(acc | 0, oc);
          v = v < min ? min : v > max ? max : v;
          y[yi++] = v;
        }
      }
    }
    return [y];
  }
  if (xt.dtype === 'float32' && wt.dtype === 'float32' && yt.dtype === 'float32') {
    const xf = x as Float32Array; const wf = w as Float32Array;
    const b = bias ? bias.data as Float32Array : undefined;
    const { min, max } = activationRangeFloat(o.activation);
    const y = new Float32Array(g.batches * g.outH * g.outW * outC);
    let yi = 0;
    for (let n = 0; n < g.batches; n++) {
      const nb = n * g.inH * g.inW;
      for (let p = 0; p < pixels; p++) {
        for (let oc = 0; oc < outC; oc++) {
          let acc = 0;
          for (let t = start[p]!, end = start[p + 1]!; t < end; t++) {
            const xb = (nb + pix[t]!) * inC;
            const wb = (oc * filterSize + tap[t]!) * inC;
            for (let ic = 0; ic < inC; ic++) acc = Math.fround(acc + Math.fround(wf[wb + ic]! * xf[xb + ic]!));
          }
          let v = b ? Math.fround(acc + b[oc]!) : acc;
          v = v < min ? min : v > max ? max : v;
          y[yi++] = v;
        }
      }
    }
    return [y];
  }
  throw unsupportedDType(args, xt.dtype);
};
