// Property tests (fast-check, fixed seeds) for FDT's partial-sum ending: on random small int8
// networks (random-chain.ts: conv / depthwise / pools / PAD / residual, optional dense head),
// every path that ends in a CONV_2D or FULLY_CONNECTED split by input channels, with any
// partition count, computes exactly the untiled outputs in the interpreter (both integer
// arithmetics), adds no MACs, plans validly, and — exported (lowered to CONCATENATION + the
// original op) — gives the same outputs in real TFLite. Likewise FFMT paths whose tiles are summed
// into a global AVERAGE_POOL_2D appended to the chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
import { validateGraph } from '../../firmware/ir/validate.ts';
import { writeModel } from '../../firmware/model/writer.ts';
import { graphMacs } from '../../firmware/tiling/discover.ts';
import { exportTiledModel, hasInternalOps } from '../../firmware/tiling/export.ts';
import { applyFdtPartial, findFdtPartialPaths } from '../../firmware/tiling/fdt-partial.ts';
import { applyFfmtPool, globalPoolAfter, tileGraph } from '../../firmware/tiling/index.ts';
import { findFfmtPaths } from '../../firmware/tiling/ffmt.ts';
import { planTiled, verifyTiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { runTflite } from '../helpers/tflite-runtime.ts';
import { buildChain, chainSpec, randomInput, type ChainSpec, type LayerSpec } from './random-chain.ts';
import type { Activation, Padding } from '../../firmware/ir/graph.ts';

const int8Spec = chainSpec.map((s) => ({ ...s, dtype: 'int8' as const }));
// Chains shaped for the ending: a conv that can start an FDT path, per-channel ops, then a
// consumer (a second conv, or the dense head), plus random layers before and after.
const act = fc.constantFrom<Activation>('NONE', 'RELU', 'RELU6');
const pad = fc.constantFrom<Padding>('SAME', 'VALID');
const conv = fc.record({ kind: fc.constant('conv' as const), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), padding: pad, cout: fc.integer({ min: 2, max: 8 }), act });
const perChannel: fc.Arbitrary<LayerSpec> = fc.oneof(
  fc.record({ kind: fc.constant('dw' as const), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), padding: pad, act }),
  fc.record({ kind: fc.constantFrom('maxpool' as const, 'avgpool' as const), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), padding: fc.constant<Padding>('VALID') }),
);
const endingSpec: fc.Arbitrary<ChainSpec> = fc.record({
  h: fc.integer({ min: 3, max: 10 }), w: fc.integer({ min: 3, max: 10 }), c: fc.integer({ min: 1, max: 4 }),
  start: conv, middle: fc.array(perChannel, { maxLength: 2 }), end: fc.option(conv, { nil: undefined }),
  dense: fc.constantFrom(0, 3, 7), seed: fc.integer({ min: 1, max: 1 << 30 }),
}).map(({ start, middle, end, ...r }) => ({ ...r, dtype: 'int8' as const, layers: [start, ...middle, ...(end ? [end] : [])] }));
const caseArb = fc.record({ spec: endingSpec, pick: fc.nat(), parts: fc.integer({ min: 2, max: 8 }) });

function equal(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Case { original: Graph; tiled: Graph; input: Int8Array | Float32Array; ending: string }

function makeCase(v: { spec: ChainSpec; pick: number; parts: number }): Case | undefined {
  const g = buildChain(v.spec);
  if (!g) return undefined;
  const paths = findFdtPartialPaths(g);
  if (paths.length === 0) return undefined;
  const ops = paths[v.pick % paths.length]!;
  const tiled = applyFdtPartial(g, { ops, partitions: v.parts });
  if (!tiled) return undefined;
  return { original: g, tiled, input: randomInput(g, v.spec.seed + 3), ending: g.ops[ops[ops.length - 1]!]!.kind };
}

test('any partial-sum ending of a random chain is exact in the interpreter (both arithmetics)', () => {
  const endings = new Map<string, number>();
  fc.assert(fc.property(caseArb, (v) => {
    const c = makeCase(v);
    if (!c) return true;
    validateGraph(c.tiled);
    assert.ok(hasInternalOps(c.tiled));
    for (const arithmetic of ['xnnpack', 'reference'] as const) {
      assert.ok(equal(runGraph(c.tiled, [c.input], { arithmetic })[0]!, runGraph(c.original, [c.input], { arithmetic })[0]!), `${arithmetic} outputs differ`);
    }
    assert.equal(graphMacs(c.tiled), graphMacs(c.original));
    verifyTiledPlan(c.tiled, planTiled(c.tiled));
    endings.set(c.ending, (endings.get(c.ending) ?? 0) + 1);
    return true;
  }), { seed: 31337, numRuns: 500 });
  // Both endings must actually be exercised, or the property proves little.
  assert.ok((endings.get('CONV_2D') ?? 0) >= 40, `conv endings: ${endings.get('CONV_2D') ?? 0}`);
  assert.ok((endings.get('FULLY_CONNECTED') ?? 0) >= 20, `FC endings: ${endings.get('FULLY_CONNECTED') ?? 0}`);
});

test('random partial-sum rewrites, exported, give identical outputs in real TFLite', async () => {
  const cases: Case[] = [];
  fc.assert(fc.property(caseArb, (v) => {
    const c = makeCase(v);
    if (c) cases.push(c);
    return true;
  }), { seed: 99, numRuns: 120 });
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
  for (const c of cases) {
    const ex = exportTiledModel(c.tiled);
    assert.ok(!hasInternalOps(ex.graph));
    assert.equal(ex.plan.inPlace.size, 0);
    const [want] = await runTflite(writeModel(c.original), [[c.input]]);
    const [got] = await runTflite(ex.bytes, [[c.input]]);
    assert.ok(equal(got![0]!, want![0]!), 'TFLite outputs differ');
    // And the interpreter's xnnpack arithmetic is what TFLite computes.
    assert.ok(equal(runGraph(c.tiled, [c.input], { arithmetic: 'xnnpack' })[0]!, got![0]!), 'interpreter vs TFLite');
  }
});

test('discovery with partial sums on random int8 chains: equivalent graph, valid plan, no larger peak', () => {
  fc.assert(fc.property(int8Spec, fc.constantFrom('fdt', 'auto') as fc.Arbitrary<'fdt' | 'auto'>, (spec, mode) => {
    const g = buildChain(spec);
    if (!g) return true;
    const r = tileGraph(g, { mode, maxMacOverhead: 0.5, partialSums: true });
    verifyTiledPlan(r.graph, r.plan);
    assert.ok(r.peakBytes <= r.untiledPeakBytes);
    if (mode === 'fdt') assert.equal(r.macs, r.untiledMacs);
    const input = randomInput(g, spec.seed + 9);
    for (const arithmetic of ['xnnpack', 'reference'] as const) {
      assert.ok(equal(runGraph(r.graph, [input], { arithmetic })[0]!, runGraph(g, [input], { arithmetic })[0]!), `${mode} ${arithmetic} outputs differ`);
    }
    return true;
  }), { seed: 2718, numRuns: 80 });
});

/** The chain's output map averaged by a global AVERAGE_POOL_2D (the new graph output). */
function withGlobalPool(g: Graph): Graph | undefined {
  const outId = g.outputs[0]!;
  const t = g.tensors[outId]!;
  if (t.shape.length !== 4 || t.dtype !== 'int8') return undefined;
  const [n, h, w, c] = t.shape as [number, number, number, number];
  g.tensors.push({ name: 'gap/out', shape: [n, 1, 1, c], dtype: 'int8', ...(t.quant ? { quant: { scale: [...t.quant.scale], zeroPoint: [...t.quant.zeroPoint], axis: 0 } } : {}) });
  const pooled = g.tensors.length - 1;
  g.ops.push({ kind: 'AVERAGE_POOL_2D', inputs: [outId], outputs: [pooled], name: 'gap', options: { padding: 'VALID', strideH: 1, strideW: 1, filterH: h, filterW: w, activation: 'NONE' } });
  g.outputs = [pooled];
  return g;
}

const poolArb = fc.record({ spec: int8Spec.map((s) => ({ ...s, dense: 0 })), pick: fc.nat(), tilesH: fc.integer({ min: 1, max: 4 }), tilesW: fc.integer({ min: 1, max: 4 }) });

function makePoolCase(v: { spec: ChainSpec; pick: number; tilesH: number; tilesW: number }): Case | undefined {
  const built = buildChain(v.spec);
  const g = built && withGlobalPool(built);
  if (!g || v.tilesH * v.tilesW < 2) return undefined;
  const paths = findFfmtPaths(g).filter((p) => globalPoolAfter(g, p[p.length - 1]!) >= 0);
  if (paths.length === 0) return undefined;
  const tiled = applyFfmtPool(g, { ops: paths[v.pick % paths.length]!, tilesH: v.tilesH, tilesW: v.tilesW });
  if (!tiled) return undefined;
  return { original: g, tiled, input: randomInput(g, v.spec.seed + 5), ending: 'AVERAGE_POOL_2D' };
}

test('any FFMT pool ending of a random chain is exact in the interpreter and, exported, in real TFLite', async () => {
  const cases: Case[] = [];
  fc.assert(fc.property(poolArb, (v) => {
    const c = makePoolCase(v);
    if (!c) return true;
    validateGraph(c.tiled);
    for (const arithmetic of ['xnnpack', 'reference'] as const) {
      assert.ok(equal(runGraph(c.tiled, [c.input], { arithmetic })[0]!, runGraph(c.original, [c.input], { arithmetic })[0]!), `${arithmetic} outputs differ`);
    }
    verifyTiledPlan(c.tiled, planTiled(c.tiled));
    cases.push(c);
    return true;
  }), { seed: 4711, numRuns: 300 });
  assert.ok(cases.length >= 60, `only ${cases.length} pool-ending cases`);
  for (const c of cases.slice(0, 40)) {
    const ex = exportTiledModel(c.tiled);
    const [want] = await runTflite(writeModel(c.original), [[c.input]]);
    const [got] = await runTflite(ex.bytes, [[c.input]]);
    assert.ok(equal(got![0]!, want![0]!), 'TFLite outputs differ');
  }
});
