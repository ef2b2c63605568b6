// PARTIAL_SUM_REQUANTIZE (internal, see ir/graph.ts): the end of a partial-sum chain. Adds the
// original op's int32 bias once, then requantizes with the original op's input and filter
// scales in the run's arithmetic (TFLite reference fixed point, or XNNPACK float32) and clamps
// to its fused activation: exactly the tail of the untiled CONV_2D / FULLY_CONNECTED kernel.
import { accumulatorRequantizer, activationRangeQuantized } from '../../ir/quant.ts';
import type { Pool2DOptions } from '../../ir/graph.ts';
import type { Kernel } from '../types.ts';
import { elementCount, input, opError, optionalInput, output, quantParams } from './common.ts';

export const partialSumRequantize: Kernel<'PARTIAL_SUM_REQUANTIZE'> = (args) => {
  const o = args.op.options;
  const { data: acc, tensor: at } = input(args, 0);
  const bias = optionalInput(args, 1);
  const yt = output(args);
  if (at.dtype !== 'int32' || yt.dtype !== 'int8') throw opError(args, `needs an int32 accumulator and an int8 output, got ${at.dtype} -> ${yt.dtype}`);
  const count = elementCount(yt.shape);
  if (acc.length !== count) throw opError(args, `accumulator has ${acc.length} values, output [${yt.shape}] ${count}`);
  const channels = yt.shape[yt.shape.length - 1]!;
  if (o.base === 'AVERAGE_POOL_2D') {
    // The untiled int8 AveragePool's tail: divide by the window size rounding half away from
    // zero (C truncating division with a half-count nudge), then the activation clamp.
    const p = o.baseOptions as Pool2DOptions;
    const window = p.filterH * p.filterW;
    if (!(window > 0)) throw opError(args, `pool window ${p.filterH}x${p.filterW} is empty`);
    const yq = quantParams(args, yt);
    const { min, max } = activationRangeQuantized(p.activation, yq.scale, yq.zeroPoint, 'int8');
    const half = Math.trunc(window / 2);
    const a = acc as Int32Array;
    const y = new Int8Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const s = a[i]!;
      const r = s > 0 ? Math.trunc((s + half) / window) : Math.trunc((s - half) / window);
      y[i] = r < min ? min : r > max ? max : r;
    }
    return [y];
  }
  if (bias && (bias.tensor.dtype !== 'int32' || bias.data.length !== channels)) {
    throw opError(args, `bias "${bias.tensor.name}" must be int32 with ${channels} values`);
  }
  if (o.filterScales.length !== 1 && o.filterScales.length !== channels) {
    throw opError(args, `${o.filterScales.length} filter scales for ${channels} output channels`);
  }
  const yq = quantParams(args, yt);
  const requant = accumulatorRequantizer(args.arithmetic, o.inputScale, o.filterScales, yq.scale, yq.zeroPoint, channels);
  const { min, max } = activationRangeQuantized(o.baseOptions.activation, yq.scale, yq.zeroPoint, 'int8');
  const a = acc as Int32Array; const b = bias?.data as Int32Array | undefined;
  const y = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % channels;
    let v = requant(b ? (a[i]! + b[c]!) | 0 : a[i]!, c);
    v = v < min ? min : v > max ? max : v;
    y[i] = v;
  }
  return [y];
};
