// Elementwise activations TFLite runs on int8 through a 256-entry lookup table built as its CPU
// kernel does (quant.ts int8LookupTable); float32 evaluates the function directly. LOGISTIC and
// TANH differ only in the function, so both kernels are made here.
import { int8LookupTable } from '../../ir/quant.ts';
import type { Kernel, KernelArgs } from '../types.ts';
import { input, opError, output, quantParams, unsupportedDType } from './common.ts';

export function lutActivation<K extends 'LOGISTIC' | 'TANH'>(
  /** The function as the int8 table is built from it (float32 semantics of quant.ts). */
  tableFn: (x: number) => number,
  /** The float32 kernel's own evaluation. */
  floatFn: (x: number) => number,
): Kernel<K> {
  return (args: KernelArgs<K>) => {
    const { data: x, tensor: xt } = input(args, 0);
    const yt = output(args);
    if (xt.dtype === 'int8' && yt.dtype === 'int8') {
      if (args.arithmetic === 'tflm') throw opError(args, `int8 ${args.op.kind} is not reproduced for the tflm arithmetic (TFLite-Micro uses a fixed-point kernel); use reference`);
      const xq = quantParams(args, xt); const yq = quantParams(args, yt);
      const table = int8LookupTable(xq.scale, xq.zeroPoint, yq.scale, yq.zeroPoint, tableFn);
      const xi = x as Int8Array;
      const y = new Int8Array(xi.length);
      for (let i = 0; i < xi.length; i++) y[i] = table[xi[i]! & 0xff]!;
      return [y];
    }
    if (xt.dtype === 'float32' && yt.dtype === 'float32') {
      const xf = x as Float32Array;
      const y = new Float32Array(xf.length);
      for (let i = 0; i < xf.length; i++) y[i] = floatFn(xf[i]!);
      return [y];
    }
    throw unsupportedDType(args, xt.dtype);
  };
}
