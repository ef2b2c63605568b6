// The generator's side of tr_requant_rv32.h (lower-scalar-depthwise.ts rq32Rows): the table it
// emits, and the layers it must refuse because the one-mulh form could leave int32 (4x the
// accumulator, or mulh + add) or because the multiplier/shift is outside the form's proof.
// The C side's exactness is checked in fixedpoint.test.ts; the kernels' outputs in
// aot-rv32-kernels.test.ts.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { rq32Rows, type Rq32Source } from '../../firmware/codegen/aot/lower-scalar-depthwise.ts';
import { quantizeMultiplier } from '../../firmware/ir/quant.ts';

const taps = (c: number) => [127, -128, 5, 0, 64, -3, 1, 2, 100].map((w) => w - c);
function layer(over: Partial<Rq32Source> = {}, channels = 2): Rq32Source {
  const q = quantizeMultiplier(0.0037);
  return {
    multipliers: new Array(channels).fill(q.multiplier), shifts: new Array(channels).fill(q.shift),
    zeroPoint: -5, clampMin: -128, clampMax: 127, biasFolded: new Array(channels).fill(1000), ...over,
  };
}

it('rq32Rows: { M, 1 + 2^r + zp * 2^(r+1), r + 1 } per channel, the sign term unless the clamp starts at the zero point', () => {
  const q = quantizeMultiplier(0.0037);
  const r = -q.shift;
  const out = rq32Rows(layer(), 2, taps);
  assert.ok(out);
  assert.equal(out.sign, true);
  assert.deepEqual(out.rows[0], `{ ${q.multiplier}, ${1 + 2 ** r - 5 * 2 ** (r + 1)}, ${r + 1} }`);
  // ReLU: lower bound at the zero point (or above, ReLU6-type): no sign term
  assert.equal(rq32Rows(layer({ clampMin: -5 }), 2, taps)?.sign, false);
  assert.equal(rq32Rows(layer({ clampMin: 0 }), 2, taps)?.sign, false);
  assert.equal(rq32Rows(layer({ clampMin: -6 }), 2, taps)?.sign, true);
});

it('rq32Rows refuses what the single-mulh form cannot hold exactly', () => {
  // 4 * (bias + sum of |w| * 128) past int32 where the outputs differ across the range: a scale
  // of 2^-22 puts the accumulators around 2^29 + 2^21 on both sides of a rounding tie (123 and
  // 124 with zero point -5)
  const tiny = quantizeMultiplier(2 ** -22);
  const tinyLayer = (biasFolded: number[], zeroPoint = -5) => layer({ multipliers: [tiny.multiplier, tiny.multiplier], shifts: [tiny.shift, tiny.shift], biasFolded, zeroPoint });
  assert.equal(rq32Rows(tinyLayer([1000, 2 ** 29 + 2 ** 21]), 2, taps), undefined);
  // below: -128 and -129 before the zero point 100
  assert.equal(rq32Rows(tinyLayer([-(2 ** 29) - 2 ** 21, 1000], 100), 2, taps), undefined);
  // ... while a channel whose whole range gives one output (saturated here) is a constant row
  // { 0, v, 0 }, whatever its accumulators
  assert.deepEqual(rq32Rows(layer({ biasFolded: [1000, 2 ** 29] }), 2, taps)?.rows[1], '{ 0, 127, 0 }');
  assert.deepEqual(rq32Rows(layer({ biasFolded: [-(2 ** 29), 0] }), 2, taps)?.rows[0], '{ 0, -128, 0 }');
  assert.deepEqual(rq32Rows(tinyLayer([1000, 1000]), 2, taps)?.rows, ['{ 0, -5, 0 }', '{ 0, -5, 0 }']);
  // left shifts (scale >= 0.5); right shifts past 30 leave every int32 accumulator of these
  // weights at one output, so they are constant rows, not refusals
  const big = quantizeMultiplier(0.75);
  assert.equal(rq32Rows(layer({ multipliers: [big.multiplier, big.multiplier], shifts: [big.shift, big.shift] }), 2, taps), undefined);
  assert.deepEqual(rq32Rows(layer({ shifts: [-31, -31] }), 2, taps)?.rows, ['{ 0, -5, 0 }', '{ 0, -5, 0 }']);
  // a multiplier below 2^30 (not what quantizeMultiplier makes): the sign of mulh is not x's
  assert.equal(rq32Rows(layer({ multipliers: [2 ** 29, 2 ** 29] }), 2, taps), undefined);
  // add = 1 + 2^r + zp * 2^(r+1) past int32 with a large shift and zero point (scale 2^-25,
  // accumulators around -2^24: outputs 126 and 127, so not a constant row)
  assert.equal(rq32Rows(layer({ multipliers: [2 ** 30, 2 ** 30], shifts: [-24, -24], zeroPoint: 127, biasFolded: [-(2 ** 24), -(2 ** 24)] }), 2, taps), undefined);
  // the bound is per channel: one bad channel refuses the layer
  assert.ok(rq32Rows(layer({ biasFolded: [1000, 2 ** 20] }), 2, taps));
});
