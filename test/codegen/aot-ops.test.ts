// Per-op random tests: seeded random one-op cases (random shapes, strides, padding, dilation,
// activations, broadcasting, quantization) for every op kind and dtype the AoT backend
// supports, gathered into one graph per seed. The generated C (reference kernels, and the
// optimized kernels both with the DSP emulation and on their scalar path for cores without a
// DSP extension) must give the reference interpreter's value for every output: int8 exactly,
// float32 within 1e-5 relative.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { runGraphAll } from '../../firmware/interp/interpreter.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import { SUPPORTED_OPS } from '../../firmware/ir/graph.ts';
import { buildHostModel, bytesOf, concatBytes, HOST_KERNEL_VARIANTS, runHostModel } from './support/host-build.ts';
import { graphOutputMismatches } from './support/compare.ts';
import {
  CONVERSION_KINDS, MOVEMENT_KINDS, RandomGraph, addBinary, addConv, addConversion, addFullyConnected, addMovement, addPool, addSoftmax, randomInput, rng,
} from './support/random-ops.ts';

function buildCases(seed: number): RandomGraph {
  const g = new RandomGraph(rng(seed));
  for (const dt of ['int8', 'float32'] as const) {
    for (let k = 0; k < 4; k++) { addConv(g, dt, false); addConv(g, dt, true); }
    addConv(g, dt, true, true); addConv(g, dt, false, true);
    for (let k = 0; k < 3; k++) addFullyConnected(g, dt);
    for (let k = 0; k < 2; k++) { addPool(g, dt, 'AVERAGE_POOL_2D'); addPool(g, dt, 'MAX_POOL_2D'); }
    for (let k = 0; k < 3; k++) { addBinary(g, dt, 'ADD'); addBinary(g, dt, 'MUL'); }
    for (let k = 0; k < 2; k++) addSoftmax(g, dt);
    for (const kind of MOVEMENT_KINDS) { addMovement(g, dt, kind); addMovement(g, dt, kind); }
  }
  for (const kind of CONVERSION_KINDS) { addConversion(g, kind); addConversion(g, kind); }
  return g;
}

const VARIANTS = HOST_KERNEL_VARIANTS;

for (const seed of [1, 2]) {
  describe(`AoT per-op random cases, seed ${seed}`, () => {
    const g = buildCases(seed);
    const graph = g.graph;
    const inputs = graph.inputs.map((id) => randomInput(g, graph.tensors[id]!));
    const want = runGraphAll(graph, inputs, { arithmetic: 'reference' });
    const plan = planGraph(graph, {});

    for (const v of VARIANTS) {
      it(`${v.name}: every op output equals the interpreter's`, async () => {
        const out = generateAot(graph, plan, { modelName: `ops_seed${seed}`, kernels: v.kernels });
        const exe = await buildHostModel(out.files, v.flags);
        const raw = await runHostModel(exe, concatBytes(inputs.map(bytesOf)), 1);
        const { failures, consumed } = graphOutputMismatches(graph, raw, want);
        assert.equal(consumed, raw.byteLength, 'output byte count');
        assert.deepEqual(failures, []);
        // every op kind the backend supports is exercised
        assert.deepEqual([...new Set(g.cases.map((c) => c.kind))].sort(), [...SUPPORTED_OPS].sort());
      });
    }
  });
}
