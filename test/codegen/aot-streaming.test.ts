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
import { goldenSamples, modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { bufferLifetimes } from '../../firmware/plan/lifetimes.ts';
import { peakOf } from '../../firmware/plan/bounds.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import type { MemoryPlan } from '../../firmware/plan/types.ts';
import { verifyPlan } from '../../firmware/plan/verify.ts';
import { numElements, type Graph } from '../../firmware/ir/graph.ts';
import { tileGraph } from '../../firmware/tiling/index.ts';
import { codegenPlan, verifyTiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { buildHostModel, bytesOf, concatBytes, HOST_KERNEL_VARIANTS, runHostModel } from './support/host-build.ts';
import { decode, graphOutputMismatches, mismatch } from './support/compare.ts';
import {
  RandomGraph, addBinary, addConv, addConversion, addPool, randomInput, rng,
} from './support/random-ops.ts';

/** Streaming pairs of a plan whose buffers actually share bytes (`above`: output higher). */
function overlappingPairs(plan: MemoryPlan, above = false): number {
  let n = 0;
  for (const b of plan.buffers) {
    if (b.streamsOver === undefined) continue;
    const p = plan.buffers[b.streamsOver.id]!;
    if (b.offset < p.offset + p.size && p.offset < b.offset + b.size && (!above || b.offset > p.offset)) n++;
  }
  return n;
}

/**
 * A layout in which EVERY streaming pair sits exactly at its lag (the output starts `lag` bytes
 * below its input, the closest the rule allows) and nothing else shares bytes: the hardest
 * test of the lag rules, whatever a planner would choose.
 */
function tightStreamingPlan(graph: Graph, ignoreLag = false, above = false, extraAbove = 0): MemoryPlan {
  const order = graph.ops.map((_, i) => i);
  const { buffers } = bufferLifetimes(graph, order, { streaming: true });
  const offsets = new Array<number>(buffers.length).fill(-1);
  let next = 0;
  // Pairs first (in a chain each buffer joins one pair): with `above`, those whose kernel runs
  // backwards are placed output-above-input; then the rest output-below-input.
  const passes: Array<'above' | 'below'> = above ? ['above', 'below'] : ['below'];
  for (const pass of passes) {
    for (const out of buffers) {
      const s = out.streamsOver;
      if (s === undefined || offsets[out.id]! >= 0 || offsets[s.id]! >= 0) continue;
      const input = buffers[s.id]!;
      if (pass === 'above' && s.lagAbove !== undefined) {
        offsets[input.id] = next;
        offsets[out.id] = next + s.lagAbove + extraAbove;
        next += Math.max(input.size, s.lagAbove + extraAbove + out.size);
      } else if (pass === 'below' && s.lag < out.size) {
        const lag = ignoreLag ? 0 : s.lag;
        offsets[out.id] = next;
        offsets[input.id] = next + lag;
        next += Math.max(out.size, lag + input.size);
      }
    }
  }
  for (const b of buffers) {
    if (offsets[b.id]! >= 0) continue;
    offsets[b.id] = next;
    next += b.size;
  }
  if (!ignoreLag) verifyPlan(buffers, offsets);
  return {
    planner: 'tight-test', peakBytes: peakOf(buffers, offsets), lowerBound: 0, provenOptimal: false, order,
    buffers: buffers.map((b, i) => ({ ...b, offset: offsets[i]! })), aliases: {},
  };
}

/** int8 ops whose kernels also run backwards: 1x1 stride-1 convs and 3x3 depthwise (>= 4 channels). */
function addReversible(g: RandomGraph, kind: 'CONV_2D' | 'DEPTHWISE_CONV_2D'): void {
  const h = g.int(2, 7); const w = g.int(2, 7);
  const dw = kind === 'DEPTHWISE_CONV_2D';
  const inC = dw ? g.int(4, 9) : g.int(1, 9);
  const outC = dw ? inC : g.int(2, 9);
  const stride = dw ? g.pick([1, 1, 2]) : 1;
  const padding = dw ? g.pick(['SAME', 'VALID'] as const) : 'VALID';
  const k = dw ? 3 : 1;
  const out = (n: number) => (padding === 'SAME' ? Math.ceil(n / stride) : Math.floor((n - k + stride) / stride));
  if (out(h) < 1 || out(w) < 1) return;
  const wShape = dw ? [1, 3, 3, outC] : [outC, 1, 1, inC];
  const wScales = Array.from({ length: outC }, () => Math.fround(0.002 + g.rand() * 0.02));
  const xs = g.scale();
  const x = g.input([1, h, w, inC], 'int8', g.quant(xs));
  const wt = g.constant(wShape, 'int8', g.int8Values(numElements(wShape)), { scale: wScales, zeroPoint: wScales.map(() => 0), axis: dw ? 3 : 0 });
  const b = g.constant([outC], 'int32', Array.from({ length: outC }, () => g.int(-3000, 3000)));
  const y = g.output([1, out(h), out(w), outC], 'int8', g.quant(Math.fround(xs * 0.01 * Math.sqrt(k * k * (dw ? 1 : inC)) * 150)));
  const opts = { padding, strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, activation: g.activation() };
  g.op(kind, [x, wt, b], [y], (dw ? { ...opts, depthMultiplier: 1 } : opts) as never);
}

function streamingCases(seed: number): RandomGraph {
  const g = new RandomGraph(rng(seed));
  for (let k = 0; k < 4; k++) { addReversible(g, 'CONV_2D'); addReversible(g, 'DEPTHWISE_CONV_2D'); }
  for (const dt of ['int8', 'float32'] as const) {
    for (let k = 0; k < 6; k++) { addConv(g, dt, false); addConv(g, dt, true); }
    addConv(g, dt, true, true); addConv(g, dt, false, true);
    for (let k = 0; k < 3; k++) { addPool(g, dt, 'AVERAGE_POOL_2D'); addPool(g, dt, 'MAX_POOL_2D'); }
    for (let k = 0; k < 3; k++) { addBinary(g, dt, 'ADD'); addBinary(g, dt, 'MUL'); }
  }
  for (const kind of ['QUANTIZE', 'QUANTIZE_REQ', 'DEQUANTIZE', 'LOGISTIC', 'TANH', 'LOGISTIC_F', 'TANH_F'] as const) addConversion(g, kind);
  return g;
}

const KERNELS = HOST_KERNEL_VARIANTS;

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
    it('backward kernels: outputs ABOVE their inputs by the reverse lag (3x3 depthwise, 1x1 conv), both kernel variants', async () => {
      const above = tightStreamingPlan(graph, false, true);
      assert.ok(overlappingPairs(above, true) >= 2, `only ${overlappingPairs(above, true)} pairs above`);
      for (const v of KERNELS) {
        const out = generateAot(graph, above, { modelName: `stream_up${seed}`, kernels: v.kernels });
        const exe = await buildHostModel(out.files, v.flags);
        const raw = await runHostModel(exe, concatBytes(inputs.map(bytesOf)), 1);
        assert.deepEqual(graphOutputMismatches(graph, raw, want).failures, [], v.name);
      }
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

describe('AoT streaming, 3x3 depthwise pixel pairs backwards (DSP speed kernel)', () => {
  // Channel counts in groups of 4 (pairs allowed backwards), with a tail (never), strides 1 and 2.
  const g = new RandomGraph(rng(31));
  const dws: Array<[number, number, number, number]> = [[6, 9, 8, 1], [5, 10, 12, 2], [7, 8, 16, 1], [6, 9, 6, 1]];
  for (const [h, w, c, stride] of dws) {
    const wScales = Array.from({ length: c }, () => Math.fround(0.002 + g.rand() * 0.02));
    const xs = g.scale();
    const x = g.input([1, h, w, c], 'int8', g.quant(xs));
    const wt = g.constant([1, 3, 3, c], 'int8', g.int8Values(9 * c), { scale: wScales, zeroPoint: wScales.map(() => 0), axis: 3 });
    const b = g.constant([c], 'int32', Array.from({ length: c }, () => g.int(-3000, 3000)));
    const y = g.output([1, Math.ceil(h / stride), Math.ceil(w / stride), c], 'int8', g.quant(Math.fround(xs * 0.01 * 3 * 150)));
    g.op('DEPTHWISE_CONV_2D', [x, wt, b], [y], { padding: 'SAME', strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, activation: g.activation(), depthMultiplier: 1 } as never);
  }
  const graph = g.graph;
  const inputs = graph.inputs.map((id) => randomInput(g, graph.tensors[id]!));
  const want = runGraphAll(graph, inputs, { arithmetic: 'reference' });
  /** PAIRS argument of each generated tr_dw3x3_wide_layer call walking backwards. */
  const backwardPairs = (src: string): number[] =>
    [...src.matchAll(/tr_dw3x3_wide_layer\([^;]*, 1, ([01])\);/g)].map((m) => Number(m[1]));

  for (const [what, extra, pairs] of [['a whole number of pixels above (the reverse lag)', 0, [1, 1, 1, 0]], ['4 bytes off a pixel boundary', 4, [0, 0, 0, 0]]] as const) {
    it(`outputs ${what}: pairs only where C % 4 == 0 and aligned; outputs equal the interpreter's`, async () => {
      const plan = tightStreamingPlan(graph, false, true, extra);
      assert.equal(overlappingPairs(plan, true), dws.length, 'every output above its input');
      const out = generateAot(graph, plan, { modelName: `dw_pairs_up${extra}`, optimize: 'speed' });
      assert.deepEqual(backwardPairs(out.files['tr_model_aot.c']!), [...pairs]);
      const exe = await buildHostModel(out.files, ['-DTR_DSP_EMULATE']);
      const raw = await runHostModel(exe, concatBytes(inputs.map(bytesOf)), 1);
      assert.deepEqual(graphOutputMismatches(graph, raw, want).failures, []);
    });
  }
});

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
      if (['aww', 'vww'].includes(name)) {
        const up = tightStreamingPlan(graph, false, true);
        assert.ok(overlappingPairs(up, true) > 0, 'no pair above its input');
        assert.deepEqual(await checkModel(name, graph, up, graph, 2), [], 'outputs above their inputs');
      }
    });
  }
  for (const name of ['aww', 'vww', 'resnet', 'cifar10', 'magic_wand']) {
    it(`${name} with the AoT tiling engine (auto, partial sums, aliased reshapes, streaming)`, async () => {
      const original = loadModel(modelPath(name));
      // Without row chains (test/codegen/aot-row-chain.test.ts): aww's would take every layer
      // into one op and leave no streaming pair, and this test is about streaming.
      const tiled = tileGraph(original, { mode: 'auto', partialSums: true, aliasReshape: true, streaming: true, rowChains: false });
      verifyTiledPlan(tiled.graph, tiled.plan);
      const plan = codegenPlan(tiled.graph, tiled.plan);
      assert.ok(overlappingPairs(plan) > 0, 'no streaming overlap in the plan');
      assert.deepEqual(await checkModel(name, tiled.graph, plan, original, 2), []);
    });
  }
});
