// SOFTMAX over the innermost axis. int8: TFLite's CPU kernel path (float exp lookup table of
// the 256 possible max-differences, float32 normaliser, round half away from zero), see
// quant.ts softmaxLookupTable/softmaxInt8Row. float32: max-subtracted exp, float32 sum.
import { softmaxInt8Row, softmaxLookupTable } from '../../ir/quant.ts';
import type { Kernel } from '../types.ts';
import { elementCount, input, opError, output, quantParams, unsupportedDType } from './common.ts';

export const softmax: Kernel<'SOFTMAX'> = (args) => {
  const { data: x, tensor: xt } = input(args, 0);
  const yt = output(args);
  const n = elementCount(xt.shape);
  if (elementCount(yt.shape) !== n) throw opError(args, `output [${yt.shape}] does not match input [${xt.shape}]`);
  const depth = xt.shape[xt.shape.length - 1] ?? 1;
  const rows = depth === 0 ? 0 : n / depth;
  const beta = args.op.options.beta;
  if (xt.dtype === 'int8' && yt.dtype === 'int8') {
    const xq = quantParams(args, xt); const yq = quantParams(args, yt);
    const table = softmaxLookupTable(xq.scale, beta);
    const y = new Int8Array(n);
    for (let r = 0; r < rows; r++) softmaxInt8Row(table, x as Int8Array, r * depth, y, r * depth, depth, yq.scale, yq.zeroPoint);
    return [y];
  }
  if (xt.dtype === 'float32' && yt.dtype === 'float32') {
    const xf = x as Float32Array;
    const y = new Float32Array(n);
    const b = Math.fround(beta);
    for (let r = 0; r < rows; r++) {
      const base = r * depth;
      let max = -Infinity;
      for (let j = 0; j < depth; j++) if (xf[base + j]! > max) max = xf[base + j]!;
      let sum = 0;
      for (let j = 0; j < depth; j++) {
        const e = Math.fround(Math.exp(Math.fround(Math.fround(xf[base + j]! - max) * b)));
        y[base + j] = e;
        sum = Math.fround(sum + e);
      }
      for (let j = 0; j < depth; j++) y[base + j] = Math.fround(y[base + j]! / sum);
    }
    return [y];
  }
  throw unsupportedDType(args, xt.dtype === yt.dtype ? xt.dtype : yt.dtype);
};
