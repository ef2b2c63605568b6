// Shared window pooling for AVERAGE_POOL_2D and MAX_POOL_2D (average-pool-2d.ts,
// max-pool-2d.ts): windows clipped to the input (padding never counts). int8 average: int32 sum,
// divided by the clipped window size rounding half away from zero (TFLite's int8 AveragePool),
// then the activation clamp.
import { activationRangeFloat, activationRangeQuantized } from '../../ir/quant.ts';
import type { Pool2DOptions } from '../../ir/graph.ts';
import type { KernelArgs, TensorData } from '../types.ts';
import { checkWindow, input, leadingPadding, opError, output, quantParams, unsupportedDType } from './common.ts';

export function pool(args: KernelArgs<'AVERAGE_POOL_2D' | 'MAX_POOL_2D'>, isMax: boolean): TensorData[] {
  const o = args.op.options as Pool2DOptions;
  const { data: x, tensor: xt } = input(args, 0);
  const yt = output(args);
  if (xt.shape.length !== 4 || yt.shape.length !== 4) throw opError(args, `expects 4-D input and output, got [${xt.shape}] and [${yt.shape}]`);
  const [batches, inH, inW, depth] = xt.shape as [number, number, number, number];
  const [, outH, outW, yC] = yt.shape as [number, number, number, number];
  if (yC !== depth) throw opError(args, `output depth ${yC} != input depth ${depth}`);
  if (xt.dtype !== yt.dtype) throw opError(args, `input dtype ${xt.dtype} != output dtype ${yt.dtype}`);
  checkWindow(args, o, 1, 1, inH, inW, o.filterH, o.filterW, outH, outW);
  const padH = leadingPadding(o.strideH, 1, inH, o.filterH, outH);
  const padW = leadingPadding(o.strideW, 1, inW, o.filterW, outW);
  const isInt8 = xt.dtype === 'int8';
  if (!isInt8 && xt.dtype !== 'float32') throw unsupportedDType(args, xt.dtype);
  let min: number; let max: number;
  if (isInt8) {
    const yq = quantParams(args, yt);
    ({ min, max } = activationRangeQuantized(o.activation, yq.scale, yq.zeroPoint, 'int8'));
  } else {
    ({ min, max } = activationRangeFloat(o.activation));
  }
  const y = isInt8 ? new Int8Array(batches * outH * outW * depth) : new Float32Array(batches * outH * outW * depth);
  const xs = x as Int8Array | Float32Array;
  for (let n = 0; n < batches; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * o.strideH - padH;
      const fyStart = Math.max(0, -iy0);
      const fyEnd = Math.min(o.filterH, inH - iy0);
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * o.strideW - padW;
        const fxStart = Math.max(0, -ix0);
        const fxEnd = Math.min(o.filterW, inW - ix0);
        const count = (fyEnd - fyStart) * (fxEnd - fxStart);
        if (count <= 0) throw opError(args, `pool window at (${oy}, ${ox}) covers no input`);
        const yb = ((n * outH + oy) * outW + ox) * depth;
        for (let c = 0; c < depth; c++) {
          let acc = isMax ? -Infinity : 0;
          for (let fy = fyStart; fy < fyEnd; fy++) {
            for (let fx = fxStart; fx < fxEnd; fx++) {
              const v = xs[((n * inH + iy0 + fy) * inW + ix0 + fx) * depth + c]!;
              if (isMax) { if (v > acc) acc = v; } else acc = isInt8 ? acc + v : Math.fround(acc + v);
            }
          }
          let r: number;
          if (isMax) r = acc;
          else if (isInt8) {
            // C integer division truncates; the half-count nudge rounds half away from zero.
            const half = Math.trunc(count / 2);
            r = acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
          } else r = Math.fround(acc / count);
          y[yb + c] = r < min ? min : r > max ? max : r;
        }
      }
    }
  }
  return [y];
}
