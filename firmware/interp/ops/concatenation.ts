// CONCATENATION along one axis. Any dtype; quantized inputs must share the output's scale and
// zero point (TFLite's int8 kernel copies bytes and requires this).
import type { Kernel } from '../types.ts';
import { allocate } from '../tensor-data.ts';
import { elementCount, expectShape, normAxis, opError, output } from './common.ts';

export const concatenation: Kernel<'CONCATENATION'> = (args) => {
  const yt = output(args);
  const rank = yt.shape.length;
  const axis = normAxis(args, args.op.options.axis, rank);
  if (args.op.options.activation !== 'NONE') throw opError(args, `fused activation ${args.op.options.activation} is not supported`);
  const parts = args.inputs.map((d, i) => {
    const t = args.inputTensors[i];
    if (!d || !t) throw opError(args, `missing input ${i}`);
    if (t.dtype !== yt.dtype) throw opError(args, `input ${i} dtype ${t.dtype} != output dtype ${yt.dtype}`);
    if (t.shape.length !== rank) throw opError(args, `input ${i} rank ${t.shape.length} != output rank ${rank}`);
    if (yt.quant && t.quant && (t.quant.scale[0] !== yt.quant.scale[0] || t.quant.zeroPoint[0] !== yt.quant.zeroPoint[0])) {
      throw opError(args, `input ${i} quantization (${t.quant.scale[0]}, ${t.quant.zeroPoint[0]}) differs from the output's (${yt.quant.scale[0]}, ${yt.quant.zeroPoint[0]})`);
    }
    return { d, t };
  });
  const outShape = [...parts[0]!.t.shape];
  outShape[axis] = parts.reduce((s, p) => s + p.t.shape[axis]!, 0);
  for (const p of parts) {
    for (let d = 0; d < rank; d++) {
      if (d !== axis && p.t.shape[d] !== outShape[d]) throw opError(args, `input shapes [${parts.map((q) => `[${q.t.shape}]`).join(', ')}] differ outside axis ${axis}`);
    }
  }
  expectShape(args, yt, outShape);
  const outer = elementCount(outShape.slice(0, axis));
  const innerOf = (shape: number[]) => elementCount(shape.slice(axis));
  const y = allocate(yt.dtype, elementCount(outShape)) as Int8Array;
  let off = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const inner = innerOf(p.t.shape);
      y.set((p.d as Int8Array).subarray(o * inner, (o + 1) * inner), off);
      off += inner;
    }
  }
  return [y];
};
