// Row chains (firmware/tiling/row-chain.ts, ROW_CHAIN, tr_row_chain_s8): the AoT engine fuses
// aww's nine conv layers and its global average pool, and micro_speech's depthwise conv and its
// fully connected layer, into one chain each; the arena drops to a few rows; export gives the
// original ops back; and the generated C gives exactly the separate ops' outputs — whole models
// with the reference and optimized kernels (speed and size) and both arithmetics, random chains
// (conv / depthwise / pointwise stages, kernels 1..5 either way, strides 1..2, SAME and VALID,
// depth multipliers 1..2, maps down to one row or column, ending in nothing, a global average
// pool, an FC or a RESHAPE + FC) likewise, and aww / micro_speech built by the pipeline with
// tiling auto on QEMU mps2-an386. Cores without DSP (RV32) run the untiled build's kernels per
// row / pixel (lower-row-chain-rows.ts): with that kernel selection on the host the whole models,
// the random chains, chains from a depthwise conv over one input channel to an FC, and random
// chains of 3x3 depthwise / conv / pointwise stages (each new kernel path asserted reached);
// micro_speech under fdt and aww under auto on QEMU riscv32 virt.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import type { Graph, Op } from '../../firmware/ir/graph.ts';
import { validateGraph } from '../../firmware/ir/validate.ts';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../../firmware/model-set/index.ts';
import { findRowChains, fuseRowChains, lowerForExport, tileGraph } from '../../firmware/tiling/index.ts';
import { codegenPlan, planTiled, verifyTiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { outputHex, runQemu } from '../../tools/qemu-aot.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './support/host-build.ts';
import { decode, mismatch } from './support/compare.ts';
import { RandomGraph, rng } from './support/random-ops.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const AOT_ENGINE = { partialSums: true, aliasReshape: true, streaming: true } as const;
type Variant = { kernels: 'reference' | 'optimized'; arithmetic: 'reference' | 'xnnpack'; optimize?: 'speed' | 'size'; boardFeatures?: { dsp: boolean; fpu: boolean } };
/** The kernel selection of cores without DSP (qemu-riscv32-virt's features). */
const NO_DSP = { dsp: false, fpu: false } as const;
const VARIANTS: Variant[] = [
  { kernels: 'optimized', arithmetic: 'reference', optimize: 'speed' },
  { kernels: 'optimized', arithmetic: 'reference', optimize: 'size' },
  { kernels: 'reference', arithmetic: 'reference' },
  { kernels: 'optimized', arithmetic: 'xnnpack' },
  { kernels: 'optimized', arithmetic: 'reference', optimize: 'speed', boardFeatures: NO_DSP },
];
const label = (v: Variant) => `${v.kernels} kernels${v.optimize ? ` (${v.optimize})` : ''}, ${v.arithmetic} arithmetic${v.boardFeatures?.dsp === false ? ', no DSP' : ''}`;

/** Runs `graph` (planned by the AoT engine) as C on the host; raw outputs per sample, and the
 * generated model's kernels and source. */
async function runCode(graph: Graph, inputs: Uint8Array[], v: Variant): Promise<{ outputs: Uint8Array[]; kernels: string[]; source: string }> {
  const plan = planTiled(graph, { planner: 'heuristic', aliasReshape: true, streaming: true });
  verifyTiledPlan(graph, plan);
  const out = generateAot(graph, codegenPlan(graph, plan), { modelName: 'row_chain', ...v });
  const exe = await buildHostModel(out.files, ['-DTR_DSP_EMULATE']);
  const raw = await runHostModel(exe, concatBytes(inputs), inputs.length);
  const per = raw.byteLength / inputs.length;
  return { outputs: inputs.map((_, k) => raw.subarray(k * per, (k + 1) * per)), kernels: out.kernels, source: out.files['tr_model_aot.c']! };
}

async function runC(graph: Graph, inputs: Uint8Array[], v: Variant): Promise<Uint8Array[]> {
  return (await runCode(graph, inputs, v)).outputs;
}

const chains = (g: Graph) => g.ops.filter((op) => op.kind === 'ROW_CHAIN');

/** Forces a chain's first stage: a depthwise conv over one input channel (depth multiplier
 * `multiplier`, windows up to 10 x 8 on maps up to 16 x 24: pixel quads, pairs, single and edge
 * pixels), and the FC end's unit count. */
interface OneChannelFirst { multiplier: number; units: number }

/** A random linear chain (see the header) on a random input; `end` picks the consumer.
 * `dw3x3`: every depthwise stage 3x3 with multiplier 1 (tr_dwconv_rv32.h's layers). */
function randomChain(r: RandomGraph, end: 'none' | 'pool' | 'fc' | 'reshape-fc', first?: OneChannelFirst, dw3x3 = false): { graph: Graph; input: Int8Array } {
  const stages = first ? r.int(1, 2) : end === 'none' ? r.int(2, 4) : r.int(1, 4);
  let [h, w, c] = first ? [r.int(1, 16), r.int(4, 24), 1] : [r.int(1, 9), r.int(1, 7), r.int(1, 5)];
  let scale = r.scale();
  let cur = r.input([1, h, w, c], 'int8', r.quant(scale));
  const input = Int8Array.from(r.int8Values(h * w * c));
  for (let s = 0; s < stages; s++) {
    const last = s === stages - 1;
    const kind = first && s === 0 ? 'depthwise' : r.pick(['conv', 'depthwise', 'pointwise'] as const);
    let kH = 1; let kW = 1; let strideH = 1; let strideW = 1; let padding: 'SAME' | 'VALID' = 'SAME';
    let oh = h; let ow = w;
    if (kind !== 'pointwise') {
      for (;;) {
        const big = first !== undefined && s === 0;
        kH = r.int(1, big ? 10 : 5); kW = r.int(1, big ? 8 : 5);
        if (dw3x3 && kind === 'depthwise') [kH, kW] = [3, 3];
        strideH = r.int(1, 2); strideW = r.int(1, 2); padding = r.pick(['SAME', 'VALID'] as const);
        oh = padding === 'SAME' ? Math.ceil(h / strideH) : Math.floor((h - kH) / strideH) + 1;
        ow = padding === 'SAME' ? Math.ceil(w / strideW) : Math.floor((w - kW) / strideW) + 1;
        if (oh >= 1 && ow >= 1) break;
      }
    }
    const dw = kind === 'depthwise';
    const dm = first && s === 0 ? first.multiplier : dw && !dw3x3 ? r.int(1, 2) : 1;
    const oc = dw ? c * dm : r.int(1, 6);
    const ws = Array.from({ length: oc }, () => Math.fround(0.002 + r.rand() * 0.02));
    const f = r.constant(dw ? [1, kH, kW, oc] : [oc, kH, kW, c], 'int8', r.int8Values(oc * kH * kW * (dw ? 1 : c)), { scale: ws, zeroPoint: ws.map(() => 0), axis: dw ? 3 : 0 });
    const b = r.rand() < 0.8 ? r.constant([oc], 'int32', Array.from({ length: oc }, () => r.int(-3000, 3000))) : -1;
    const outScale = Math.fround(scale * 0.01 * Math.sqrt(kH * kW * (dw ? 1 : c)) * 150 * (0.5 + r.rand()));
    const q = r.quant(outScale);
    let y: number;
    if (last && end === 'none') {
      y = r.output([1, oh, ow, oc], 'int8', q);
    } else {
      r.graph.tensors.push({ name: `t${r.graph.tensors.length}`, shape: [1, oh, ow, oc], dtype: 'int8', quant: q });
      y = r.graph.tensors.length - 1;
    }
    const options = { padding, strideH, strideW, dilationH: 1, dilationW: 1, activation: r.activation() };
    if (dw) r.op('DEPTHWISE_CONV_2D', [cur, f, b], [y], { ...options, depthMultiplier: dm });
    else r.op('CONV_2D', [cur, f, b], [y], options);
    [cur, h, w, c, scale] = [y, oh, ow, oc, outScale];
  }
  if (end === 'pool') {
    const y = r.output([1, 1, 1, c], 'int8', r.graph.tensors[cur]!.quant);
    r.op('AVERAGE_POOL_2D', [cur], [y], { padding: 'VALID', strideH: 1, strideW: 1, filterH: h, filterW: w, activation: r.activation() });
  } else if (end !== 'none') {
    let x = cur;
    if (end === 'reshape-fc') {
      const shape = r.constant([2], 'int32', [1, h * w * c]);
      r.graph.tensors.push({ name: `flat${r.graph.tensors.length}`, shape: [1, h * w * c], dtype: 'int8', quant: r.graph.tensors[cur]!.quant });
      x = r.graph.tensors.length - 1;
      r.op('RESHAPE', [cur, shape], [x], { newShape: [1, h * w * c] });
    }
    const units = first ? first.units : r.int(1, 6); const depth = h * w * c;
    const wf = r.constant([units, depth], 'int8', r.int8Values(units * depth), { scale: [Math.fround(0.002 + r.rand() * 0.02)], zeroPoint: [0], axis: 0 });
    const b = r.rand() < 0.8 ? r.constant([units], 'int32', Array.from({ length: units }, () => r.int(-3000, 3000))) : -1;
    const y = r.output([1, units], 'int8', r.quant(Math.fround(scale * 0.01 * Math.sqrt(depth) * 150 * (0.5 + r.rand()))));
    r.op('FULLY_CONNECTED', [x, wf, b], [y], { activation: r.activation(), keepNumDims: false });
  }
  validateGraph(r.graph);
  return { graph: r.graph, input };
}

describe('row chains', () => {
  it('aww and micro_speech: the AoT engine fuses one chain each, with its end; the arena drops to a few rows', () => {
    for (const [model, stages, end, peak] of [['aww', 9, 'AVERAGE_POOL_2D', 4768], ['micro_speech', 1, 'FULLY_CONNECTED', 2160]] as const) {
      const g = loadModel(modelPath(model));
      const r = tileGraph(g, { mode: 'auto', ...AOT_ENGINE });
      const cs = chains(r.graph);
      assert.equal(cs.length, 1, model);
      // fdt adds no work: aww's chain runs its pointwise layers pixel by pixel (a kernel call per
      // pixel), so fdt leaves it to auto; micro_speech's (whole rows) is taken by fdt too
      assert.equal(chains(tileGraph(g, { mode: 'fdt', ...AOT_ENGINE }).graph).length, model === 'aww' ? 0 : 1, `${model} under fdt`);
      const o = (cs[0] as Op<'ROW_CHAIN'>).options;
      assert.equal(o.stages.length, stages, model);
      assert.equal(o.end?.kind, end, model);
      validateGraph(r.graph);
      verifyTiledPlan(r.graph, r.plan);
      assert.ok(r.peakBytes <= peak, `${model}: peak ${r.peakBytes} > ${peak}`);
      assert.equal(r.macs, r.untiledMacs, `${model}: nothing is recomputed`);
      assert.deepEqual(r.tilings, [], `${model}: the chain needs less than any FDT/FFMT tiling`);
      // aww's four depthwise -> pointwise pairs run pixel by pixel through one shared pixel buffer.
      const pixels = Object.keys(r.plan.aliases).filter((t) => r.graph.tensors[Number(t)]!.name.includes('row_chain'));
      assert.equal(pixels.length, model === 'aww' ? 3 : 0, `${model}: shared pixel buffers`);
      // The end's int8 result is written in place over its int32 accumulators.
      const op = cs[0]!;
      assert.equal(r.plan.tensorOffsets.get(op.outputs[0]!), r.plan.tensorOffsets.get(op.outputs[stages + 1]!), `${model}: output in the accumulators`);
      // Without the AoT engine (TFLite-Micro builds) nothing is fused.
      assert.equal(chains(tileGraph(g, { mode: 'fdt' }).graph).length, 0);
    }
  });

  it('a chain stops where an intermediate is read elsewhere or is a model output', () => {
    const g = loadModel(modelPath('aww'));
    const [m] = findRowChains(g);
    assert.equal(m!.stages.length, 9);
    // The fourth layer's output as a model output: the chain ends there (no pool end) and a
    // second chain starts after it.
    const cut = g.ops[m!.stages[3]!]!.outputs[0]!;
    const found = findRowChains({ ...g, outputs: [...g.outputs, cut] });
    assert.deepEqual(found.map((x) => [x.stages.length, x.end !== undefined]), [[4, false], [5, true]]);
  });

  it('export lowers the chain back to the original ops with the same outputs', () => {
    for (const model of ['aww', 'micro_speech']) {
      const g = loadModel(modelPath(model));
      const fused = fuseRowChains(g);
      assert.equal(chains(fused).length, 1);
      const lowered = lowerForExport(fused);
      validateGraph(lowered);
      assert.deepEqual(lowered.ops.map((op) => op.kind), g.ops.map((op) => op.kind), model);
      for (const s of goldenSamples(model).slice(0, 2)) {
        assert.deepEqual(runGraph(lowered, [s.input], { arithmetic: 'reference' })[0], runGraph(g, [s.input], { arithmetic: 'reference' })[0]);
        assert.deepEqual(runGraph(fused, [s.input], { arithmetic: 'xnnpack' })[0], runGraph(g, [s.input], { arithmetic: 'xnnpack' })[0]);
      }
    }
  });

  for (const v of VARIANTS) {
    it(`aww and micro_speech whole models, chained by the AoT engine, ${label(v)}: C equals the untiled interpreter`, async () => {
      const failures: string[] = [];
      for (const model of ['aww', 'micro_speech']) {
        const g = loadModel(modelPath(model));
        const r = tileGraph(g, { mode: 'auto', ...AOT_ENGINE });
        assert.equal(chains(r.graph).length, 1);
        const samples = goldenSamples(model).slice(0, 3);
        const got = await runC(r.graph, samples.map((s) => bytesOf(s.input)), v);
        const t = r.graph.tensors[r.graph.outputs[0]!]!;
        samples.forEach((s, k) => {
          const e = mismatch(t, decode(t, got[k]!), runGraph(g, [s.input], { arithmetic: v.arithmetic })[0]!);
          if (e) failures.push(`${model} sample ${k}: ${e}`);
        });
      }
      assert.deepEqual(failures, []);
    });
  }

  it('random chains (conv / depthwise / pointwise stages, kernels 1..5, strides 1..2, SAME / VALID, ending in nothing, a pool, an FC or RESHAPE + FC): C equals the separate ops', async () => {
    const rand = rng(20261204);
    const ends = ['none', 'pool', 'fc', 'reshape-fc'] as const;
    const cases: { graph: Graph; fused: Graph; input: Int8Array }[] = [];
    for (let k = 0; k < 12; k++) {
      const { graph, input } = randomChain(new RandomGraph(rand), ends[k % ends.length]!);
      const fused = fuseRowChains(graph);
      assert.equal(chains(fused).length, 1, `case ${k} is fused`);
      validateGraph(fused);
      cases.push({ graph, fused, input });
    }
    const failures: string[] = [];
    let fcDeep = 0; let pwPixels = 0; let quadRows = 0;
    for (const [k, cs] of cases.entries()) {
      for (const v of VARIANTS) {
        const { outputs: [got], kernels } = await runCode(cs.fused, [bytesOf(cs.input)], v);
        if (kernels.includes('tr_row_chain_fc_deep')) fcDeep++;
        if (kernels.includes('tr_fc_row_rv32_layer')) pwPixels++;
        if (kernels.includes('tr_conv_quad_rv32_layer')) quadRows++;
        const t = cs.fused.tensors[cs.fused.outputs[0]!]!;
        const want = runGraph(cs.graph, [cs.input], { arithmetic: v.arithmetic })[0]!;
        const e = mismatch(t, decode(t, got!), want);
        if (e) failures.push(`case ${k} (${label(v)}, ${cs.graph.ops.map((op) => op.kind).join(' ')}): ${e}`);
      }
    }
    assert.deepEqual(failures, []);
    // the FC ends with the speed kernels (host: DSP allowed) ran the generated row function,
    // without DSP the pointwise halves of pixel pairs the FC-row kernel, conv rows the quad kernel
    assert.ok(fcDeep > 0, 'tr_row_chain_fc_deep reached');
    assert.ok(pwPixels > 0, 'tr_fc_row_rv32_layer reached');
    assert.ok(quadRows > 0, 'tr_conv_quad_rv32_layer reached');
  });

  it('cores without DSP: chains from a depthwise conv over one input channel to an FC run the untiled build\'s kernels row by row (tr_dw1in_rv32_row, tr_row_chain_fc_rv32), both arithmetics: C equals the separate ops', async () => {
    const rand = rng(20261203);
    // depth multipliers around the kernel's 8-channel groups (pair and quad blocks from 8 on,
    // channels left over), FC units around its blocks of 8 and 4 and the single units
    const firsts: OneChannelFirst[] = [
      { multiplier: 8, units: 4 }, { multiplier: 2, units: 1 }, { multiplier: 12, units: 8 }, { multiplier: 3, units: 13 },
      { multiplier: 16, units: 6 }, { multiplier: 10, units: 12 }, { multiplier: 8, units: 9 }, { multiplier: 5, units: 3 },
      { multiplier: 9, units: 2 }, { multiplier: 8, units: 5 },
    ];
    const variants: Variant[] = [
      { kernels: 'optimized', arithmetic: 'reference', optimize: 'speed', boardFeatures: NO_DSP },
      { kernels: 'optimized', arithmetic: 'xnnpack', optimize: 'speed', boardFeatures: NO_DSP },
    ];
    const failures: string[] = [];
    const reached = { fcRows: 0, rowFns: 0, rq32: 0, otherRq: 0, quads: 0, pairsOrSingles: 0, edges: 0, leftover: 0, padRows: 0 };
    // the row function's call: channels, then the interior outputs [ox0, ox1) and the row width
    const call = /tr_dw1in_rv32_row\(&\w+, (\w+), \w+ \+ w \* (\d+), \w+, in - ky0 \* \d+, \w+, out, ky0, ky1, (\d+), (\d+), (\d+),/;
    for (const [k, f] of firsts.entries()) {
      const { graph, input } = randomChain(new RandomGraph(rand), k % 2 ? 'reshape-fc' : 'fc', f);
      const fused = fuseRowChains(graph);
      assert.equal(chains(fused).length, 1, `case ${k} is fused`);
      validateGraph(fused);
      for (const v of variants) {
        const { outputs: [got], kernels, source } = await runCode(fused, [bytesOf(input)], v);
        const t = fused.tensors[fused.outputs[0]!]!;
        const e = mismatch(t, decode(t, got!), runGraph(graph, [input], { arithmetic: v.arithmetic })[0]!);
        if (e) failures.push(`case ${k} (${label(v)}, ${graph.ops.map((op) => op.kind).join(' ')}): ${e}`);
        if (kernels.includes('tr_row_chain_fc_rv32')) reached.fcRows++;
        const m = call.exec(source);
        if (!m) continue;
        reached.rowFns++;
        const [C, ox0, ox1, outW] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
        if (m[1] !== 'NULL') reached.rq32++; else reached.otherRq++;
        if (C >= 8 && ox1 - ox0 >= 4) reached.quads++;
        if ((ox1 - ox0) % 4 !== 0) reached.pairsOrSingles++;
        if (ox0 > 0 || ox1 < outW) reached.edges++;
        if (C > 8 && C % 8 !== 0) reached.leftover++;
        if (/op\d+_s0_ky\[\d+\] __attribute__\(\(aligned\(4\)\)\) = \{\n  [1-9]/.test(source)) reached.padRows++;
      }
    }
    assert.deepEqual(failures, []);
    // every FC end, and every first stage not fed pixel by pixel into a pointwise one
    assert.equal(reached.fcRows, firsts.length * variants.length);
    assert.ok(reached.rowFns >= firsts.length, `row functions: ${JSON.stringify(reached)}`);
    for (const [what, n] of Object.entries(reached)) assert.ok(n > 0, `${what} not reached: ${JSON.stringify(reached)}`);
  });

  it('cores without DSP: random chains with 3x3 depthwise stages (whole rows and the first halves of pixel pairs), convs and pointwise stages run the untiled build\'s kernels per row / pixel, both arithmetics: C equals the separate ops', async () => {
    const rand = rng(20261205);
    const ends = ['none', 'pool', 'fc', 'reshape-fc'] as const;
    const variants: Variant[] = [
      { kernels: 'optimized', arithmetic: 'reference', optimize: 'speed', boardFeatures: NO_DSP },
      { kernels: 'optimized', arithmetic: 'xnnpack', optimize: 'speed', boardFeatures: NO_DSP },
    ];
    const failures: string[] = [];
    const reached = new Map<string, number>();
    for (let k = 0; k < 16; k++) {
      const { graph, input } = randomChain(new RandomGraph(rand), ends[k % ends.length]!, undefined, true);
      const fused = fuseRowChains(graph);
      assert.equal(chains(fused).length, 1, `case ${k} is fused`);
      validateGraph(fused);
      for (const v of variants) {
        const { outputs: [got], kernels } = await runCode(fused, [bytesOf(input)], v);
        for (const kn of kernels) reached.set(kn, (reached.get(kn) ?? 0) + 1);
        const t = fused.tensors[fused.outputs[0]!]!;
        const e = mismatch(t, decode(t, got!), runGraph(graph, [input], { arithmetic: v.arithmetic })[0]!);
        if (e) failures.push(`case ${k} (${label(v)}, ${graph.ops.map((op) => op.kind).join(' ')}): ${e}`);
      }
    }
    assert.deepEqual(failures, []);
    for (const kn of ['tr_dw3x3_rv32_layer', 'tr_dw3x3_rv32_raster', 'tr_conv_quad_rv32_layer', 'tr_fc_row_rv32_layer', 'tr_row_chain_fc_rv32']) {
      assert.ok((reached.get(kn) ?? 0) > 0, `${kn} not reached: ${JSON.stringify([...reached])}`);
    }
  });

  // The build pipeline (tinyrack build --backend aot --tiling auto) on the Cortex-M4 with the
  // native DSP instructions: speed kernels (wide wrappers per row / pixel) and size kernels.
  for (const model of ['aww', 'micro_speech']) {
    for (const optimize of ['speed', 'size'] as const) {
      it(`${model} built with tiling auto (${optimize} kernels) on QEMU mps2-an386: output equals the interpreter's`, async (t) => {
        const have = async (tool: string) => (await execa('which', [tool], { reject: false })).exitCode === 0;
        if (!(await have('arm-none-eabi-gcc')) || !(await have('qemu-system-arm'))) return t.skip('arm-none-eabi-gcc or qemu-system-arm not installed');
        const build = await buildFirmware({ model, board: 'qemu-mps2-an386', backend: 'aot', tiling: 'auto', optimize, reps: 1, warmup: 0, sample: 0 });
        assert.ok(build.arenaBytes <= (model === 'aww' ? 4768 : 2160), `arena ${build.arenaBytes}`);
        const stdout = await runQemu(build.elfPath, 180_000);
        assert.match(stdout, /END status=0/, stdout.slice(-500));
        const want = runGraph(loadModel(modelPath(model)), [goldenSamples(model)[0]!.input], { arithmetic: 'reference' })[0]!;
        assert.equal(outputHex(stdout), Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
        // micro_speech's FC end: the untiled FC's kernel per row with the speed kernels only
        const source = readFileSync(join(build.buildDir, 'src', 'tr_model_aot.c'), 'utf8');
        if (model === 'micro_speech') assert.equal(source.includes('tr_row_chain_fc_deep('), optimize === 'speed');
      });
    }
  }

  // Cores without DSP: micro_speech's chain (fdt) and aww's (auto) run the untiled build's RV32
  // kernels row by row (pixel by pixel for aww's pointwise halves) on the board whose
  // instructions bench:speed counts.
  for (const [model, tiling, fns] of [
    ['micro_speech', 'fdt', ['tr_dw1in_rv32_row(', 'tr_row_chain_fc_rv32(']],
    ['aww', 'auto', ['tr_fc_row_rv32_layer(', 'tr_conv_quad_rv32_layer(']],
  ] as const) {
    it(`${model} built with tiling ${tiling} on QEMU riscv32 virt: the RV32 row functions, output equals the interpreter's`, async (t) => {
      const have = async (tool: string) => (await execa('which', [tool], { reject: false })).exitCode === 0;
      if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
      const board = 'qemu-riscv32-virt';
      const build = await buildFirmware({ model, board, backend: 'aot', tiling, optimize: 'speed', reps: 1, warmup: 0, sample: 0 });
      assert.ok(build.arenaBytes <= (model === 'aww' ? 4768 : 2160), `arena ${build.arenaBytes}`);
      const source = readFileSync(join(build.buildDir, 'src', 'tr_model_aot.c'), 'utf8');
      for (const fn of ['tr_row_chain_s8(', ...fns]) assert.ok(source.includes(fn), fn);
      // rq32Rows proves the one-mulh requantization for micro_speech's layer
      if (model === 'micro_speech') assert.match(source, /tr_dw1in_rv32_row\(&\w+, op\d+_s0_rq32,/);
      const stdout = await runQemu(build.elfPath, 180_000, board);
      assert.match(stdout, /END status=0/, stdout.slice(-500));
      const want = runGraph(loadModel(modelPath(model)), [goldenSamples(model)[0]!.input], { arithmetic: 'reference' })[0]!;
      assert.equal(outputHex(stdout), Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
    });
  }
});
