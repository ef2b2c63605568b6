// The 'xnnpack' arithmetic of the AoT backend: firmware built that way must give exactly what
// real TensorFlow Lite (XNNPACK delegate) gives. Every int8 model of the model set is
// generated with arithmetic 'xnnpack', compiled for the host (optimized kernels with the DSP
// emulation, and the reference kernels) and run on every golden sample: the int8 outputs
// must equal the golden files (produced by real TFLite) byte for byte. The per-op random
// cases (every int8 op kind with an XNNPACK-specific rescaling: CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED, ADD, MUL, QUANTIZE, MEAN) must equal the interpreter's 'xnnpack' mode.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { runGraph, runGraphAll } from '../../firmware/interp/interpreter.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, manifest, modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './support/host-build.ts';
import { graphOutputMismatches } from './support/compare.ts';
import {
  RandomGraph, addBinary, addConv, addConversion, addFullyConnected, addMovement, randomInput, rng,
} from './support/random-ops.ts';

const INT8_MODELS = modelNames().filter((n) => manifest()[n]!.dtype !== 'float32');

const VARIANTS = [
  { name: 'optimized kernels (DSP emulated)', kernels: 'optimized' as const, flags: ['-DTR_DSP_EMULATE'] },
  { name: 'reference kernels', kernels: 'reference' as const, flags: [] as string[] },
];

describe('AoT xnnpack arithmetic on the model set', () => {
  it('covers every int8 model', () => assert.deepEqual(INT8_MODELS.sort(), ['aww', 'micro_speech', 'resnet', 'toycar', 'vww']));
  for (const name of INT8_MODELS) {
    for (const v of VARIANTS) {
      it(`${name}, ${v.name}: outputs equal the golden (real TFLite) outputs on every sample`, async () => {
        const graph = loadModel(modelPath(name));
        const samples = goldenSamples(name);
        assert.equal(graph.outputs.length, 1);
        const out = generateAot(graph, planGraph(graph, {}), { modelName: name, kernels: v.kernels, arithmetic: 'xnnpack' });
        const exe = await buildHostModel(out.files, v.flags);
        const raw = await runHostModel(exe, concatBytes(samples.map((s) => bytesOf(s.input))), samples.length);
        const n = samples[0]!.output.byteLength;
        assert.equal(raw.byteLength, n * samples.length);
        const failures: string[] = [];
        samples.forEach((s, k) => {
          const got = new Int8Array(raw.buffer, raw.byteOffset + k * n, n);
          const diff = [...got].findIndex((x, j) => x !== s.output[j]);
          if (diff >= 0) failures.push(`sample ${s.index}: element ${diff} is ${got[diff]}, golden ${s.output[diff]}`);
        });
        assert.deepEqual(failures, []);
      });
    }
  }

  it('differs from the reference arithmetic where TFLite-Micro and XNNPACK round differently', () => {
    // The golden files differ from the fixed-point reference on some models (the reason for
    // this mode): make sure the comparison above is not vacuous for at least one of them.
    const differs = INT8_MODELS.some((name) => {
      const graph = loadModel(modelPath(name));
      return goldenSamples(name).some((s) => {
        const ref = runGraph(graph, [s.input], { arithmetic: 'reference' })[0] as Int8Array;
        return ref.some((x, j) => x !== s.output[j]);
      });
    });
    assert.ok(differs, 'no golden sample differs between the reference and xnnpack arithmetics');
  });
});

function buildCases(seed: number): RandomGraph {
  const g = new RandomGraph(rng(seed));
  for (let k = 0; k < 4; k++) { addConv(g, 'int8', false); addConv(g, 'int8', true); }
  addConv(g, 'int8', true, true); addConv(g, 'int8', false, true);
  for (let k = 0; k < 4; k++) addFullyConnected(g, 'int8');
  for (let k = 0; k < 4; k++) { addBinary(g, 'int8', 'ADD'); addBinary(g, 'int8', 'MUL'); }
  for (let k = 0; k < 6; k++) addMovement(g, 'int8', 'MEAN');
  for (let k = 0; k < 3; k++) { addConversion(g, 'QUANTIZE'); addConversion(g, 'QUANTIZE_REQ'); }
  return g;
}

for (const seed of [11, 12]) {
  describe(`AoT xnnpack arithmetic, per-op random cases, seed ${seed}`, () => {
    const g = buildCases(seed);
    const graph = g.graph;
    const inputs = graph.inputs.map((id) => randomInput(g, graph.tensors[id]!));
    const want = runGraphAll(graph, inputs, { arithmetic: 'xnnpack' });
    const plan = planGraph(graph, {});
    for (const v of VARIANTS) {
      it(`${v.name}: every op output equals the interpreter's xnnpack mode`, async () => {
        const out = generateAot(graph, plan, { modelName: `xnn_seed${seed}`, kernels: v.kernels, arithmetic: 'xnnpack' });
        const exe = await buildHostModel(out.files, v.flags);
        const raw = await runHostModel(exe, concatBytes(inputs.map(bytesOf)), 1);
        const { failures, consumed } = graphOutputMismatches(graph, raw, want);
        assert.equal(consumed, raw.byteLength, 'output byte count');
        assert.deepEqual(failures, []);
      });
    }
    it('the cases cover every int8 op with XNNPACK rescaling, and some differ from the reference arithmetic', () => {
      assert.deepEqual([...new Set(g.cases.map((c) => c.kind))].sort(),
        ['ADD', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'MEAN', 'MUL', 'QUANTIZE']);
      const ref = runGraphAll(graph, inputs, { arithmetic: 'reference' });
      const differing = graph.outputs.filter((id) => {
        const a = want[id]!; const b = ref[id]!;
        return Array.from(a as ArrayLike<number>).some((x, j) => x !== (b as ArrayLike<number>)[j]);
      });
      assert.ok(differing.length > 0, 'xnnpack and reference agree on every case: the comparison would be vacuous');
    });
  });
}

it('unknown arithmetic is a clear error', () => {
  const graph = loadModel(modelPath('toycar'));
  assert.throws(() => generateAot(graph, planGraph(graph, {}), { modelName: 't', arithmetic: 'fast' as never }), /unknown arithmetic "fast"/);
});
