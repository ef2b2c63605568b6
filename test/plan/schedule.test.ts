// The order optimizer: on a branch graph it must find the order that finishes one branch
// first; on random small DAGs its peak must equal the best over ALL topological orders
// (enumerated here), and the peak it reports must be the planner's lower bound for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { modelOrder, optimizeOrder, peakLiveBytes } from '../../firmware/plan/schedule.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import type { Graph, Op, Tensor } from '../../firmware/ir/graph.ts';
import { act, graph, interleavedBranches, op } from './synthetic.ts';

test('branch graph: running one branch to the end halves the peak', () => {
  const g = interleavedBranches();
  // Model order keeps both 1024-byte intermediates live at op 1: 16 + 1024 + 1024.
  assert.equal(peakLiveBytes(g, modelOrder(g)), 2064);
  const s = optimizeOrder(g);
  assert.deepEqual(s.order, [0, 2, 1, 3, 4]);
  assert.equal(s.peakLive, 1056); // input + one intermediate + one 16-byte result
  assert.equal(s.exact, true);
  const planned = planGraph(g, { planner: 'optimal', order: 'optimized' });
  assert.equal(planned.peakBytes, 1056);
  assert.equal(planned.orderOptimal, true);
  assert.ok(planned.peakBytes < planGraph(g, { planner: 'optimal', order: 'model' }).peakBytes);
});

test('a chain keeps its model order', () => {
  const g = graph([act('a', 32), act('b', 64), act('c', 16)], [op('CONV_2D', [0], [1]), op('CONV_2D', [1], [2])], [0], [2]);
  assert.deepEqual(optimizeOrder(g).order, [0, 1]);
});

test('over budget it falls back to a heuristic that is no worse than the model order', () => {
  const g = interleavedBranches();
  const s = optimizeOrder(g, { stateBudget: 1 });
  assert.equal(s.exact, false);
  assert.ok(s.peakLive <= peakLiveBytes(g, modelOrder(g)));
  assert.equal(s.peakLive, 1056); // the list scheduler finds it here too
});

/** All topological orders of a small graph. */
function allOrders(g: Graph): number[][] {
  const producer = new Map<number, number>();
  g.ops.forEach((o, i) => o.outputs.forEach((t) => producer.set(t, i)));
  const out: number[][] = [];
  const done = new Set<number>();
  const cur: number[] = [];
  const go = () => {
    if (cur.length === g.ops.length) { out.push([...cur]); return; }
    g.ops.forEach((o, i) => {
      if (done.has(i) || !o.inputs.every((t) => !producer.has(t) || done.has(producer.get(t)!))) return;
      done.add(i); cur.push(i); go(); cur.pop(); done.delete(i);
    });
  };
  go();
  return out;
}

const randomDag = fc.array(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 7 })
  .map((spec) => {
    const tensors: Tensor[] = [act('in', 16)];
    const ops: Op[] = [];
    const used = new Set<number>();
    spec.forEach(([size, a, b, two], i) => {
      const avail = tensors.length;
      const ins = [a % avail];
      if (two && avail > 1) { const x = b % avail; if (x !== ins[0]) ins.push(x); }
      ins.forEach((t) => used.add(t));
      tensors.push(act(`t${i + 1}`, size * 16));
      ops.push(op(ins.length === 2 ? 'ADD' : 'CONV_2D', ins, [tensors.length - 1]));
    });
    const outputs = tensors.map((_, t) => t).filter((t) => t > 0 && !used.has(t));
    return graph(tensors, ops, [0], outputs);
  });

test('exact optimizer matches exhaustive search over topological orders (random DAGs)', () => {
  fc.assert(fc.property(randomDag, (g) => {
    const best = Math.min(...allOrders(g).map((o) => peakLiveBytes(g, o)));
    const s = optimizeOrder(g);
    assert.equal(s.exact, true);
    assert.equal(s.peakLive, best);
    assert.equal(peakLiveBytes(g, s.order), s.peakLive);
  }), { seed: 42, numRuns: 200 });
});
