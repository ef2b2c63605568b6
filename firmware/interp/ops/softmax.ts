// SOFTMAX over the innermost axis. int8: TFLite's kernel (float exp lookup table of the 256
// possible max-differences, float32 normaliser, round half away from zero; quant.ts
// softmaxLookupTable/softmaxInt8Row), or with the 'tflm' arithmetic TFLite-Micro's gemmlowp
// fixed-point version (quant.ts softmaxInt8RowGemmlowp). float32: max-subtracted exp.
import { gemmlowpSoftmaxParams, softmaxInt8Row, softmaxInt8RowGemmlowp, softmaxLookupTable } from '../../ir/quant.ts';
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
    const y = new Int8Array(n);
    if (args.arithmetic === 'tflm') {
      if (yq.scale !== Math.fround(1 / 256) || yq.zeroPoint !== -128) {
        throw opError(args, `TFLite-Micro's int8 softmax needs output scale 1/256 and zero point -128, got ${yq.scale}, ${yq.zeroPoint}`);
      }
      const p = gemmlowpSoftmaxParams(xq.scale, beta);
      for (let r = 0; r < rows; r++) softmaxInt8RowGemmlowp(p, x as Int8Array, r * depth, y, r * depth, depth);
      return [y];
    }
    const table = softmaxLookupTable(xq.scale, beta);
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
