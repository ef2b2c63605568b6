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
  // 4 * (bias + sum of |w| * 128) past int32
  assert.equal(rq32Rows(layer({ biasFolded: [1000, 2 ** 29] }), 2, taps), undefined);
  assert.equal(rq32Rows(layer({ biasFolded: [-(2 ** 29), 0] }), 2, taps), undefined);
  // left shifts (scale >= 0.5) and right shifts past 30
  const big = quantizeMultiplier(0.75);
  assert.equal(rq32Rows(layer({ multipliers: [big.multiplier, big.multiplier], shifts: [big.shift, big.shift] }), 2, taps), undefined);
  assert.equal(rq32Rows(layer({ shifts: [-31, -31] }), 2, taps), undefined);
  // a multiplier below 2^30 (not what quantizeMultiplier makes): the sign of mulh is not x's
  assert.equal(rq32Rows(layer({ multipliers: [2 ** 29, 2 ** 29] }), 2, taps), undefined);
  // add = 1 + 2^r + zp * 2^(r+1) past int32 with a large shift and zero point
  assert.equal(rq32Rows(layer({ shifts: [-30, -30], zeroPoint: 127 }), 2, taps), undefined);
  // the bound is per channel: one bad channel refuses the layer
  assert.ok(rq32Rows(layer({ biasFolded: [1000, 2 ** 20] }), 2, taps));
});
