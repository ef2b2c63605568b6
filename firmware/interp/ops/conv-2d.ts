// CONV_2D: TFLite reference semantics. int8: per-channel requantization of an int32
// accumulator (input offset, int32 bias, MultiplyByQuantizedMultiplier, output offset, fused
// activation clamp). float32: float accumulation in (filter_y, filter_x, in_channel) order.
import { accumulatorRequantizer, activationRangeFloat, activationRangeQuantized } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { checkBias, checkWindow, filterScales, input, leadingPadding, opError, optionalInput, output, quantParams, unsupportedDType } from './common.ts';

export const conv2d: Kernel<'CONV_2D'> = (args) => {
  const o = args.op.options;
  const { data: x, tensor: xt } = input(args, 0);
  const { data: w, tensor: wt } = input(args, 1);
  const bias = optionalInput(args, 2);
  const yt = output(args);
  if (xt.shape.length !== 4 || wt.shape.length !== 4 || yt.shape.length !== 4) {
    throw opError(args, `expects 4-D input, filter and output, got [${xt.shape}], [${wt.shape}], [${yt.shape}]`);
  }
  const [batches, inH, inW, inC] = xt.shape as [number, number, number, number];
  const [outC, kH, kW, filterInC] = wt.shape as [number, number, number, number];
  const [, outH, outW, yC] = yt.shape as [number, number, number, number];
  if (filterInC !== inC) throw opError(args, `filter input depth ${filterInC} != input depth ${inC} (grouped conv is not supported)`);
  if (yC !== outC) throw opError(args, `output depth ${yC} != filter count ${outC}`);
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
    let yi = 0;
    for (let n = 0; n < batches; n++) {
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sH - padH;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sW - padW;
          for (let oc = 0; oc < outC; oc++) {
            let acc = 0;
            for (let fy = 0; fy < kH; fy++) {
              const iy = iy0 + dH * fy;
              if (iy < 0 || iy >= inH) continue;
              for (let fx = 0; fx < kW; fx++) {
                const ix = ix0 + dW * fx;
                if (ix < 0 || ix >= inW) continue;
                const xb = ((n * inH + iy) * inW + ix) * inC;
                const wb = ((oc * kH + fy) * kW + fx) * inC;
                for (let ic = 0; ic < inC; ic++) acc += wi[wb + ic]! * (xi[xb + ic]! + inOff);
              }
            }
            if (b) acc += b[oc]!;
            let v = requant(acc | 0, oc);
            v = v < min ? min : v > max ? max : v;
            y[yi++] = v;
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
    let yi = 0;
    for (let n = 0; n < batches; n++) {
      for (let oy = 0; oy < outH; oy++) {
        const iy0 = oy * sH - padH;
        for (let ox = 0; ox < outW; ox++) {
          const ix0 = ox * sW - padW;
          for (let oc = 0; oc < outC; oc++) {
            let acc = 0;
            for (let fy = 0; fy < kH; fy++) {
              const iy = iy0 + dH * fy;
              if (iy < 0 || iy >= inH) continue;
              for (let fx = 0; fx < kW; fx++) {
                const ix = ix0 + dW * fx;
                if (ix < 0 || ix >= inW) continue;
                const xb = ((n * inH + iy) * inW + ix) * inC;
                const wb = ((oc * kH + fy) * kW + fx) * inC;
                for (let ic = 0; ic < inC; ic++) acc = Math.fround(acc + Math.fround(wf[wb + ic]! * xf[xb + ic]!));
              }
            }
            let v = b ? Math.fround(acc + b[oc]!) : acc;
            v = v < min ? min : v > max ? max : v;
            y[yi++] = v;
          }
        }
      }
    }
    return [y];
  }
  throw unsupportedDType(args, xt.dtype);
};
