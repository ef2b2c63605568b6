// DEPTHWISE_CONV_2D: TFLite reference semantics; output channel oc = ic * depth_multiplier + m,
// filter layout [1, KH, KW, C*M]. int8: per-channel requantization like CONV_2D.
import { activationRangeFloat } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { checkBias, input, opError, optionalInput, output, unsupportedDType } from './common.ts';
import { check4d, convWindow, int8ConvParams, windowTaps } from './conv-window.ts';

export const depthwiseConv2d: Kernel<'DEPTHWISE_CONV_2D'> = (args) => {
  const o = args.op.options;
  const { data: x, tensor: xt } = input(args, 0);
  const { data: w, tensor: wt } = input(args, 1);
  const bias = optionalInput(args, 2);
  const yt = output(args);
  check4d(args, xt, wt, yt);
  const inC = xt.shape[3]!;
  const [, kH, kW, outC] = wt.shape as [number, number, number, number];
  const yC = yt.shape[3]!;
  // TFLite derives the multiplier from the shapes (the option is unreliable in old models).
  const mult = outC / inC;
  if (!Number.isInteger(mult) || yC !== outC) {
    throw opError(args, `filter depth ${outC} is not a multiple of input depth ${inC} (output depth ${yC})`);
  }
  const g = convWindow(args, o, xt, yt, kH, kW, outC);
  const { start, pix, tap } = windowTaps(g);
  const pixels = g.outH * g.outW;

  checkBias(args, bias, outC, xt.dtype);

  // Filter layout [1, kH, kW, outC]: a tap's weights for every output channel are contiguous.
  if (xt.dtype === 'int8' && wt.dtype === 'int8' && yt.dtype === 'int8') {
    const xi = x as Int8Array; const wi = w as Int8Array;
    const b = bias ? bias.data as Int32Array : undefined;
    const { requant, min, max, inOff } = int8ConvParams(args, o.activation, xt, wt, yt, outC);
    const y = new Int8Array(g.batches * g.outH * g.outW * outC);
    const acc = new Int32Array(outC);
    let yb = 0;
    for (let n = 0; n < g.batches; n++) {
      const nb = n * g.inH * g.inW;
      for (let p = 0; p < pixels; p++, yb += outC) {
        acc.fill(0);
        for (let t = start[p]!, end = start[p + 1]!; t < end; t++) {
          const xb = (nb + pix[t]!) * inC;
          const wb = tap[t]! * outC;
          let oc = 0;
          for (let ic = 0; ic < inC; ic++) {
            const xv = xi[xb + ic]! + inOff;
            for (let m = 0; m < mult; m++, oc++) acc[oc] = acc[oc]! + wi[wb + oc]! * xv;
          }
        }
        for (let oc = 0; oc < outC; oc++) {
          let a = acc[oc]!;
          if (b) a = (a + b[oc]!) | 0;
          let v = requant(a, oc);
          v = v < min ? min : v > max ? max : v;
          y[yb + oc] = v;
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
    const acc = new Float32Array(outC);
    let yb = 0;
    for (let n = 0; n < g.batches; n++) {
      const nb = n * g.inH * g.inW;
      for (let p = 0; p < pixels; p++, yb += outC) {
        acc.fill(0);
        for (let t = start[p]!, end = start[p + 1]!; t < end; t++) {
          const xb = (nb + pix[t]!) * inC;
          const wb = tap[t]! * outC;
          let oc = 0;
          for (let ic = 0; ic < inC; ic++) {
            const xv = xf[xb + ic]!;
            for (let m = 0; m < mult; m++, oc++) acc[oc] = acc[oc]! + Math.fround(wf[wb + oc]! * xv);
          }
        }
        for (let oc = 0; oc < outC; oc++) {
          let v = b ? Math.fround(acc[oc]! + b[oc]!) : acc[oc]!;
          v = v < min ? min : v > max ? max : v;
          y[yb + oc] = v;
        }
      }
    }
    return [y];
  }
  throw unsupportedDType(args, xt.dtype);
};
