// MUL with numpy broadcasting. int8: (a - za) * (b - zb) rescaled by s_a * s_b / s_out, with
// TFLite's fixed-point multiplier ('reference') or XNNPACK's float32 scale ('xnnpack'). float32 / int32: plain products with the activation clamp.
import { fp32RequantScale, mulMultiplier, multiplyByQuantizedMultiplier as mbqm, roundHalfEven } from '../../ir/quant.ts';
import { binaryElementwise } from './binary-elementwise.ts';

export const mul = binaryElementwise<'MUL'>({
  symbol: '*',
  int8(args, aq, bq, yq) {
    const { multiplier, shift } = mulMultiplier(aq.scale, bq.scale, yq.scale);
    if (args.arithmetic === 'xnnpack') {
      // XNNPACK: float32 product scale s_a * s_b / s_out, round half to even.
      const scale = fp32RequantScale(aq.scale, bq.scale, yq.scale);
      return (x, z) => roundHalfEven(Math.fround(Math.fround((x - aq.zeroPoint) * (z - bq.zeroPoint)) * scale)) + yq.zeroPoint;
    }
    return (x, z) => mbqm((x - aq.zeroPoint) * (z - bq.zeroPoint), multiplier, shift) + yq.zeroPoint;
  },
  float32: (x, z) => Math.fround(x * z),
  int32: (x, z) => Math.imul(x, z),
});
