// DEPTHWISE_CONV_2D: TFLite reference semantics; output channel oc = ic * depth_multiplier + m,
// filter layout [1, KH, KW, C*M]. int8: per-channel requantization like CONV_2D.
import { accumulatorRequantizer, activationRangeFloat, activationRangeQuantized } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { checkBias, checkWindow, filterScales, input, leadingPadding, opError, optionalInput, output, quantParams, unsupportedDType } from './common.ts';

export const depthwiseConv2d: Kernel<'DEPTHWISE_CONV_2D'> = (args) => {
  const o = args.op.options;
  const { data: x, tensor: xt } = input(args, 0);
  const { data: w, tensor: wt } = input(args, 1);
  const bias = optionalInput(args, 2);
  const yt = output(args);
  if (xt.shape.length !== 4 || wt.shape.length !== 4 || yt.shape.length !== 4) {
    throw opError(args, `expects 4-D input, filter and output, got [${xt.shape}], [${wt.shape}], [${yt.shape}]`);
  }
  const [batches, inH, inW, inC] = xt.shape as [number, number, number, number];
  const [, kH, kW, outC] = wt.shape as [number, number, number, number];
  const [, outH, outW, yC] = yt.shape as [number, number, number, number];
  // TFLite derives the multiplier from the shapes (the option is unreliable in old models).
  const mult = outC / inC;
  if (!Number.isInteger(mult) || yC !== outC) {
    throw opError(args, `filter depth ${outC} is not a multiple of input depth ${inC} (output depth ${yC})`);
  }
  checkWindow(args, o, o.dilationH, o.dilationW, inH, inW, kH, kW, outH, outW);
  const padH = leadingPadding(o.strideH, o.dilationH, inH, kH, outH);
  const padW = leadingPadding(o.strideW, o.dilationW, inW, kW, outW);
  const sH = o.strideH; const sW = o.strideW; const dH = o.dilationH; const dW = o.dilationW;

  checkBias(args, bias, outC, xt.dtype);

  if (xt.dtype === 'int8' && wt.dtype === 'int8' && yt.dtype === 'int8') {
    const xi = x as Int8Array; const wi = w as Int8Array;
    const b = bias ? bias.data as Int32Array : undefined;
    const xq = quantParams(args, xt); const yq = quantParams(args, yt);
    const requant = accumulatorRequantizer(args.arithmetic, xq.scale, filterScales(args, wt, outC), yq.scale, yq.zeroPoint, outC);
    const { min, max } = activationRangeQuantized(o.activation, yq.scale, yq.zeroPoint, 'int8');
    const inOff = -xq.zeroPoint;
    const y = new Int8Array(batches * outH * outW * outC);
    const acc = new Int32Array(outC);
    for (let n = 0; n < batches; n++) {
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sH - padH;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sW - padW;
          acc.fill(0);
          for (let fy = 0; fy < kH; fy++) {
            const iy = iy0 + dH * fy;
            if (iy < 0 || iy >= inH) continue;
            for (let fx = 0; fx < kW; fx++) {
              const ix = ix0 + dW * fx;
              if (ix < 0 || ix >= inW) continue;
              const xb = ((n * inH + iy) * inW + ix) * inC;
              const wb = (fy * kW + fx) * outC;
              let oc = 0;
              for (let ic = 0; ic < inC; ic++) {
                const xv = xi[xb + ic]! + inOff;
                for (let m = 0; m < mult; m++, oc++) acc[oc] = acc[oc]! + wi[wb + oc]! * xv;
              }
            }
          }
          const yb = ((n * outH + oy) * outW + ox) * outC;
          for (let oc = 0; oc < outC; oc++) {
            let a = acc[oc]!;
            if (b) a = (a + b[oc]!) | 0;
            let v = requant(a, oc);
            v = v < min ? min : v > max ? max : v;
            y[yb + oc] = v;
          }
        }
      }
    }
    return [y];
  }
  if (xt.dtype === 'float32' && wt.dtype === 'float32' && yt.dtype === 'float32') {
    const xf = x as Float32Array; const wf = w as Float32Array;
    const b = bias ? bias.data as Float32Array : undefined;
    const { min, max } = activationRangeFloat(o.activation);
    const y = new Float32Array(batches * outH * outW * outC);
    const acc = new Float32Array(outC);
    for (let n = 0; n < batches; n++) {
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sH - padH;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sW - padW;
          acc.fill(0);
          for (let fy = 0; fy < kH; fy++) {
            const iy = iy0 + dH * fy;
            if (iy < 0 || iy >= inH) continue;
            for (let fx = 0; fx < kW; fx++) {
              const ix = ix0 + dW * fx;
              if (ix < 0 || ix >= inW) continue;
              const xb = ((n * inH + iy) * inW + ix) * inC;
              const wb = (fy * kW + fx) * outC;
              let oc = 0;
              for (let ic = 0; ic < inC; ic++) {
                const xv = xf[xb + ic]!;
                for (let m = 0; m < mult; m++, oc++) acc[oc] = acc[oc]! + Math.fround(wf[wb + oc]! * xv);
              }
            }
          }
          const yb = ((n * outH + oy) * outW + ox) * outC;
          for (let oc = 0; oc < outC; oc++) {
            let v = b ? Math.fround(acc[oc]! + b[oc]!) : acc[oc]!;
            v = v < min ? min : v > max ? max : v;
            y[yb + oc] = v;
          }
        }
      }
    }
    return [y];
  }
  throw unsupportedDType(args, xt.dtype);
};
