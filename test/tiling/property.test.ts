// Property tests (fast-check, fixed seed): on random small conv / depthwise / pool / PAD /
// residual-add / dense networks, every FDT and FFMT path the rewrites accept, with any
// partition count, computes exactly the same outputs as the original graph — in the reference
// interpreter for every case (both integer arithmetics), and in real TFLite for a sample of cases. FDT adds no MACs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import { validateGraph } from '../../firmware/ir/validate.ts';
import { writeModel } from '../../firmware/model/writer.ts';
import { applyFdt, findFdtPaths, type FdtSpec } from '../../firmware/tiling/fdt.ts';
import { applyFfmt, ffmtChainMacs, findFfmtPaths, type FfmtSpec } from '../../firmware/tiling/ffmt.ts';
import { graphMacs } from '../../firmware/tiling/discover.ts';
import { planTiled, verifyTiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { tileGraph } from '../../firmware/tiling/index.ts';
import { runTflite } from '../helpers/tflite-runtime.ts';
import { buildChain, chainSpec, randomInput } from './random-chain.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;

function same(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>, float: boolean): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]); const y = Number(b[i]);
    if (float ? Math.abs(x - y) > 1e-5 * Math.max(1, Math.abs(y)) : x !== y) return false;
  }
  return true;
}

const rewriteArb = fc.record({
  spec: chainSpec,
  pick: fc.nat(),
  parts: fc.integer({ min: 2, max: 9 }),
  tilesH: fc.integer({ min: 1, max: 5 }),
  tilesW: fc.integer({ min: 1, max: 5 }),
  useFdt: fc.boolean(),
});

interface Case { original: Graph; tiled: Graph; input: Int8Array | Float32Array; fdt: boolean; spec: FdtSpec | FfmtSpec }

function makeCase(v: ArbValue<typeof rewriteArb>): Case | undefined {
  const g = buildChain(v.spec);
  if (!g) return undefined;
  validateGraph(g);
  const paths = v.useFdt ? findFdtPaths(g) : findFfmtPaths(g);
  if (paths.length === 0) return undefined;
  const ops = paths[v.pick % paths.length]!;
  const spec = v.useFdt ? { ops, partitions: v.parts } : { ops, tilesH: v.tilesH, tilesW: v.tilesW };
  const tiled = v.useFdt ? applyFdt(g, spec as FdtSpec) : applyFfmt(g, spec as FfmtSpec);
  if (!tiled) return undefined;
  return { original: g, tiled, input: randomInput(g, v.spec.seed + 1), fdt: v.useFdt, spec };
}

test('any FDT/FFMT rewrite of a random chain gives identical outputs in the interpreter', () => {
  let checked = 0;
  fc.assert(fc.property(rewriteArb, (v) => {
    const c = makeCase(v);
    if (!c) return true;
    validateGraph(c.tiled);
    const float = v.spec.dtype === 'float32';
    const want = runGraph(c.original, [c.input])[0]!;
    const got = runGraph(c.tiled, [c.input])[0]!;
    assert.ok(same(got, want, float), 'outputs differ');
    if (!float) {
      const wantRef = runGraph(c.original, [c.input], { arithmetic: 'reference' })[0]!;
      const gotRef = runGraph(c.tiled, [c.input], { arithmetic: 'reference' })[0]!;
      assert.ok(same(gotRef, wantRef, false), 'outputs differ with reference arithmetic');
    }
    if (c.fdt) assert.equal(graphMacs(c.tiled), graphMacs(c.original));
    else {
      // Discovery's analytic halo cost must equal the MACs of the rewritten graph.
      const m = ffmtChainMacs(c.original, c.spec as FfmtSpec)!;
      assert.ok(Math.abs(graphMacs(c.original) + m.tiled - m.original - graphMacs(c.tiled)) < 1e-6, 'MAC estimate');
    }
    const plan = planTiled(c.tiled);
    verifyTiledPlan(c.tiled, plan);
    checked++;
    return true;
  }), { seed: 20261124, numRuns: 800 });
  // The generator must actually produce rewrites, or the property proves nothing.
  assert.ok(checked >= 250, `only ${checked} of 800 random cases were tileable`);
});

test('random tiled chains exported as .tflite give identical outputs in real TFLite', async () => {
  const cases: Case[] = [];
  fc.assert(fc.property(rewriteArb, (v) => {
    const c = makeCase(v);
    if (c) cases.push(c);
    return true;
  }), { seed: 77, numRuns: 150 });
  assert.ok(cases.length >= 40, `only ${cases.length} tileable cases`);
  for (const c of cases) {
    const float = c.original.tensors[c.original.inputs[0]!]!.dtype === 'float32';
    const [want] = await runTflite(writeModel(c.original), [[c.input]]);
    const [got] = await runTflite(writeModel(c.tiled), [[c.input]]);
    assert.ok(same(got![0]!, want![0]!, float), 'TFLite outputs differ');
  }
});

test('discovery on random chains: every mode returns an equivalent graph with a valid, no larger plan', () => {
  let tiledSome = 0;
  fc.assert(fc.property(chainSpec, fc.constantFrom('fdt', 'ffmt', 'auto') as fc.Arbitrary<'fdt' | 'ffmt' | 'auto'>, (spec, mode) => {
    const g = buildChain(spec);
    if (!g) return true;
    const r = tileGraph(g, { mode, maxMacOverhead: 0.5 });
    verifyTiledPlan(r.graph, r.plan);
    assert.ok(r.peakBytes <= r.untiledPeakBytes);
    assert.ok(r.macs - r.untiledMacs <= 0.5 * r.untiledMacs);
    if (mode === 'fdt') assert.equal(r.macs, r.untiledMacs);
    const input = randomInput(g, spec.seed + 7);
    const float = spec.dtype === 'float32';
    assert.ok(same(runGraph(r.graph, [input])[0]!, runGraph(g, [input])[0]!, float), `${mode} outputs differ`);
    if (r.tilings.length) tiledSome++;
    return true;
  }), { seed: 4242, numRuns: 120 });
  assert.ok(tiledSome >= 10, `discovery tiled only ${tiledSome} random chains`);
});
