// verifyPlan is the safety net under every planner: it must reject any layout where two
// buffers live at the same time share a byte, and accept touching or time-disjoint ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlanError, validateRequests, verifyPlan } from '../../firmware/plan/verify.ts';
import { lowerBound } from '../../firmware/plan/bounds.ts';
import fc from 'fast-check';
import { reqs } from './synthetic.ts';

test('rejects two live buffers that overlap in memory, naming both', () => {
  const b = reqs([[32, 0, 2], [32, 2, 3]]);
  assert.throws(() => verifyPlan(b, [0, 16]), (e: Error) => e instanceof PlanError && /buffers 0 .* and 1 /.test(e.message));
  assert.throws(() => verifyPlan(b, [16, 0]), PlanError);
  assert.throws(() => verifyPlan(b, [0, 0]), PlanError);
});

test('accepts touching buffers and shared memory of buffers never live together', () => {
  const b = reqs([[32, 0, 2], [32, 2, 3], [64, 4, 4]]);
  verifyPlan(b, [0, 32, 0]); // 0 and 1 touch at 32; 2 reuses both after they die
  assert.throws(() => verifyPlan(b, [0, 31, 0]), PlanError); // one byte of overlap at op 2
});

test('rejects malformed offsets and requests', () => {
  const b = reqs([[16, 0, 0]]);
  assert.throws(() => verifyPlan(b, []), /1 buffers/);
  assert.throws(() => verifyPlan(b, [-16]), /invalid offset/);
  assert.throws(() => verifyPlan(b, [1.5]), /invalid offset/);
  assert.throws(() => validateRequests(reqs([[16, 2, 1]])), /invalid lifetime/);
  assert.throws(() => validateRequests(reqs([[-1, 0, 0]])), /invalid size/);
  assert.throws(() => validateRequests([{ id: 3, size: 1, firstOp: 0, lastOp: 0, kind: 'scratch' }]), /id 3/);
});

test('lower bound is the most bytes live at one position', () => {
  assert.equal(lowerBound(reqs([[10, 0, 1], [20, 1, 2], [30, 2, 3], [40, 3, 4], [50, 0, 1]])), 80); // op 1: 10 + 20 + 50
  assert.equal(lowerBound([]), 0);
});

test('lower bound equals a position-by-position count (random instances)', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(100), fc.nat(12), fc.nat(12)), { maxLength: 30 }), (list) => {
    const b = reqs(list.map(([s, x, y]) => [s, Math.min(x, y), Math.max(x, y)]));
    let naive = 0;
    for (let t = 0; t <= 12; t++) {
      naive = Math.max(naive, b.filter((r) => r.firstOp <= t && t <= r.lastOp).reduce((a, r) => a + r.size, 0));
    }
    assert.equal(lowerBound(b), naive);
  }), { seed: 1, numRuns: 300 });
});
