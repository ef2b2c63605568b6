// What CONV_2D and DEPTHWISE_CONV_2D share: 4-D shapes, the window checks and padding, and the
// walk over output pixels with, for each, the filter taps that land inside the input (TFLite's
// reference loops skip the others, which is how they read zero padding). The kernels keep only
// what differs: how a tap's channels are multiplied in, per dtype.
import type { Activation, Tensor } from '../../ir/graph.ts';
import { accumulatorRequantizer, activationRangeQuantized } from '../../ir/quant.ts';
import type { KernelArgs } from '../types.ts';
import { checkWindow, filterScales, leadingPadding, opError, quantParams } from './common.ts';

export interface ConvWindow {
  batches: number; inH: number; inW: number; inC: number;
  kH: number; kW: number;
  outH: number; outW: number; outC: number;
  strideH: number; strideW: number; dilationH: number; dilationW: number;
  padH: number; padW: number;
}

type WindowOptions = { padding: 'SAME' | 'VALID'; strideH: number; strideW: number; dilationH: number; dilationW: number };

/** Input, filter and output must be 4-D (NHWC; the filter's layout is the op's). */
export function check4d(args: KernelArgs, xt: Tensor, wt: Tensor, yt: Tensor): void {
  if (xt.shape.length !== 4 || wt.shape.length !== 4 || yt.shape.length !== 4) {
    throw opError(args, `expects 4-D input, filter and output, got [${xt.shape}], [${wt.shape}], [${yt.shape}]`);
  }
}

/** The window of a conv-like op whose filter is kH x kW and whose output depth is outC. */
export function convWindow(args: KernelArgs, o: WindowOptions, xt: Tensor, yt: Tensor, kH: number, kW: number, outC: number): ConvWindow {
  const [batches, inH, inW, inC] = xt.shape as [number, number, number, number];
  const [, outH, outW] = yt.shape as [number, number, number, number];
  checkWindow(args, o, o.dilationH, o.dilationW, inH, inW, kH, kW, outH, outW);
  return {
    batches, inH, inW, inC, kH, kW, outH, outW, outC,
    strideH: o.strideH, strideW: o.strideW, dilationH: o.dilationH, dilationW: o.dilationW,
    padH: leadingPadding(o.strideH, o.dilationH, inH, kH, outH),
    padW: leadingPadding(o.strideW, o.dilationW, inW, kW, outW),
  };
}

/**
 * The filter taps inside the input of every output pixel p = oy * outW + ox (the same for every
 * batch), in (fy, fx) order: taps start[p] .. start[p + 1] - 1, each with its input pixel
 * `pix[t]` = iy * inW + ix (add n * inH * inW for batch n; times inC for its first channel) and
 * its filter tap `tap[t]` = fy * kW + fx. Computed once per op, so the kernels' loops stay flat.
 */
export interface WindowTaps { start: Int32Array; pix: Int32Array; tap: Int32Array }

export function windowTaps(g: ConvWindow): WindowTaps {
  const pixels = g.outH * g.outW;
  const start = new Int32Array(pixels + 1);
  const pix = new Int32Array(pixels * g.kH * g.kW);
  const tap = new Int32Array(pixels * g.kH * g.kW);
  let t = 0;
  for (let oy = 0; oy < g.outH; oy++) {
    const iy0 = oy * g.strideH - g.padH;
    for (let ox = 0; ox < g.outW; ox++) {
      start[oy * g.outW + ox] = t;
      const ix0 = ox * g.strideW - g.padW;
      for (let fy = 0; fy < g.kH; fy++) {
        const iy = iy0 + g.dilationH * fy;
        if (iy < 0 || iy >= g.inH) continue;
        for (let fx = 0; fx < g.kW; fx++) {
          const ix = ix0 + g.dilationW * fx;
          if (ix < 0 || ix >= g.inW) continue;
          pix[t] = iy * g.inW + ix;
          tap[t++] = fy * g.kW + fx;
        }
      }
    }
  }
  start[pixels] = t;
  return { start, pix: pix.subarray(0, t), tap: tap.subarray(0, t) };
}

/** The int8 side of a conv-like op: the per-channel requantizer of its int32 accumulators, the
 * fused activation's output range, and the offset added to every input value. */
export function int8ConvParams(args: KernelArgs, activation: Activation, xt: Tensor, wt: Tensor, yt: Tensor, outC: number) {
  const xq = quantParams(args, xt); const yq = quantParams(args, yt);
  const requant = accumulatorRequantizer(args.arithmetic, xq.scale, filterScales(args, wt, outC), yq.scale, yq.zeroPoint, outC);
  const { min, max } = activationRangeQuantized(activation, yq.scale, yq.zeroPoint, 'int8');
  return { requant, min, max, inOff: -xq.zeroPoint };
}
