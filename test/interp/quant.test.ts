// quant.ts against independent BigInt transcriptions of gemmlowp / TFLite integer arithmetic
// (exact 64-bit maths, C truncating division), on random and boundary int32 values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  activationRangeQuantized, expOnNegativeValues, fixedPointReciprocal, frexp, gemmlowpSoftmaxParams, meanMultiplier,
  multiplyByQuantizedMultiplier, oneOverOnePlusXForXIn0To1, quantizeMultiplier, roundHalfAway, roundHalfEven,
  roundingDivideByPOT, saturatingRoundingDoublingHighMul, softmaxInt8Row, softmaxInt8RowGemmlowp, softmaxLookupTable,
} from '../../firmware/ir/quant.ts';

const wrap32 = (v: bigint) => BigInt.asIntN(32, v);

/** gemmlowp SaturatingRoundingDoublingHighMul with exact int64 and C division. */
function srdhmBig(a: number, b: number): number {
  if (a === -2147483648 && b === -2147483648) return 2147483647;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates like C
}

function rdbpotBig(x: number, e: number): number {
  const mask = (1n << BigInt(e)) - 1n;
  const xb = BigInt(x);
  const rem = xb & mask;
  const threshold = (mask >> 1n) + (xb < 0n ? 1n : 0n);
  return Number((xb >> BigInt(e)) + (rem > threshold ? 1n : 0n));
}

function mbqmBig(x: number, m: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return rdbpotBig(srdhmBig(Number(wrap32(BigInt(x) * (1n << BigInt(left)))), m), right);
}

const int32 = fc.oneof(
  fc.integer({ min: -2147483648, max: 2147483647 }),
  fc.constantFrom(-2147483648, -2147483647, -1, 0, 1, 2147483647, 1 << 30, -(1 << 30)),
  fc.integer({ min: -70000, max: 70000 }),
);
const FC = { seed: 20261124, numRuns: 3000 };

test('saturatingRoundingDoublingHighMul equals the exact int64 formula', () => {
  fc.assert(fc.property(int32, int32, (a, b) => saturatingRoundingDoublingHighMul(a, b) === srdhmBig(a, b)), FC);
});

test('roundingDivideByPOT equals the exact formula for exponents 0..31', () => {
  fc.assert(fc.property(int32, fc.integer({ min: 0, max: 31 }), (x, e) => roundingDivideByPOT(x, e) === rdbpotBig(x, e)), FC);
});

test('multiplyByQuantizedMultiplier equals the exact formula', () => {
  const mult = fc.integer({ min: 1 << 30, max: 2147483647 });
  fc.assert(fc.property(int32, mult, fc.integer({ min: -31, max: 8 }), (x, m, s) =>
    multiplyByQuantizedMultiplier(x, m, s) === mbqmBig(x, m, s)), FC);
});

test('frexp splits a double exactly into mantissa in [0.5, 1) and exponent', () => {
  fc.assert(fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (x) => {
    const { mantissa, exponent } = frexp(x);
    return mantissa >= 0.5 && mantissa < 1 && mantissa * 2 ** exponent === x;
  }), FC);
});

test('quantizeMultiplier: Q31 significand rounded half away from zero, exponent from frexp', () => {
  fc.assert(fc.property(fc.double({ min: 1e-9, max: 1e4, noNaN: true }), (real) => {
    const { multiplier, shift } = quantizeMultiplier(real);
    // Exact check in rationals: multiplier = round_half_away(real * 2^(31 - shift)), or the
    // renormalised 2^30 when that rounding reaches 2^31.
    const scaled = real * 2 ** (31 - shift); // exact: power-of-two scaling of a double
    const expected = Math.floor(scaled + 0.5);
    const ok = multiplier === expected || (multiplier === 2 ** 30 && Math.floor(real * 2 ** (32 - shift) + 0.5) === 2 ** 31);
    return ok && multiplier >= 2 ** 30 && multiplier < 2 ** 31;
  }), FC);
  assert.deepEqual(quantizeMultiplier(0), { multiplier: 0, shift: 0 });
  assert.deepEqual(quantizeMultiplier(0.5), { multiplier: 2 ** 30, shift: 0 });
  // Just below 1: the significand rounds up to 2^31 and is renormalised.
  assert.deepEqual(quantizeMultiplier(1 - 2 ** -40), { multiplier: 2 ** 30, shift: 1 });
});

test('rounding helpers: half away from zero and half to even', () => {
  assert.deepEqual([2.5, -2.5, 0.5, -0.5, 1.4, -1.6].map(roundHalfAway), [3, -3, 1, -1, 1, -2]);
  assert.deepEqual([2.5, 3.5, -2.5, -3.5, 0.5, 1.4, -1.6].map(roundHalfEven), [2, 4, -2, -4, 0, 1, -2]);
});

test('meanMultiplier folds 1/count into the multiplier with int64 truncation', () => {
  fc.assert(fc.property(fc.integer({ min: 1 << 30, max: 2147483647 }), fc.integer({ min: -10, max: 5 }), fc.integer({ min: 1, max: 5000 }), (m, s, count) => {
    const r = meanMultiplier(m, s, count);
    let k = 0; while (2 ** (k + 1) <= count) k++;
    k = Math.min(k, 32, 31 + s);
    return r.shift === s - k && BigInt(r.multiplier) === BigInt.asIntN(32, (BigInt(m) << BigInt(k)) / BigInt(count));
  }), FC);
});

test('activation ranges follow the output quantization', () => {
  assert.deepEqual(activationRangeQuantized('NONE', 0.1, 3, 'int8'), { min: -128, max: 127 });
  assert.deepEqual(activationRangeQuantized('RELU', 0.1, 3, 'int8'), { min: 3, max: 127 });
  assert.deepEqual(activationRangeQuantized('RELU6', 0.1, -128, 'int8'), { min: -128, max: -68 });
  assert.deepEqual(activationRangeQuantized('RELU_N1_TO_1', 0.25, 0, 'int8'), { min: -4, max: 4 });
  assert.throws(() => activationRangeQuantized('TANH', 0.1, 0, 'int8'), /TANH/);
});

// gemmlowp fixed-point pieces behind the 'tflm' softmax. No TFLite-Micro build is available to
// compare with bit-exactly; these check them against real-valued maths within the accuracy of
// gemmlowp's algorithms (4th-order Taylor exp on [-1/4, 0]: 2.5e-7; Newton-Raphson reciprocal).
test('gemmlowp exp_on_negative_values approximates exp on Q5.26 inputs', () => {
  fc.assert(fc.property(fc.integer({ min: -31 * 2 ** 26, max: 0 }), (a) => {
    const e = expOnNegativeValues(a, 5) / 2 ** 31;
    return Math.abs(e - Math.exp(a / 2 ** 26)) <= 3e-7;
  }), FC);
  assert.equal(expOnNegativeValues(0, 5), 2147483647);
});

test('gemmlowp reciprocal approximates 1 / (1 + x) and 1 / x', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 2147483647 }), (x) =>
    Math.abs(oneOverOnePlusXForXIn0To1(x) / 2 ** 31 - 1 / (1 + x / 2 ** 31)) <= 1e-8), FC);
  fc.assert(fc.property(fc.integer({ min: 1, max: 2147483647 }), (x) => {
    const { reciprocal, numBitsOverUnit } = fixedPointReciprocal(x, 12);
    const approx = reciprocal / 2 ** 31 / 2 ** numBitsOverUnit; // 1 / (x as Q12.19)
    return Math.abs(approx * (x / 2 ** 19) - 1) <= 1e-8;
  }), FC);
});

test('the gemmlowp int8 softmax stays within one step of the lookup-table softmax', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: -128, max: 127 }), { minLength: 1, maxLength: 64 }),
    fc.double({ min: 0.001, max: 0.5, noNaN: true }),
    (values, s) => {
      const scale = Math.fround(s);
      const x = Int8Array.from(values);
      const lut = new Int8Array(x.length); const gemm = new Int8Array(x.length);
      softmaxInt8Row(softmaxLookupTable(scale, 1), x, 0, lut, 0, x.length, 1 / 256, -128);
      softmaxInt8RowGemmlowp(gemmlowpSoftmaxParams(scale, 1), x, 0, gemm, 0, x.length);
      return lut.every((v, i) => Math.abs(v - gemm[i]!) <= 1);
    }), { seed: 99, numRuns: 2000 });
});
