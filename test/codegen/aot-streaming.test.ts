// Streaming overlaps (firmware/plan/streaming.ts) proven on the real C kernels: plans in which
// op outputs share bytes with the input they consume are generated, compiled for the host and
// run; every output must equal the reference interpreter's (which never overlaps anything).
// - per-op random cases (random shapes, strides, padding, dilation): each case's output may
//   stream over its graph input, so every lag rule meets many geometries, with both kernel
//   variants;
// - every model of the set, untiled, and the AoT build's tiling engine (auto, partial sums,
//   aliased reshapes, streaming) on the models where it tiles.
// Each test also checks that its plan really overlaps buffers, so it cannot pass vacuously.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { runGraph, runGraphAll } from '../../firmware/interp/interpreter.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelNames, modelPath } from '../../firmware/models/model-set.ts';
import { bufferLifetimes } from '../../firmware/plan/lifetimes.ts';
import { peakOf } from '../../firmware/plan/bounds.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import type { MemoryPlan } from '../../firmware/plan/types.ts';
import { verifyPlan } from '../../firmware/plan/verify.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
import { tileGraph } from '../../firmware/tiling/index.ts';
import { codegenPlan, verifyTiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './support/host-build.ts';
import { decode, graphOutputMismatches, mismatch } from './support/compare.ts';
import {
  RandomGraph, addBinary, addConv, addConversion, addPool, randomInput, rng,
} from './support/random-ops.ts';

/** Streaming pairs of a plan whose buffers actually share bytes. */
function overlappingPairs(plan: MemoryPlan): number {
  let n = 0;
  for (const b of plan.buffers) {
    if (b.streamsOver === undefined) continue;
    const p = plan.buffers[b.streamsOver.id]!;
    if (b.offset < p.offset + p.size && p.offset < b.offset + b.size) n++;
  }
  return n;
}

/**
 * A layout in which EVERY streaming pair sits exactly at its lag (the output starts `lag` bytes
 * below its input, the closest the rule allows) and nothing else shares bytes: the hardest
 * test of the lag rules, whatever a planner would choose.
 */
function tightStreamingPlan(graph: Graph, ignoreLag = false): MemoryPlan {
  const order = graph.ops.map((_, i) => i);
  const { buffers } = bufferLifetimes(graph, order, { streaming: true });
  const offsets = new Array<number>(buffers.length).fill(-1);
  const partnerOf = new Map<number, number>();
  for (const b of buffers) if (b.streamsOver) partnerOf.set(b.streamsOver.id, b.id);
  let next = 0;
  for (const b of buffers) {
    if (offsets[b.id]! >= 0) continue;
    const over = b.streamsOver !== undefined ? buffers[b.streamsOver.id]! : undefined;
    const under = partnerOf.has(b.id) ? buffers[partnerOf.get(b.id)!]! : undefined;
    const [out, input] = over ? [b, over] : under ? [under, b] : [undefined, undefined];
    if (out && input && offsets[out.id]! < 0 && offsets[input.id]! < 0) {
      const lag = ignoreLag ? 0 : out.streamsOver!.lag;
      offsets[out.id] = next;
      offsets[input.id] = next + lag;
      next += Math.max(out.size, lag + input.size);
    } else {
      offsets[b.id] = next;
      next += b.size;
    }
  }
  if (!ignoreLag) verifyPlan(buffers, offsets);
  return {
    planner: 'tight-test', peakBytes: peakOf(buffers, offsets), lowerBound: 0, provenOptimal: false, order,
    buffers: buffers.map((b, i) => ({ ...b, offset: offsets[i]! })), aliases: {},
  };
}

function streamingCases(seed: number): RandomGraph {
  const g = new RandomGraph(rng(seed));
  for (const dt of ['int8', 'float32'] as const) {
    for (let k = 0; k < 6; k++) { addConv(g, dt, false); addConv(g, dt, true); }
    addConv(g, dt, true, true); addConv(g, dt, false, true);
    for (let k = 0; k < 3; k++) { addPool(g, dt, 'AVERAGE_POOL_2D'); addPool(g, dt, 'MAX_POOL_2D'); }
    for (let k = 0; k < 3; k++) { addBinary(g, dt, 'ADD'); addBinary(g, dt, 'MUL'); }
  }
  for (const kind of ['QUANTIZE', 'QUANTIZE_REQ', 'DEQUANTIZE', 'LOGISTIC', 'TANH', 'LOGISTIC_F', 'TANH_F'] as const) addConversion(g, kind);
  return g;
}

const KERNELS = [
  { name: 'reference kernels', kernels: 'reference' as const, flags: [] as string[] },
  { name: 'optimized kernels (DSP emulated)', kernels: 'optimized' as const, flags: ['-DTR_DSP_EMULATE'] },
];

for (const seed of [11, 12]) {
  describe(`AoT streaming, per-op random cases, seed ${seed}`, () => {
    const g = streamingCases(seed);
    const graph = g.graph;
    const inputs = graph.inputs.map((id) => randomInput(g, graph.tensors[id]!));
    const want = runGraphAll(graph, inputs, { arithmetic: 'reference' });
    const plan = tightStreamingPlan(graph);

    it('the plan overlaps outputs with their inputs for most cases', () => {
      assert.ok(overlappingPairs(plan) >= 30, `only ${overlappingPairs(plan)} overlapping pairs`);
    });
    it('control: the same layout with every lag ignored (outputs exactly on their inputs) corrupts window ops', async () => {
      const out = generateAot(graph, tightStreamingPlan(graph, true), { modelName: `stream_bad${seed}`, kernels: 'optimized' });
      const exe = await buildHostModel(out.files, ['-DTR_DSP_EMULATE']);
      const raw = await runHostModel(exe, concatBytes(inputs.map(bytesOf)), 1);
      const { failures } = graphOutputMismatches(graph, raw, want);
      assert.ok(failures.some((f) => /CONV_2D|POOL/.test(f)), `no window op was corrupted: ${failures.join('; ')}`);
    });
    for (const v of KERNELS) {
      it(`${v.name}: every output equals the interpreter's with outputs over their inputs`, async () => {
        const out = generateAot(graph, plan, { modelName: `stream_seed${seed}`, kernels: v.kernels });
        const exe = await buildHostModel(out.files, v.flags);
        const raw = await runHostModel(exe, concatBytes(inputs.map(bytesOf)), 1);
        const { failures, consumed } = graphOutputMismatches(graph, raw, want);
        assert.equal(consumed, raw.byteLength, 'output byte count');
        assert.deepEqual(failures, []);
      });
    }
  });
}

/** Runs a generated model on the host for `samples` and compares output 0 with `expect`. */
async function checkModel(name: string, graph: ReturnType<typeof loadModel>, plan: MemoryPlan, original: ReturnType<typeof loadModel>, count: number): Promise<string[]> {
  const out = generateAot(graph, plan, { modelName: name });
  const exe = await buildHostModel(out.files, ['-DTR_DSP_EMULATE']);
  const samples = goldenSamples(name).slice(0, count);
  const raw = await runHostModel(exe, concatBytes(samples.map((s) => bytesOf(s.input))), samples.length);
  const t = graph.tensors[graph.outputs[0]!]!;
  const per = raw.byteLength / samples.length;
  const failures: string[] = [];
  samples.forEach((s, k) => {
    const got = decode(t, raw.subarray(k * per, (k + 1) * per));
    const m = mismatch(t, got, runGraph(original, [s.input], { arithmetic: 'reference' })[0]!);
    if (m) failures.push(`sample ${k}: ${m}`);
  });
  return failures;
}

describe('AoT streaming on the model set (optimized kernels, DSP emulated)', () => {
  for (const name of modelNames()) {
    it(`${name} untiled: outputs equal the interpreter's`, async () => {
      const graph = loadModel(modelPath(name));
      const plan = planGraph(graph, { streaming: true, planner: 'heuristic' });
      const pairs = overlappingPairs(plan);
      if (['aww', 'vww', 'resnet', 'micro_speech'].includes(name)) {
        assert.ok(pairs > 0, 'no streaming overlap in the plan');
        assert.ok(plan.peakBytes < planGraph(graph).peakBytes, 'streaming did not lower the peak');
      }
      assert.deepEqual(await checkModel(name, graph, plan, graph, 2), []);
    });
    it(`${name} untiled, every streaming pair at its tightest: outputs equal the interpreter's`, async () => {
      const graph = loadModel(modelPath(name));
      const plan = tightStreamingPlan(graph);
      if (name !== 'toycar' && name !== 'sine_model') assert.ok(overlappingPairs(plan) > 0, 'no streaming pair');
      assert.deepEqual(await checkModel(name, graph, plan, graph, 2), []);
    });
  }
  for (const name of ['aww', 'vww', 'resnet', 'cifar10', 'magic_wand']) {
    it(`${name} with the AoT tiling engine (auto, partial sums, aliased reshapes, streaming)`, async () => {
      const original = loadModel(modelPath(name));
      const tiled = tileGraph(original, { mode: 'auto', partialSums: true, aliasReshape: true, streaming: true });
      verifyTiledPlan(tiled.graph, tiled.plan);
      const plan = codegenPlan(tiled.graph, tiled.plan);
      assert.ok(overlappingPairs(plan) > 0, 'no streaming overlap in the plan');
      assert.deepEqual(await checkModel(name, tiled.graph, plan, original, 2), []);
    });
  }
});
