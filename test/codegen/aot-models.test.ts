// Whole models: every model of the model set is generated, compiled for the host with gcc and
// run on every golden sample; the outputs must equal the reference interpreter's (integer
// reference arithmetic, as TFLite-Micro computes): int8 exactly, float32 within 1e-5 relative.
// Both kernel variants run: reference kernels on the default plan (greedy, model order,
// RESHAPE copies) and optimized kernels (DSP emulated) on a plan with a different schedule
// and aliased RESHAPEs, so arena offsets, aliasing and order all vary.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './support/host-build.ts';
import { sampleOutputMismatches } from './support/compare.ts';

const VARIANTS = [
  { name: 'reference kernels', kernels: 'reference' as const, flags: [] as string[], plan: {} },
  { name: 'optimized kernels (DSP emulated), optimized order, aliased reshapes', kernels: 'optimized' as const,
    flags: ['-DTR_DSP_EMULATE'], plan: { order: 'optimized' as const, aliasReshape: true, planner: 'linear' } },
];

for (const name of modelNames()) {
  describe(`AoT model ${name}`, () => {
    const graph = loadModel(modelPath(name));
    const samples = goldenSamples(name);
    const want = samples.map((s) => runGraph(graph, [s.input], { arithmetic: 'reference' }));

    for (const v of VARIANTS) {
      it(`${v.name}: outputs equal the interpreter's on all ${samples.length} golden samples`, async () => {
        const plan = planGraph(graph, v.plan);
        const out = generateAot(graph, plan, { modelName: name, kernels: v.kernels });
        assert.equal(out.arenaBytes, Math.max(16, Math.ceil(plan.peakBytes / 16) * 16));
        const exe = await buildHostModel(out.files, v.flags);
        const raw = await runHostModel(exe, concatBytes(samples.map((s) => bytesOf(s.input))), samples.length);
        const outT = graph.outputs.map((id) => graph.tensors[id]!);
        const { failures, perSample } = sampleOutputMismatches(outT, raw, want, samples.map((s) => s.index));
        assert.equal(raw.byteLength, perSample * samples.length);
        assert.deepEqual(failures, []);
      });
    }

    it('generation is deterministic (same graph and plan -> same bytes)', () => {
      const plan = planGraph(graph, {});
      const a = generateAot(graph, plan, { modelName: name });
      const b = generateAot(loadModel(modelPath(name)), planGraph(loadModel(modelPath(name)), {}), { modelName: name });
      assert.deepEqual(Object.keys(a.files), Object.keys(b.files));
      for (const f of Object.keys(a.files)) assert.equal(a.files[f], b.files[f], f);
    });
  });
}
