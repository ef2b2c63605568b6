// Tiled graphs (firmware/tiling: FDT / FFMT rewrites with STRIDED_SLICE, PAD and
// CONCATENATION, planned with the tiling planner): the generated C (optimized kernels, DSP
// emulated) must give the interpreter's outputs on the tiled graph, and those are the untiled
// model's outputs (tiling is exact).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../../firmware/model-set/index.ts';
import { tileGraph } from '../../firmware/tiling/index.ts';
import { codegenPlan } from '../../firmware/tiling/plan-tiled.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './support/host-build.ts';
import { decode, mismatch } from './support/compare.ts';

const CASES = [
  { model: 'vww', mode: 'fdt' as const, samples: 3 },
  { model: 'magic_wand', mode: 'ffmt' as const, samples: 2 },
  { model: 'cifar10', mode: 'fdt' as const, samples: 2 },
];

describe('AoT on tiled graphs', () => {
  for (const c of CASES) {
    it(`${c.model} tiled with ${c.mode}: C outputs equal the interpreter's and the untiled model's`, async () => {
      const original = loadModel(modelPath(c.model));
      const tiled = tileGraph(original, { mode: c.mode });
      assert.ok(tiled.graph.ops.length > original.ops.length, 'tiling changed nothing; pick another case');
      const plan = codegenPlan(tiled.graph, tiled.plan);
      const out = generateAot(tiled.graph, plan, { modelName: `${c.model}_${c.mode}` });
      const exe = await buildHostModel(out.files, ['-DTR_DSP_EMULATE']);
      const samples = goldenSamples(c.model).slice(0, c.samples);
      const raw = await runHostModel(exe, concatBytes(samples.map((s) => bytesOf(s.input))), samples.length);
      const t = tiled.graph.tensors[tiled.graph.outputs[0]!]!;
      const per = raw.byteLength / samples.length;
      const failures: string[] = [];
      samples.forEach((s, k) => {
        const got = decode(t, raw.subarray(k * per, (k + 1) * per));
        const wantTiled = runGraph(tiled.graph, [s.input], { arithmetic: 'reference' })[0]!;
        const wantOriginal = runGraph(original, [s.input], { arithmetic: 'reference' })[0]!;
        const m1 = mismatch(t, got, wantTiled);
        const m2 = mismatch(t, got, wantOriginal);
        if (m1) failures.push(`sample ${k} vs tiled interpreter: ${m1}`);
        if (m2) failures.push(`sample ${k} vs untiled interpreter: ${m2}`);
      });
      assert.deepEqual(failures, []);
    });
  }
});
