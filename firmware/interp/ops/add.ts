// ADD with numpy broadcasting. int8: TFLite's quantized add (both inputs shifted left by 20,
// rescaled to twice the larger input scale, summed, rescaled to the output). float32 and
// int32: plain sums (int32 wraps like C) with the fused activation clamp.
import { addParams, addQuantizedElement, xnnAddElement, xnnAddParams } from '../../ir/quant.ts';
import { binaryElementwise } from './binary-elementwise.ts';

export const add = binaryElementwise<'ADD'>({
  symbol: '+',
  int8(args, aq, bq, yq) {
    if (args.arithmetic === 'xnnpack') {
      const p = xnnAddParams(aq.scale, aq.zeroPoint, bq.scale, bq.zeroPoint, yq.scale, yq.zeroPoint);
      return (x, z) => xnnAddElement(p, x, z);
    }
    const p = addParams(aq.scale, aq.zeroPoint, bq.scale, bq.zeroPoint, yq.scale, yq.zeroPoint, 'int8');
    return (x, z) => addQuantizedElement(p, x, z);
  },
  float32: (x, z) => Math.fround(x + z),
  int32: (x, z) => (x + z) | 0,
});
