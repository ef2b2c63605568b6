// CAST between element types, with C's static_cast semantics: float -> integer truncates
// towards zero and wraps to the target width; integer -> float rounds to float32; bool is 0/1.
import type { DType } from '../../ir/graph.ts';
import type { Kernel, TensorData } from '../types.ts';
import { allocate } from '../tensor-data.ts';
import { input, opError, output } from './common.ts';

function convert(v: number, to: DType): number {
  if (to === 'bool') return v !== 0 ? 1 : 0;
  if (to === 'float32') return Math.fround(v);
  const t = Math.trunc(v);
  if (!Number.isFinite(t)) return 0;
  switch (to) {
    case 'int8': return (t << 24) >> 24;
    case 'uint8': return t & 0xff;
    case 'int16': return (t << 16) >> 16;
    case 'int32': return Number(BigInt.asIntN(32, BigInt(t)));
    default: return t;
  }
}

export const cast: Kernel<'CAST'> = (args) => {
  const { data: x, tensor: xt } = input(args, 0);
  const yt = output(args);
  if (x.length !== yt.shape.reduce((a, b) => a * b, 1)) throw opError(args, `output [${yt.shape}] does not match input [${xt.shape}]`);
  const y: TensorData = allocate(yt.dtype, x.length);
  if (y instanceof BigInt64Array) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      y[i] = typeof v === 'bigint' ? v : BigInt.asIntN(64, BigInt(Number.isFinite(v) ? Math.trunc(v) : 0));
    }
    return [y];
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const num = typeof v === 'bigint' ? (yt.dtype === 'float32' ? Number(v) : Number(BigInt.asIntN(32, v))) : v;
    (y as Int32Array)[i] = convert(xt.dtype === 'bool' ? (num ? 1 : 0) : num, yt.dtype);
  }
  return [y];
};
