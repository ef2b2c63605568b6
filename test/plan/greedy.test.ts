// Greedy must make the same decisions as TFLite-Micro's GreedyMemoryPlanner. Expected
// offsets come from TFLM's own unit tests (greedy_memory_planner_test.cc: TestGreedyBasics,
// TestGreedyMedium, TestOverlapCase) and from its tie rule, worked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greedyOffsets, tflmGreedyOrder } from '../../firmware/plan/planners/greedy.ts';
import { peakOf } from '../../firmware/plan/bounds.ts';
import { verifyPlan } from '../../firmware/plan/verify.ts';
import { reqs } from './synthetic.ts';

test('TFLM TestGreedyBasics: disjoint lifetimes share offset 0', () => {
  const b = reqs([[10, 0, 1], [20, 2, 3]]);
  const offs = greedyOffsets(b);
  assert.deepEqual(offs, [0, 0]);
  assert.equal(peakOf(b, offs), 20);
});

test('TFLM TestGreedyMedium: offsets 50, 70, 40, 0, 0 and 90 bytes', () => {
  const b = reqs([[10, 0, 1], [20, 1, 2], [30, 2, 3], [40, 3, 4], [50, 0, 1]]);
  const offs = greedyOffsets(b);
  assert.deepEqual(offs, [50, 70, 40, 0, 0]);
  assert.equal(peakOf(b, offs), 90);
  verifyPlan(b, offs);
});

test('TFLM TestOverlapCase: 120 bytes', () => {
  const b = reqs([[100, 0, 1], [50, 2, 3], [20, 1, 2]]);
  const offs = greedyOffsets(b);
  assert.equal(peakOf(b, offs), 120);
  verifyPlan(b, offs);
});

test('equal sizes are placed in reverse order of addition, as TFLM does', () => {
  // TFLM fills its sort array from the tail, then sorts stably: buffer 2 goes first (offset 0),
  // buffer 1 overlaps it (10), buffer 0 overlaps both (20). Forward ties would give 0, 10, 20.
  const b = reqs([[10, 0, 1], [10, 1, 2], [10, 0, 2]]);
  assert.deepEqual(tflmGreedyOrder(b), [2, 1, 0]);
  assert.deepEqual(greedyOffsets(b), [20, 10, 0]);
});

test('a buffer goes into the first gap between live buffers that is big enough', () => {
  // Placed by size: 0 (40 B, ops 0..2) at 0, 1 (35 B, op 0) at 40, 2 (30 B, ops 0..2) at 75.
  // From op 1 on, buffer 1 is dead and leaves a 35-byte hole at 40 under buffer 2.
  const b = reqs([[40, 0, 2], [35, 0, 0], [30, 0, 2], [20, 1, 1]]);
  assert.deepEqual(greedyOffsets(b), [0, 40, 75, 40]); // 20 B fits the hole
  // Then 15 B are left at 60: a 15-byte buffer fits exactly, a 16-byte one goes on top.
  const c = reqs([[40, 0, 2], [35, 0, 0], [30, 0, 2], [20, 1, 1], [15, 1, 2]]);
  assert.deepEqual(greedyOffsets(c), [0, 40, 75, 40, 60]);
  const d = reqs([[40, 0, 2], [35, 0, 0], [30, 0, 2], [20, 1, 1], [16, 1, 2]]);
  assert.deepEqual(greedyOffsets(d), [0, 40, 75, 40, 105]);
});

test('zero-size and single buffers', () => {
  assert.deepEqual(greedyOffsets([]), []);
  const b = reqs([[0, 0, 3], [32, 1, 2]]);
  const offs = greedyOffsets(b);
  assert.equal(peakOf(b, offs), 32);
  verifyPlan(b, offs);
});
