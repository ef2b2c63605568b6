// Paths ending in int32 partial sums — FDT into a CONV_2D / FULLY_CONNECTED split by input
// channels (fdt-partial.ts), FFMT into a global AVERAGE_POOL_2D (ffmt-pool.ts) — must give
// exactly the untiled op's outputs — in the interpreter in
// both integer arithmetics, in real TensorFlow Lite on the exported (lowered) .tflite, and in
// the AoT C backend compiled for the host — and discovery must pick the ending only where it
// lowers the planned peak.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { runGraph, type TensorData } from '../../firmware/interp/interpreter.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
import { validateGraph } from '../../firmware/ir/validate.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { writeModel } from '../../firmware/model/writer.ts';
import { goldenSamples, modelPath, type GoldenSample } from '../../firmware/model-set/index.ts';
import { graphMacs } from '../../firmware/tiling/discover.ts';
import { exportTiledModel, hasInternalOps } from '../../firmware/tiling/export.ts';
import { applyFdtPartial, findFdtPartialPaths } from '../../firmware/tiling/fdt-partial.ts';
import { applyFfmtPool, globalPoolAfter, tileGraph } from '../../firmware/tiling/index.ts';
import { findFfmtPaths } from '../../firmware/tiling/ffmt.ts';
import { codegenPlan, planTiled, verifyTiledPlan, type TiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { runTflite } from '../helpers/tflite-runtime.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from '../codegen/support/host-build.ts';

function same(a: TensorData, b: TensorData, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

/** Interpreter (both arithmetics) and real TFLite on the export, against the untiled model. */
async function checkExact(graph: Graph, tiled: Graph, samples: GoldenSample[], what: string): Promise<void> {
  validateGraph(tiled);
  assert.ok(hasInternalOps(tiled), `${what}: expected PARTIAL_SUM ops`);
  for (const arithmetic of ['xnnpack', 'reference'] as const) {
    samples.forEach((s, k) => {
      const want = runGraph(graph, [s.input], { arithmetic });
      runGraph(tiled, [s.input], { arithmetic }).forEach((o, j) => same(o, want[j]!, `${what} ${arithmetic} sample ${k} output ${j}`));
    });
  }
  const ex = exportTiledModel(tiled);
  assert.ok(!hasInternalOps(ex.graph), 'export lowers every partial sum');
  assert.equal(ex.plan.inPlace.size, 0, 'the exported (TFLite-Micro) plan never uses in-place concatenation');
  verifyTiledPlan(ex.graph, ex.plan);
  const got = await runTflite(ex.bytes, samples.map((s) => [s.input]));
  samples.forEach((s, k) => {
    const want = runGraph(graph, [s.input], { arithmetic: 'xnnpack' });
    got[k]!.forEach((o, j) => same(o as TensorData, want[j]!, `${what} tflite sample ${k} output ${j}`));
  });
}

/** The AoT C backend on the host, against the interpreter on the untiled model. */
async function checkAot(name: string, graph: Graph, tiled: Graph, samples: GoldenSample[], arithmetic: 'reference' | 'xnnpack', given?: TiledPlan): Promise<void> {
  const plan = given ?? planTiled(tiled);
  verifyTiledPlan(tiled, plan);
  const out = generateAot(tiled, codegenPlan(tiled, plan), { modelName: `${name}_psum`, kernels: 'reference', arithmetic });
  assert.ok(out.kernels.some((k) => k.startsWith('tr_partial_')), 'partial-sum kernels are called');
  const exe = await buildHostModel(out.files, out.cFlags);
  const raw = await runHostModel(exe, concatBytes(samples.map((s) => bytesOf(s.input))), samples.length);
  const want = samples.map((s) => runGraph(graph, [s.input], { arithmetic })[0]! as Int8Array);
  const n = want[0]!.length;
  assert.equal(raw.byteLength, n * samples.length);
  samples.forEach((_, k) => same(new Int8Array(raw.buffer, raw.byteOffset + k * n, n), want[k]!, `${name} AoT ${arithmetic} sample ${k}`));
}

describe('partial-sum ending: micro_speech DEPTHWISE_CONV_2D -> FULLY_CONNECTED(4)', () => {
  let graph: Graph;
  let samples: GoldenSample[];
  before(() => { graph = loadModel(modelPath('micro_speech')); samples = goldenSamples('micro_speech'); });

  test('the path is found, rewrites are exact everywhere, MACs unchanged', async () => {
    const paths = findFdtPartialPaths(graph);
    assert.deepEqual(paths.map((p) => p.map((i) => graph.ops[i]!.kind)), [['DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']]);
    for (const n of [2, 3, 8]) {
      const tiled = applyFdtPartial(graph, { ops: paths[0]!, partitions: n })!;
      assert.equal(tiled.ops.filter((o) => o.kind === 'PARTIAL_SUM').length, n);
      assert.equal(graphMacs(tiled), graphMacs(graph));
      await checkExact(graph, tiled, samples, `micro_speech x${n}`);
    }
  });

  test('discovery picks the partial-sum ending and lowers the peak; off by default', () => {
    const off = tileGraph(graph, { mode: 'fdt' });
    assert.equal(off.peakBytes, off.untiledPeakBytes);
    const on = tileGraph(graph, { mode: 'fdt', partialSums: true });
    assert.ok(on.peakBytes < on.untiledPeakBytes, `${on.peakBytes} vs ${on.untiledPeakBytes}`);
    assert.equal(on.tilings[0]!.ending, 'partial-sum');
    assert.equal(on.macs, on.untiledMacs);
    verifyTiledPlan(on.graph, on.plan);
    assert.equal(on.peakBytes, planTiled(on.graph).peakBytes);
  });

  test('AoT C on the host runs the partial sums bit-exactly (reference and xnnpack arithmetic)', async () => {
    const tiled = applyFdtPartial(graph, { ops: findFdtPartialPaths(graph)[0]!, partitions: 8 })!;
    await checkAot('micro_speech', graph, tiled, samples, 'reference');
    await checkAot('micro_speech', graph, tiled, samples, 'xnnpack');
  });

  test('with reshape aliasing (AoT) discovery goes lower still, and the AoT C build runs that layout exactly', async () => {
    const plain = tileGraph(graph, { mode: 'auto', partialSums: true });
    const r = tileGraph(graph, { mode: 'auto', partialSums: true, aliasReshape: true });
    assert.ok(Object.keys(r.plan.aliases).length > 0, 'the input RESHAPE is aliased');
    assert.ok(r.peakBytes < plain.peakBytes, `${r.peakBytes} vs ${plain.peakBytes}`);
    verifyTiledPlan(r.graph, r.plan);
    await checkAot('micro_speech', graph, r.graph, samples, 'reference', r.plan);
  });

  test('writing a graph with internal ops to .tflite is refused with a clear error', () => {
    const tiled = applyFdtPartial(graph, { ops: findFdtPartialPaths(graph)[0]!, partitions: 2 })!;
    assert.throws(() => writeModel(tiled), /PARTIAL_SUM is an internal tinyrack op with no TFLite builtin; lower the graph first/);
  });
});

describe('partial-sum ending into a CONV_2D (aww: CONV_2D -> DEPTHWISE_CONV_2D -> CONV_2D)', () => {
  test('exact in the interpreter, TFLite and AoT C; never chosen by discovery (int32 accumulator is 4x the map)', async () => {
    const graph = loadModel(modelPath('aww'));
    const samples = goldenSamples('aww').slice(0, 2);
    const path = findFdtPartialPaths(graph).find((p) => p.length === 3 && graph.ops[p[2]!]!.kind === 'CONV_2D');
    assert.ok(path, 'a conv -> dw -> conv path');
    const tiled = applyFdtPartial(graph, { ops: path, partitions: 4 })!;
    await checkExact(graph, tiled, samples, 'aww conv ending');
    await checkAot('aww', graph, tiled, samples, 'reference');
    // Measured, not assumed: the rewrite plans larger than the untiled model.
    assert.ok(planTiled(tiled).peakBytes > planTiled(graph).peakBytes);
    const r = tileGraph(graph, { mode: 'fdt', partialSums: true });
    assert.ok(r.tilings.every((t) => t.ending !== 'partial-sum'));
  });
});

describe('FFMT pool ending: tiles summed into a global AVERAGE_POOL_2D', () => {
  for (const c of [
    { name: 'aww', length: 9, tilesH: 5, tilesW: 1 }, // first conv down to the last pointwise conv
    { name: 'resnet', length: 3, tilesH: 2, tilesW: 2 }, // last residual block (conv, conv, ADD)
  ]) {
    test(`${c.name}: ${c.length}-op path, ${c.tilesH}x${c.tilesW} tiles — exact in the interpreter, TFLite and AoT C`, async () => {
      const graph = loadModel(modelPath(c.name));
      const samples = goldenSamples(c.name).slice(0, 2);
      const path = findFfmtPaths(graph).find((p) => p.length === c.length && globalPoolAfter(graph, p[p.length - 1]!) >= 0);
      assert.ok(path, 'a path ending right before the global pool');
      const tiled = applyFfmtPool(graph, { ops: path, tilesH: c.tilesH, tilesW: c.tilesW })!;
      assert.equal(tiled.ops.filter((o) => o.kind === 'PARTIAL_SUM').length, c.tilesH * c.tilesW);
      assert.ok(!tiled.ops.some((o) => o.kind === 'AVERAGE_POOL_2D' && o.name === graph.ops[globalPoolAfter(graph, path[path.length - 1]!)]!.name));
      await checkExact(graph, tiled, samples, `${c.name} pool ending`);
      await checkAot(c.name, graph, tiled, samples, 'reference');
    });
  }

  test('aww: discovery takes the pool ending only when the MAC allowance pays for the halos', () => {
    const graph = loadModel(modelPath('aww'));
    const capped = tileGraph(graph, { mode: 'ffmt', partialSums: true });
    assert.equal(capped.peakBytes, 16000, 'at the default 10% cap nothing fits');
    const generous = tileGraph(graph, { mode: 'ffmt', partialSums: true, maxMacOverhead: 0.6 });
    assert.ok(generous.peakBytes < 16000, `${generous.peakBytes}`);
    assert.ok(generous.tilings.some((t) => t.ending === 'partial-sum'));
    assert.ok(generous.macs - generous.untiledMacs <= 0.6 * generous.untiledMacs);
    verifyTiledPlan(generous.graph, generous.plan);
    const s = goldenSamples('aww')[0]!;
    same(runGraph(generous.graph, [s.input])[0]!, runGraph(graph, [s.input])[0]!, 'aww discovered pool ending');
  });
});
