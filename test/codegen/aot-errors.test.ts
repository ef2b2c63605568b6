// Bad input to the AoT generator is a clear error naming the op or tensor, never C that
// would compute something wrong.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { ModelError, type Graph } from '../../firmware/ir/graph.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import { RandomGraph, addConv, addMovement, rng } from './support/random-ops.ts';

function oneConv(): Graph {
  const g = new RandomGraph(rng(7));
  addConv(g, 'int8', false);
  return g.graph;
}

describe('AoT generator errors', () => {
  it('an unsupported dtype names the op', () => {
    const graph = oneConv();
    const x = graph.tensors[graph.ops[0]!.inputs[0]!]!;
    const bad: Graph = { ...graph, tensors: graph.tensors.map((t) => (t === x ? { ...t, dtype: 'int16' as const } : t)) };
    assert.throws(() => generateAot(bad, planGraph(bad, {}), { modelName: 'm' }),
      (e: Error) => e instanceof ModelError && /op 0 \(CONV_2D "CONV_2D_0"\).*unsupported dtypes input int16/.test(e.message));
  });

  it('an op kind the backend does not know names the op', () => {
    const graph = oneConv();
    const plan = planGraph(graph, {});
    const bad: Graph = { ...graph, ops: [{ ...graph.ops[0]!, kind: 'CONV_3D' as never }] };
    assert.throws(() => generateAot(bad, plan, { modelName: 'm' }), /op 0 \(CONV_3D "CONV_2D_0"\): not supported by the AoT backend/);
  });

  it('a plan without an offset for an activation names the tensor', () => {
    const graph = oneConv();
    const plan = planGraph(graph, {});
    const y = graph.ops[0]!.outputs[0]!;
    const holed = { ...plan, buffers: plan.buffers.filter((b) => b.tensor !== y) };
    assert.throws(() => generateAot(graph, holed, { modelName: 'm' }), new RegExp(`tensor ${y} .* has no arena offset`));
  });

  it('a plan placing a buffer outside its arena is rejected', () => {
    const graph = oneConv();
    const plan = planGraph(graph, {});
    const moved = { ...plan, buffers: plan.buffers.map((b, k) => (k === 0 ? { ...b, offset: plan.peakBytes } : b)) };
    assert.throws(() => generateAot(graph, moved, { modelName: 'm' }), /outside the \d+-byte arena/);
  });

  it('non-constant operands the C code needs at generation time are rejected', () => {
    const g = new RandomGraph(rng(3));
    addMovement(g, 'int8', 'PAD');
    const graph = g.graph;
    const padOp = graph.ops[0]!;
    const paddings = padOp.inputs[1]!;
    const bad: Graph = { ...graph, tensors: graph.tensors.map((t, i) => (i === paddings ? { ...t, data: undefined } : t)), inputs: [...graph.inputs, paddings] };
    assert.throws(() => generateAot(bad, planGraph(bad, {}), { modelName: 'm' }), /paddings must be a constant/);
  });

  it('a model name that is not a plain identifier is rejected', () => {
    const graph = oneConv();
    assert.throws(() => generateAot(graph, planGraph(graph, {}), { modelName: 'a"b' }), /model name/);
  });
});
