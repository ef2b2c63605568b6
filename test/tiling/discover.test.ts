// Discovery options: modes, the MAC overhead budget, the RAM budget (smallest overhead that
// fits, or a clear error) and bad options. Uses the small real models of the set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { tileGraph } from '../../firmware/tiling/index.ts';
import { peakTensors } from '../../firmware/tiling/discover.ts';
import { planTiled } from '../../firmware/tiling/plan-tiled.ts';

const wand = loadModel(modelPath('magic_wand'));
const cifar = loadModel(modelPath('cifar10'));

test('mode none returns the graph untouched with its plan', () => {
  const r = tileGraph(wand, { mode: 'none' });
  assert.equal(r.graph, wand);
  assert.equal(r.peakBytes, r.untiledPeakBytes);
  assert.equal(r.peakBytes, planTiled(wand).peakBytes);
  assert.deepEqual(r.tilings, []);
});

test('the MAC overhead budget bounds the extra MACs, and 0 keeps only MAC-free rewrites', () => {
  for (const g of [wand, cifar]) {
    for (const cap of [0, 0.01, 0.05]) {
      const r = tileGraph(g, { mode: 'auto', maxMacOverhead: cap });
      assert.ok(r.macs - r.untiledMacs <= cap * r.untiledMacs, `${r.macs} vs ${r.untiledMacs} at ${cap}`);
      assert.ok(r.peakBytes <= r.untiledPeakBytes);
    }
  }
  const fdt = tileGraph(cifar, { mode: 'fdt' });
  assert.ok(fdt.tilings.every((t) => t.kind === 'fdt' && t.extraMacs === 0));
  const ffmt = tileGraph(cifar, { mode: 'ffmt' });
  assert.ok(ffmt.tilings.every((t) => t.kind === 'ffmt'));
});

test('a RAM budget is met with the smallest overhead tier that fits', () => {
  const free = tileGraph(cifar, { mode: 'auto', maxMacOverhead: 0 });
  // A budget the MAC-free result already meets must not cost any MACs.
  const r = tileGraph(cifar, { mode: 'auto', ramBudget: free.peakBytes, maxMacOverhead: 1 });
  assert.ok(r.peakBytes <= free.peakBytes);
  assert.ok(r.macs <= r.untiledMacs);
  // A tighter budget that only spatial tiling with halos reaches is met, within the cap.
  const best = tileGraph(cifar, { mode: 'auto', maxMacOverhead: 0.5 });
  if (best.peakBytes < free.peakBytes) {
    const t = tileGraph(cifar, { mode: 'auto', ramBudget: best.peakBytes, maxMacOverhead: 0.5 });
    assert.ok(t.peakBytes <= best.peakBytes);
  }
});

test('an impossible RAM budget is a clear error naming the best reachable peak', () => {
  const best = tileGraph(wand, { mode: 'auto' }).peakBytes;
  assert.throws(() => tileGraph(wand, { mode: 'auto', ramBudget: 100 }),
    (e: Error) => e.message.startsWith(`cannot fit in 100 bytes, best is ${best} bytes`));
});

test('bad options are rejected with a message naming the option', () => {
  assert.throws(() => tileGraph(wand, { mode: 'spatial' as never }), /unknown tiling mode "spatial"/);
  assert.throws(() => tileGraph(wand, { mode: 'auto', maxMacOverhead: -1 }), /max MAC overhead/);
  assert.throws(() => tileGraph(wand, { mode: 'auto', ramBudget: 0 }), /RAM budget/);
  assert.throws(() => tileGraph(wand, { mode: 'auto', planner: 'nope' }), /unknown planner "nope"/);
});

test('the peak tensors of a plan include the buffers live at its peak', () => {
  const plan = planTiled(cifar);
  const hot = peakTensors(plan);
  const sum = plan.buffers.filter((b) => b.tensor !== undefined && hot.has(b.tensor)).reduce((s, b) => s + b.size, 0);
  assert.ok(sum >= plan.lowerBound, `${sum} < lower bound ${plan.lowerBound}`);
});

test('with the optimal planner the search plans greedily and the final plan is re-planned exactly', () => {
  const greedy = tileGraph(wand, { mode: 'auto' });
  const exact = tileGraph(wand, { mode: 'auto', planner: 'optimal' });
  assert.equal(exact.plan.planner, 'optimal');
  assert.ok(exact.peakBytes <= greedy.peakBytes);
  assert.ok(exact.peakBytes >= exact.plan.lowerBound);
});
