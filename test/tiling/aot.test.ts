// Tiled models through the AoT C backend: the tiled graph with its plan is generated, compiled
// for the host with gcc and run on every golden sample; outputs must equal the interpreter's on
// the *untiled* model (integer reference arithmetic, as TFLite-Micro computes): int8 exactly,
// float32 within 1e-5 relative. This is the end-to-end check that a tiled arena layout —
// including tiles placed in place inside their concatenation's output — is safe to execute.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../../firmware/model-set/index.ts';
import { applyFfmt, tileGraph } from '../../firmware/tiling/index.ts';
import { codegenPlan, planTiled, verifyTiledPlan, type TiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from '../codegen/support/host-build.ts';
import { sampleOutputMismatches } from '../codegen/support/compare.ts';

async function checkAot(name: string, graph: Graph, tiled: Graph, plan: TiledPlan): Promise<void> {
  verifyTiledPlan(tiled, plan);
  const samples = goldenSamples(name);
  const want = samples.map((s) => runGraph(graph, [s.input], { arithmetic: 'reference' }));
  const out = generateAot(tiled, codegenPlan(tiled, plan), { modelName: `${name}_tiled`, kernels: 'reference' });
  assert.equal(out.arenaBytes, Math.max(16, Math.ceil(plan.peakBytes / 16) * 16));
  const exe = await buildHostModel(out.files, []);
  const raw = await runHostModel(exe, concatBytes(samples.map((s) => bytesOf(s.input))), samples.length);
  const outT = tiled.outputs.map((id) => tiled.tensors[id]!);
  const { failures, perSample } = sampleOutputMismatches(outT, raw, want, samples.map((s) => s.index));
  assert.equal(raw.byteLength, perSample * samples.length);
  assert.deepEqual(failures, []);
}

// Whatever discovery picks (FFMT 1-D and grids, residual ADD tiles, FDT).
for (const name of ['vww', 'resnet', 'cifar10', 'magic_wand']) {
  describe(`AoT tiled ${name}`, () => {
    it('auto tiling: outputs equal the untiled model\'s on every golden sample', async () => {
      const graph = loadModel(modelPath(name));
      const r = tileGraph(graph, { mode: 'auto' });
      assert.ok(r.tilings.length > 0, 'the model was expected to be tiled');
      await checkAot(name, graph, r.graph, r.plan);
    });
  });
}

// Fixed rewrites planned with in-place concatenation, so that layout is always exercised.
const IN_PLACE = [
  { name: 'magic_wand', ops: [0, 1], tilesH: 8, tilesW: 1 },
  { name: 'cifar10', ops: [0, 1, 2, 3], tilesH: 3, tilesW: 3 },
  { name: 'resnet', ops: [1, 2, 3], tilesH: 4, tilesW: 1 },
];
for (const c of IN_PLACE) {
  it(`AoT ${c.name}: ${c.tilesH}x${c.tilesW} tiles placed in place inside their concat output`, async () => {
    const graph = loadModel(modelPath(c.name));
    const tiled = applyFfmt(graph, c)!;
    const plan = planTiled(tiled, { inPlaceConcat: true });
    assert.ok(plan.inPlace.size >= c.tilesH, 'tiles placed in place');
    await checkAot(c.name, graph, tiled, plan);
  });
}
