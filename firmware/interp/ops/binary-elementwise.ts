// What ADD and MUL share: numpy broadcasting of two same-dtype inputs, the output shape check,
// and per dtype one loop applying the op's element function and the fused activation clamp
// (int32 clamped within its range, wrapping like C in the element function). The op files
// state only their element functions.
import { activationRangeFloat, activationRangeQuantized } from '../../ir/quant.ts';
import type { Kernel, KernelArgs } from '../types.ts';
import { broadcastIndices, broadcastShape, elementCount, input, opError, output, quantParams, unsupportedDType } from './common.ts';

type Quant = { scale: number; zeroPoint: number };

export interface BinaryElements {
  /** How the op is written between its operands in error messages ('+', '*'). */
  symbol: string;
  /** The int8 element function for these quantization parameters: the output's quantized value
   * before the clamp. */
  int8(args: KernelArgs, a: Quant, b: Quant, y: Quant): (x: number, z: number) => number;
  float32(x: number, z: number): number;
  int32(x: number, z: number): number;
}

export function binaryElementwise<K extends 'ADD' | 'MUL'>(e: BinaryElements): Kernel<K> {
  return (args) => {
    const { data: a, tensor: at } = input(args, 0);
    const { data: b, tensor: bt } = input(args, 1);
    const yt = output(args);
    if (at.dtype !== bt.dtype || at.dtype !== yt.dtype) throw opError(args, `mixed dtypes ${at.dtype} ${e.symbol} ${bt.dtype} -> ${yt.dtype}`);
    const outShape = broadcastShape(args, at.shape, bt.shape);
    const n = elementCount(outShape);
    if (elementCount(yt.shape) !== n) throw opError(args, `output [${yt.shape}] does not match the broadcast shape [${outShape}]`);
    const same = elementCount(at.shape) === n && elementCount(bt.shape) === n;
    const idx = same ? undefined : broadcastIndices(at.shape, bt.shape, outShape);
    const act = args.op.options.activation;
    // int8, float32 and int32 data (the dtypes below) read as numbers.
    const an = a as ArrayLike<number>; const bn = b as ArrayLike<number>;
    const apply = (y: Int8Array | Float32Array | Int32Array, min: number, max: number, element: (x: number, z: number) => number) => {
      for (let i = 0; i < n; i++) {
        const v = element(an[idx ? idx.a[i]! : i]!, bn[idx ? idx.b[i]! : i]!);
        y[i] = v < min ? min : v > max ? max : v;
      }
      return [y];
    };

    if (at.dtype === 'int8') {
      const aq = quantParams(args, at); const bq = quantParams(args, bt); const yq = quantParams(args, yt);
      const element = e.int8(args, aq, bq, yq);
      const { min, max } = activationRangeQuantized(act, yq.scale, yq.zeroPoint, 'int8');
      return apply(new Int8Array(n), min, max, element);
    }
    if (at.dtype === 'float32') {
      const { min, max } = activationRangeFloat(act);
      return apply(new Float32Array(n), min, max, e.float32);
    }
    if (at.dtype === 'int32') {
      const r = activationRangeFloat(act);
      return apply(new Int32Array(n), Math.max(r.min, -2147483648), Math.min(r.max, 2147483647), e.int32);
    }
    throw unsupportedDType(args, at.dtype);
  };
}
