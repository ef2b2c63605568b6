// Optimized partial-sum kernels (tr_partial_sum_s8_fast.c, selected by lower-partial.ts for
// `kernels: 'optimized'`): FDT / FFMT partial-sum endings built with them must give exactly the
// interpreter's outputs. Host builds use the portable TR_DSP_EMULATE path (the exact steps the
// Cortex-M4 runs, in C); a Cortex-M4 cross build proves the SMLAD/SXTB16 path compiles and is
// used. Random cases come from the tiling property generator (random-chain.ts).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { AOT_CFLAGS, KERNEL_INCLUDE_DIR, generateAot, kernelSources, type AotArithmetic } from '../../firmware/codegen/aot/index.ts';
import { sliceOffsetTerms } from '../../firmware/codegen/aot/lower-partial.ts';
import { runGraph, type TensorData } from '../../firmware/interp/interpreter.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelPath, type GoldenSample } from '../../firmware/model-set/index.ts';
import { applyFdtPartial, findFdtPartialPaths } from '../../firmware/tiling/fdt-partial.ts';
import { findFfmtPaths } from '../../firmware/tiling/ffmt.ts';
import { applyFfmtPool, globalPoolAfter, tileGraph } from '../../firmware/tiling/index.ts';
import { codegenPlan, planTiled, type TiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from '../codegen/support/host-build.ts';
import { buildChain, randomInput, type ChainSpec } from './random-chain.ts';

const EMULATE = ['-DTR_DSP_EMULATE'];

function sameBytes(got: Uint8Array, want: TensorData, what: string): void {
  const w = bytesOf(want as ArrayBufferView as Uint8Array);
  assert.equal(got.byteLength, w.byteLength, `${what}: length`);
  for (let i = 0; i < w.byteLength; i++) if (got[i] !== w[i]) assert.fail(`${what}: byte ${i} is ${got[i]}, interpreter ${w[i]}`);
}

/** Generates the tiled graph with the given kernels, builds it for the host (portable DSP
 * emulation) and returns every sample's first output back to back. */
async function runAot(name: string, tiled: Graph, inputs: ArrayBufferView[], kernels: 'optimized' | 'reference',
  arithmetic: AotArithmetic, plan?: TiledPlan): Promise<{ raw: Uint8Array; called: string[] }> {
  const p = plan ?? planTiled(tiled);
  const out = generateAot(tiled, codegenPlan(tiled, p), { modelName: name, kernels, arithmetic });
  const exe = await buildHostModel(out.files, [...out.cFlags, ...EMULATE]);
  const raw = await runHostModel(exe, concatBytes(inputs.map((x) => bytesOf(x))), inputs.length);
  return { raw, called: out.kernels };
}

describe('fast partial sums: micro_speech FDT (DEPTHWISE_CONV_2D -> FULLY_CONNECTED(4))', () => {
  let graph: Graph;
  let samples: GoldenSample[];
  before(() => { graph = loadModel(modelPath('micro_speech')); samples = goldenSamples('micro_speech'); });

  for (const arithmetic of ['reference', 'xnnpack'] as const) {
    test(`optimized kernels on the host equal the interpreter on every golden sample (${arithmetic} arithmetic)`, async () => {
      // As firmware/build tiles for the AoT backend.
      const r = tileGraph(graph, { mode: 'fdt', partialSums: true, aliasReshape: true });
      assert.equal(r.tilings[0]?.ending, 'partial-sum');
      const { raw, called } = await runAot('micro_speech_fast', r.graph, samples.map((s) => s.input), 'optimized', arithmetic, r.plan);
      assert.ok(called.includes('tr_partial_fc_s8_fast'), `called: ${called}`);
      assert.ok(called.includes('tr_partial_requant_s8_fast'), `called: ${called}`);
      assert.ok(!called.includes('tr_partial_fc_s8'), 'no reference partial FC left');
      const n = raw.byteLength / samples.length;
      samples.forEach((s, k) => {
        const want = runGraph(graph, [s.input], { arithmetic })[0]!;
        // the tiled graph in the interpreter gives the same (checked by partial-sum.test.ts)
        sameBytes(raw.subarray(k * n, (k + 1) * n), want, `${arithmetic} sample ${k}`);
      });
    });
  }
});

describe('fast partial sums: the per-slice input-offset term', () => {
  test('sliceOffsetTerms is input_offset x row sums with int32 wrap-around', () => {
    assert.deepEqual(sliceOffsetTerms([1, 2, 3, -4, -5, -6], 2, 10), [60, -150]);
    // 127 * 2^24 * 3 overflows int32: C wraps modulo 2^32
    const big = new Array<number>(1 << 24).fill(127);
    assert.deepEqual(sliceOffsetTerms(big, 1, 3), [((127 * (1 << 24) * 3) % 2 ** 32) | 0]);
  });
});

/** Random partial-sum endings: FDT into a conv or the dense head, FFMT into a global pool. */
const layerConv = (cout: number, k: number, stride: number, padding: 'SAME' | 'VALID') => ({ kind: 'conv' as const, k, stride, padding, cout, act: 'RELU' as const });
const randomCase = fc.record({
  h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 9 }), c: fc.integer({ min: 1, max: 4 }),
  cout: fc.integer({ min: 2, max: 9 }), cend: fc.integer({ min: 1, max: 9 }),
  k: fc.integer({ min: 1, max: 3 }), k2: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }), stride2: fc.integer({ min: 1, max: 2 }),
  padding: fc.constantFrom<'SAME' | 'VALID'>('SAME', 'VALID'), padding2: fc.constantFrom<'SAME' | 'VALID'>('SAME', 'VALID'),
  ending: fc.constantFrom('conv', 'dense', 'pool'), dense: fc.constantFrom(3, 4, 7, 9),
  parts: fc.integer({ min: 2, max: 8 }), seed: fc.integer({ min: 1, max: 1 << 30 }),
  arithmetic: fc.constantFrom<AotArithmetic>('reference', 'xnnpack'),
});
type RandomCase = typeof randomCase extends fc.Arbitrary<infer T> ? T : never;

/** The chain's output map averaged by a global AVERAGE_POOL_2D (the new graph output). */
function withGlobalPool(g: Graph): Graph | undefined {
  const outId = g.outputs[0]!;
  const t = g.tensors[outId]!;
  if (t.shape.length !== 4 || t.dtype !== 'int8' || t.shape[1]! < 2) return undefined;
  const [n, h, w, c] = t.shape as [number, number, number, number];
  g.tensors.push({ name: 'gap/out', shape: [n, 1, 1, c], dtype: 'int8', ...(t.quant ? { quant: { scale: [...t.quant.scale], zeroPoint: [...t.quant.zeroPoint], axis: 0 } } : {}) });
  g.ops.push({ kind: 'AVERAGE_POOL_2D', inputs: [outId], outputs: [g.tensors.length - 1], name: 'gap', options: { padding: 'VALID', strideH: 1, strideW: 1, filterH: h, filterW: w, activation: 'NONE' } });
  g.outputs = [g.tensors.length - 1];
  return g;
}

function buildRandom(v: RandomCase): { graph: Graph; tiled: Graph } | undefined {
  const dw = { kind: 'dw' as const, k: v.k2, stride: 1, padding: v.padding2, act: 'NONE' as const };
  const layers: ChainSpec['layers'] = [layerConv(v.cout, v.k, v.stride, v.padding), dw];
  if (v.ending === 'conv') layers.push(layerConv(v.cend, v.k2, v.stride2, v.padding2));
  const chain = buildChain({ dtype: 'int8', h: v.h, w: v.w, c: v.c, layers, dense: v.ending === 'dense' ? v.dense : 0, seed: v.seed });
  const graph = chain && v.ending === 'pool' ? withGlobalPool(chain) : chain;
  if (!graph) return undefined;
  if (v.ending === 'pool') {
    // FFMT tiles summed into the global average pool appended after the chain
    const path = findFfmtPaths(graph).find((p) => globalPoolAfter(graph, p[p.length - 1]!) >= 0);
    if (!path) return undefined;
    const tiled = applyFfmtPool(graph, { ops: path, tilesH: 2, tilesW: v.parts % 2 + 1 });
    return tiled ? { graph, tiled } : undefined;
  }
  const want = v.ending === 'conv' ? 'CONV_2D' : 'FULLY_CONNECTED';
  const path = findFdtPartialPaths(graph).find((p) => graph.ops[p[p.length - 1]!]!.kind === want);
  if (!path) return undefined;
  const tiled = applyFdtPartial(graph, { ops: path, partitions: v.parts });
  return tiled ? { graph, tiled } : undefined;
}

test('random partial-sum endings: optimized kernels equal the reference kernels and the interpreter', async () => {
  const cases = fc.sample(randomCase, { numRuns: 60, seed: 1107 }).map((v) => ({ v, built: buildRandom(v) }))
    .filter((c): c is { v: RandomCase; built: { graph: Graph; tiled: Graph } } => c.built !== undefined);
  const byEnding = new Map<string, number>();
  let ran = 0;
  for (const { v, built } of cases) {
    // a dozen builds keep the test fast; at least three of each ending
    if ((byEnding.get(v.ending) ?? 0) >= 4) continue;
    const kinds = built.tiled.ops.map((o) => o.kind);
    if (!kinds.includes('PARTIAL_SUM')) continue;
    const inputs = [randomInput(built.graph, v.seed + 1), randomInput(built.graph, v.seed + 2)];
    const fast = await runAot(`rnd${ran}`, built.tiled, inputs, 'optimized', v.arithmetic);
    const ref = await runAot(`rnd${ran}r`, built.tiled, inputs, 'reference', v.arithmetic);
    const what = `case ${JSON.stringify(v)}`;
    if (v.ending !== 'pool') {
      const fastKernel = v.ending === 'conv' ? 'tr_partial_conv2d_s8_fast' : 'tr_partial_fc_s8_fast';
      assert.ok(fast.called.includes(fastKernel), `${what}: ${fast.called}`);
      assert.ok(fast.called.includes('tr_partial_requant_s8_fast'), `${what}: ${fast.called}`);
    }
    assert.deepEqual(fast.raw, ref.raw, `${what}: optimized vs reference kernels`);
    const n = fast.raw.byteLength / inputs.length;
    inputs.forEach((x, k) => {
      sameBytes(fast.raw.subarray(k * n, (k + 1) * n), runGraph(built.graph, [x], { arithmetic: v.arithmetic })[0]!, `${what} input ${k}`);
    });
    byEnding.set(v.ending, (byEnding.get(v.ending) ?? 0) + 1);
    ran++;
  }
  for (const e of ['conv', 'dense', 'pool']) assert.ok((byEnding.get(e) ?? 0) >= 3, `only ${byEnding.get(e) ?? 0} ${e} cases ran`);
});

// tr_conv2d_s8_fast_1ch (one output channel: FDT partitions of a channel-sliced conv) is what the
// generator selects for every optimized int8 conv with one output channel under `optimize: 'size'`
// (lower-conv.ts); under 'speed' (the default) a depthwise partition over one input channel gets
// tr_dw1ch_wide_layer (tr_dwconv1ch_wide.h) instead. Both must equal the interpreter.
const ONE_CHANNEL_KERNEL = { size: 'tr_conv2d_s8_fast_1ch(', speed: 'tr_dw1ch_wide_layer(' } as const;
async function runAot1ch(name: string, tiled: Graph, inputs: ArrayBufferView[], arithmetic: AotArithmetic, plan?: TiledPlan,
  optimize: 'size' | 'speed' = 'size'): Promise<Uint8Array> {
  const p = plan ?? planTiled(tiled);
  const out = generateAot(tiled, codegenPlan(tiled, p), { modelName: name, kernels: 'optimized', arithmetic, optimize });
  const src = out.files['tr_model_aot.c']!;
  assert.ok(src.includes(ONE_CHANNEL_KERNEL[optimize]), `${name}: the generator did not select the one-channel kernel ${ONE_CHANNEL_KERNEL[optimize]}`);
  const exe = await buildHostModel({ 'tr_model_aot.c': src }, [...out.cFlags, ...EMULATE]);
  return runHostModel(exe, concatBytes(inputs.map((x) => bytesOf(x))), inputs.length);
}

describe('one-output-channel conv kernel (tr_conv2d_s8_fast_1ch)', () => {
  test('micro_speech FDT (8 one-channel partitions) equals the interpreter on every golden sample, both arithmetics, size and speed kernels', async () => {
    const graph = loadModel(modelPath('micro_speech'));
    const samples = goldenSamples('micro_speech');
    const r = tileGraph(graph, { mode: 'fdt', partialSums: true, aliasReshape: true });
    for (const [arithmetic, optimize] of [['reference', 'size'], ['xnnpack', 'size'], ['reference', 'speed'], ['xnnpack', 'speed']] as const) {
      const raw = await runAot1ch(`micro_speech_1ch_${optimize}`, r.graph, samples.map((s) => s.input), arithmetic, r.plan, optimize);
      const n = raw.byteLength / samples.length;
      samples.forEach((s, k) => sameBytes(raw.subarray(k * n, (k + 1) * n), runGraph(graph, [s.input], { arithmetic })[0]!, `${arithmetic} sample ${k}`));
    }
  });

  test('random one-channel convs (borders, strides, input depths) equal the interpreter', async () => {
    const conv1 = fc.record({
      // 1x1 stride-1 convs go to the GEMM specialisation (tr_conv_spec.h), not tr_conv2d_s8_fast
      h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 14 }), c: fc.integer({ min: 1, max: 5 }),
      k: fc.integer({ min: 2, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), padding: fc.constantFrom<'SAME' | 'VALID'>('SAME', 'VALID'),
      seed: fc.integer({ min: 1, max: 1 << 30 }), arithmetic: fc.constantFrom<AotArithmetic>('reference', 'xnnpack'),
    });
    let ran = 0;
    for (const v of fc.sample(conv1, { numRuns: 40, seed: 1108 })) {
      if (ran >= 12) break;
      const graph = buildChain({ dtype: 'int8', h: v.h, w: v.w, c: v.c, layers: [layerConv(1, v.k, v.stride, v.padding)], dense: 0, seed: v.seed });
      if (!graph) continue;
      const inputs = [randomInput(graph, v.seed + 1), randomInput(graph, v.seed + 2)];
      const raw = await runAot1ch(`conv1ch${ran}`, graph, inputs, v.arithmetic);
      const n = raw.byteLength / inputs.length;
      inputs.forEach((x, k) => sameBytes(raw.subarray(k * n, (k + 1) * n), runGraph(graph, [x], { arithmetic: v.arithmetic })[0]!, `case ${JSON.stringify(v)} input ${k}`));
      ran++;
    }
    assert.equal(ran, 12);
  });
});

describe('fast partial sums: Cortex-M4 cross build', () => {
  let dir: string;
  let available = false;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tr-psum-m4-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    available = (await execa('arm-none-eabi-gcc', ['--version'], { reject: false })).exitCode === 0;
  });
  const M4 = ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'];

  test('the fast kernels use SMLAD/SXTB16, and micro_speech FDT with optimized kernels (and the one-channel conv) compiles', async (t) => {
    if (!available) return t.skip('arm-none-eabi-gcc not installed');
    for (const file of ['tr_partial_sum_s8_fast.c', 'tr_conv2d_s8_fast_1ch.c']) {
      const src = kernelSources().find((s) => s.endsWith(file))!;
      const obj = join(dir, `${file}.o`);
      await execa('arm-none-eabi-gcc', [...AOT_CFLAGS, '-O2', '-Wall', '-Wextra', '-Werror', ...M4, '-I', KERNEL_INCLUDE_DIR, '-c', src, '-o', obj]);
      const dis = (await execa('arm-none-eabi-objdump', ['-d', obj])).stdout;
      assert.match(dis, /\bsmlad\b/, file);
      assert.match(dis, /\bsxtb16\b/, file);
    }
    const graph = loadModel(modelPath('micro_speech'));
    const r = tileGraph(graph, { mode: 'fdt', partialSums: true, aliasReshape: true });
    for (const [optimize, oneChannel] of [['size', 'tr_conv2d_s8_fast_1ch'], ['speed', 'tr_dw1ch_wide_layer']] as const) {
      const out = generateAot(r.graph, codegenPlan(r.graph, r.plan), { modelName: 'micro_speech', kernels: 'optimized', optimize, boardFeatures: { dsp: true, isa: 'armv7em' } });
      const model = join(dir, `model-${optimize}.c`);
      writeFileSync(model, out.files['tr_model_aot.c']!);
      await execa('arm-none-eabi-gcc', [...out.cFlags, '-O2', '-Wall', '-Werror', ...M4, '-I', KERNEL_INCLUDE_DIR, '-c', model, '-o', join(dir, `model-${optimize}.o`)]);
      assert.ok(out.kernels.includes(oneChannel), `${optimize}: ${out.kernels}`);
      assert.ok(out.kernels.includes('tr_partial_fc_s8_fast'), `${optimize}: ${out.kernels}`);
    }
  });
});
