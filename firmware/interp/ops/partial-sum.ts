// PARTIAL_SUM (internal, see ir/graph.ts PartialSumOptions): one input-channel slice of an int8
// CONV_2D or FULLY_CONNECTED, accumulated in int32. out = accIn + sum(w * (x - x_zp)) over the
// slice (FC: (w - w_zp) * (x - x_zp)), no bias, no requantization. Integer addition is
// associative, so summing the slices' partial sums in any order gives the untiled accumulator
// exactly (wrapping like int32, as the C kernels do).
import type { Conv2DOptions, Tensor } from '../../ir/graph.ts';
import type { Kernel, KernelArgs, TensorData } from '../types.ts';
import { checkWindow, elementCount, input, leadingPadding, opError, optionalInput, output, quantParams } from './common.ts';

export const partialSum: Kernel<'PARTIAL_SUM'> = (args) => {
  const o = args.op.options;
  const { data: x, tensor: xt } = input(args, 0);
  const accIn = optionalInput(args, 2);
  const yt = output(args);
  if (o.base === 'AVERAGE_POOL_2D') return [poolSum(args, x, xt, accIn)];
  const { data: w, tensor: wt } = input(args, 1);
  if (xt.dtype !== 'int8' || wt.dtype !== 'int8' || yt.dtype !== 'int32') {
    throw opError(args, `needs int8 input and weights and an int32 output, got ${xt.dtype}, ${wt.dtype} -> ${yt.dtype}`);
  }
  const count = elementCount(yt.shape);
  if (accIn && (accIn.tensor.dtype !== 'int32' || accIn.data.length !== count)) {
    throw opError(args, `incoming accumulator "${accIn.tensor.name}" must be int32 with ${count} values, got ${accIn.tensor.dtype} [${accIn.tensor.shape}]`);
  }
  const xi = x as Int8Array; const wi = w as Int8Array;
  const y = accIn ? Int32Array.from(accIn.data as Int32Array) : new Int32Array(count);
  const inOff = -quantParams(args, xt).zeroPoint;

  if (o.base === 'FULLY_CONNECTED') {
    if (wt.shape.length !== 2) throw opError(args, `weights must be 2-D, got [${wt.shape}]`);
    const [outDepth, depth] = wt.shape as [number, number];
    const inCount = elementCount(xt.shape);
    if (inCount % depth !== 0) throw opError(args, `input of ${inCount} values is not a multiple of the weights' depth ${depth}`);
    const batches = inCount / depth;
    if (batches * outDepth !== count) throw opError(args, `output [${yt.shape}] does not hold ${batches} x ${outDepth} values`);
    const wOff = -(wt.quant?.zeroPoint[0] ?? 0);
    for (let n = 0; n < batches; n++) {
      for (let oc = 0; oc < outDepth; oc++) {
        let acc = y[n * outDepth + oc]!;
        const wb = oc * depth; const xb = n * depth;
        for (let d = 0; d < depth; d++) acc = (acc + (wi[wb + d]! + wOff) * (xi[xb + d]! + inOff)) | 0;
        y[n * outDepth + oc] = acc;
      }
    }
    return [y];
  }
  if (o.base !== 'CONV_2D') throw opError(args, `unknown partial-sum base op ${String(o.base)}`);
  const c = o.baseOptions as Conv2DOptions;
  if (xt.shape.length !== 4 || wt.shape.length !== 4 || yt.shape.length !== 4) {
    throw opError(args, `expects 4-D input, filter and output, got [${xt.shape}], [${wt.shape}], [${yt.shape}]`);
  }
  const [batches, inH, inW, inC] = xt.shape as [number, number, number, number];
  const [outC, kH, kW, filterInC] = wt.shape as [number, number, number, number];
  const [, outH, outW, yC] = yt.shape as [number, number, number, number];
  if (filterInC !== inC) throw opError(args, `filter slice depth ${filterInC} != input slice depth ${inC}`);
  if (yC !== outC) throw opError(args, `output depth ${yC} != filter count ${outC}`);
  checkWindow(args, c, c.dilationH, c.dilationW, inH, inW, kH, kW, outH, outW);
  const padH = leadingPadding(c.strideH, c.dilationH, inH, kH, outH);
  const padW = leadingPadding(c.strideW, c.dilationW, inW, kW, outW);
  let yi = 0;
  for (let n = 0; n < batches; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * c.strideH - padH;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * c.strideW - padW;
        for (let oc = 0; oc < outC; oc++) {
          let acc = y[yi]!;
          for (let fy = 0; fy < kH; fy++) {
            const iy = iy0 + c.dilationH * fy;
            if (iy < 0 || iy >= inH) continue;
            for (let fx = 0; fx < kW; fx++) {
              const ix = ix0 + c.dilationW * fx;
              if (ix < 0 || ix >= inW) continue;
              const xb = ((n * inH + iy) * inW + ix) * inC;
              const wb = ((oc * kH + fy) * kW + fx) * inC;
              for (let ic = 0; ic < inC; ic++) acc = (acc + wi[wb + ic]! * (xi[xb + ic]! + inOff)) | 0;
            }
          }
          y[yi++] = acc;
        }
      }
    }
  }
  return [y];
};

/**
 * AVERAGE_POOL_2D over the whole map, one spatial tile: per-channel int32 sums of the tile's
 * int8 values added to the incoming sums (the untiled kernel sums the same values).
 */
function poolSum(args: KernelArgs<'PARTIAL_SUM'>, x: TensorData, xt: Tensor, accIn: { data: TensorData; tensor: Tensor } | undefined): Int32Array {
  const yt = output(args);
  if (xt.dtype !== 'int8' || yt.dtype !== 'int32') throw opError(args, `needs an int8 tile and an int32 output, got ${xt.dtype} -> ${yt.dtype}`);
  if (xt.shape.length !== 4) throw opError(args, `expects a 4-D tile, got [${xt.shape}]`);
  const [batches, h, w, c] = xt.shape as [number, number, number, number];
  if (elementCount(yt.shape) !== batches * c) throw opError(args, `output [${yt.shape}] must hold ${batches} x ${c} sums`);
  if (accIn && (accIn.tensor.dtype !== 'int32' || accIn.data.length !== batches * c)) throw opError(args, `incoming sums "${accIn.tensor.name}" must be int32 with ${batches * c} values`);
  const y = accIn ? Int32Array.from(accIn.data as Int32Array) : new Int32Array(batches * c);
  const xi = x as Int8Array;
  for (let n = 0; n < batches; n++) {
    for (let p = 0; p < h * w; p++) {
      const b = (n * h * w + p) * c;
      for (let ch = 0; ch < c; ch++) y[n * c + ch] = (y[n * c + ch]! + xi[b + ch]!) | 0;
    }
  }
  return y;
}
