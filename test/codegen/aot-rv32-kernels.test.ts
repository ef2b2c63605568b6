// The register-blocked kernels for cores without DSP (tr_conv_rv32.h, chosen by
// lower-scalar.ts for optimize 'speed' on such targets) against the reference interpreter, in
// both int8 arithmetics: on the host, and on QEMU riscv32 virt (rv32imac, the code the
// benchmark measures). The shape-targeted cases of every kernel variant (support/
// kernel-cases.ts) plus the shapes this blocking must get right: channel counts around the
// blocks of 8 and 4, windows partly or wholly in the padding on every side, wide strides,
// batches, fully-connected layers with one and several batch rows. Every output must match
// bit for bit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { runGraph, runGraphAll, type TensorData } from '../../firmware/interp/interpreter.ts';
import { fuseResidualBlocks } from '../../firmware/tiling/index.ts';
import { codegenPlan, planTiled, verifyTiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './support/host-build.ts';
import { graphOutputMismatches } from './support/compare.ts';
import { assertHostOutputsMatch, assertQemuOutputsMatch, have } from './support/kernel-runs.ts';
import { addConvCase, addFcCase, kernelCases } from './support/kernel-cases.ts';
import { gapPlan } from './support/gap-plan.ts';
import { RandomGraph, randomInput, rng } from './support/random-ops.ts';
import { runMany } from '../../firmware/runner/index.ts';
import { ARITHMETICS } from '../../wire/vocabulary.ts';
import { reverseWindowLag, streamInputs, windowLag } from '../../firmware/plan/streaming.ts';
import { leadingPad } from '../../firmware/ir/shape.ts';
import { DW_ROW_MAX } from '../../firmware/codegen/aot/lower-scalar-depthwise.ts';
import { quadWalkLag } from '../../firmware/codegen/aot/rv32-quad-walk.ts';
import type { ScalarConvLayer } from '../../firmware/codegen/aot/lower-scalar.ts';

const RV32_BOARD = 'qemu-riscv32-virt';
const NO_DSP = { dsp: false, fpu: false } as const;

const g = new RandomGraph(rng(32));
kernelCases(g);
// blocks of 8 output channels, a block of 4, single channels: every combination
for (const C of [8, 12, 15, 17, 20, 3]) addConvCase(g, { h: 5, w: 7, inC: 6, outC: C, kH: 3, kW: 3 });
for (const C of [9, 13, 24]) addConvCase(g, { h: 3, w: 5, inC: 11, outC: C, kH: 1, kW: 1 });
// windows wholly in the padding (a 5x5 window over a 2x3 map), wide windows clipped on both
// sides, stride 3, odd output widths (a single pixel after the pairs), batches
addConvCase(g, { h: 2, w: 3, inC: 3, outC: 10, kH: 5, kW: 5, strideH: 2, strideW: 2 });
addConvCase(g, { h: 4, w: 9, inC: 2, outC: 9, kH: 3, kW: 7, strideW: 3 });
addConvCase(g, { n: 2, h: 7, w: 7, inC: 5, outC: 16, kH: 3, kW: 3, strideH: 2, strideW: 2 });
addConvCase(g, { h: 6, w: 11, inC: 1, outC: 8, kH: 4, kW: 3, padding: 'VALID' });
// 3x3 depthwise (tr_dwconv_rv32.h): one to nine channels, strides 1 and 2, SAME and VALID,
// maps narrower than the window (no interior pixel), batches
for (const c of [
  { h: 6, w: 7, inC: 1 }, { h: 5, w: 5, inC: 7, strideH: 2, strideW: 2 }, { n: 2, h: 4, w: 6, inC: 9 },
  { h: 2, w: 1, inC: 3 }, { h: 7, w: 6, inC: 5, strideW: 2, padding: 'VALID' as const }, { h: 3, w: 3, inC: 2, strideH: 2, strideW: 2, padding: 'VALID' as const },
]) addConvCase(g, { ...c, depthwise: true, outC: c.inC, kH: 3, kW: 3 });
// rows of at most DW_ROW_MAX pixels take the unrolled row walk (tr_dw3x3_rv32_row): odd and
// even widths, strides 1 and 2, channel counts of 1 to 17, VALID (no border), batches
for (const c of [
  { h: 5, w: 9, inC: 13 }, { h: 6, w: 10, inC: 4, strideH: 2, strideW: 2 }, { h: 4, w: 8, inC: 17, padding: 'VALID' as const },
  { n: 2, h: 7, w: 11, inC: 6, strideW: 2 }, { h: 3, w: 13, inC: 2, padding: 'VALID' as const, strideH: 2, strideW: 2 },
]) addConvCase(g, { ...c, depthwise: true, outC: c.inC, kH: 3, kW: 3 });
// wider rows, taller than wide: the column walk, columns clipped left, right or not at all,
// column runs of quads, a pair and singles, strides 1 and 2, VALID, batches
for (const c of [
  { h: 29, w: 25, inC: 2 }, { h: 59, w: 51, inC: 1, strideH: 2, strideW: 2 }, { h: 29, w: 27, inC: 3, padding: 'VALID' as const },
  { n: 2, h: 26, w: 25, inC: 1 },
]) addConvCase(g, { ...c, depthwise: true, outC: c.inC, kH: 3, kW: 3 });
// wider rows, wider than tall: pixel by pixel, interior runs of quads, a pair and a single
// (27 = 6 * 4 + 2 + 1, 26), strides 1 and 2, VALID
for (const c of [
  { h: 4, w: 29, inC: 3 }, { h: 5, w: 55, inC: 2, strideH: 2, strideW: 2 }, { h: 4, w: 28, inC: 5, padding: 'VALID' as const },
]) addConvCase(g, { ...c, depthwise: true, outC: c.inC, kH: 3, kW: 3 });
// the cases above span both sides of the row walk's bound
assert.ok(DW_ROW_MAX < 25);
// one input channel, depth multiplier > 1 (tr_dwconv1in_rv32.h, micro_speech's 1 -> 8 channel
// 10x8 stride-2 layer): blocks of 8 channels and the channels left over (3, 10, 12, 13), pixel
// quads and pairs, single interior pixels, windows over every edge or wholly in the padding, batches
for (const c of [
  { h: 15, w: 14, kH: 10, kW: 8, strideH: 2, strideW: 2, multiplier: 8 }, { h: 9, w: 11, kH: 3, kW: 3, multiplier: 12 },
  { n: 2, h: 7, w: 10, kH: 5, kW: 4, strideW: 3, multiplier: 3 }, { h: 6, w: 9, kH: 4, kW: 6, strideH: 2, strideW: 2, multiplier: 13, padding: 'VALID' as const },
  { h: 2, w: 3, kH: 5, kW: 7, multiplier: 8 }, { h: 8, w: 16, kH: 3, kW: 16, multiplier: 16 },
  // interior runs of 4-pixel blocks, then a pair and a single (stride 2: micro_speech's window)
  { h: 12, w: 30, kH: 10, kW: 8, strideH: 2, strideW: 2, multiplier: 8 }, { h: 9, w: 25, kH: 5, kW: 4, strideW: 2, multiplier: 10 },
]) addConvCase(g, { ...c, depthwise: true, inC: 1, outC: c.multiplier });
// one input and one output channel (tr_conv1ch_rv32.h, FDT's partitions of micro_speech's
// and vww's one-channel depthwise convs): blocks of four pixels and the single ones after
// them, windows crossing every edge or wholly in the padding, batches, plain convs
for (const c of [
  { h: 13, w: 12, kH: 10, kW: 8, strideH: 2, strideW: 2, depthwise: true }, { h: 9, w: 14, kH: 3, kW: 3, strideH: 2, strideW: 2, depthwise: true },
  { n: 2, h: 5, w: 23, kH: 2, kW: 3 }, { h: 3, w: 4, kH: 5, kW: 5 }, { h: 8, w: 17, kH: 4, kW: 3, strideH: 3, strideW: 3, padding: 'VALID' as const },
]) addConvCase(g, { ...c, inC: 1, outC: 1 });
// the quad kernel (tr_conv_quad_rv32.h, 4 pixels x 4 channels, per-layer literals): channel
// counts around its blocks of 4 (a partial last block of 1 to 3), rows of quads and the 1 to 3
// single pixels after them, run lengths L = KW * CIN with every remainder mod 4 (the unrolled
// tails), strides 1 to 3 with quads reading windows apart, windows clipped on every side,
// 1x1 convs with P % 4 = 1..3 flattened pixels and a batch, random shapes
for (const [inC, outC] of [[1, 5], [2, 6], [3, 7], [5, 4], [7, 9], [4, 2]] as const) {
  addConvCase(g, { h: 6, w: 9, inC, outC, kH: 3, kW: 3, strideW: inC % 2 + 1 });
}
addConvCase(g, { h: 9, w: 13, inC: 3, outC: 8, kH: 3, kW: 3, strideH: 2, strideW: 2 });
addConvCase(g, { h: 7, w: 19, inC: 2, outC: 11, kH: 2, kW: 5, strideW: 3, padding: 'VALID' });
addConvCase(g, { h: 10, w: 4, inC: 1, outC: 13, kH: 10, kW: 4, padding: 'VALID' });
// maps wide enough for quads of windows inside the input (the walker over the input): quads
// then 1 to 3 single pixels per row, border rows and columns, windows over K > 64 values
for (const c of [
  { h: 5, w: 21, inC: 8, outC: 6, kH: 3, kW: 3 }, { h: 6, w: 30, inC: 3, outC: 9, kH: 3, kW: 3, strideH: 2, strideW: 2 },
  { h: 4, w: 18, inC: 5, outC: 4, kH: 2, kW: 5, padding: 'VALID' as const }, { h: 7, w: 27, inC: 9, outC: 11, kH: 3, kW: 3, strideW: 3 },
  { n: 2, h: 3, w: 14, inC: 13, outC: 3, kH: 3, kW: 3 },
]) addConvCase(g, c);
// narrow maps under wide windows (aww's first layer: 10x4 over 10 columns), where the variant
// gathering each quad's windows into a buffer serves: quads across output rows, windows
// clipped on every side, 1 to 3 pixels after the last quad, a batch
addConvCase(g, { h: 13, w: 6, inC: 1, outC: 10, kH: 6, kW: 4, strideH: 2, strideW: 2 });
addConvCase(g, { h: 9, w: 3, inC: 2, outC: 7, kH: 5, kW: 3 });
addConvCase(g, { n: 2, h: 5, w: 4, inC: 3, outC: 5, kH: 4, kW: 4, strideW: 3 });
for (const [h, w, inC, outC] of [[3, 7, 16, 10], [5, 3, 9, 3], [2, 5, 33, 17], [4, 4, 6, 14]] as const) addConvCase(g, { h, w, inC, outC, kH: 1, kW: 1 });
addConvCase(g, { n: 3, h: 3, w: 3, inC: 5, outC: 6, kH: 1, kW: 1 });
{
  const r = rng(321);
  const pick = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  for (let i = 0; i < 6; i++) {
    const kH = pick(1, 5); const kW = pick(1, 5);
    addConvCase(g, {
      h: pick(kH, 11), w: pick(kW, 14), inC: pick(1, 9), outC: pick(1, 19), kH, kW,
      strideH: pick(1, 3), strideW: pick(1, 3), padding: r() < 0.5 ? 'SAME' : 'VALID',
    });
  }
}
// fully connected: one row, odd batch counts (pairs and a single row)
for (const [B, D, O] of [[1, 33, 17], [3, 19, 12], [1, 640, 8]] as const) addFcCase(g, B, D, O);
// one row per layer (tr_fc_row_rv32.h): depths with every remainder mod 4, passes of 16 and 8
// channels, a pass of 4, single channels after them, two rows; four rows of 96 (pixel pairs: tr_conv_rv32.h)
for (const [B, D, O] of [[1, 5, 4], [1, 66, 29], [1, 127, 20], [1, 130, 3], [1, 12, 1], [2, 23, 14], [4, 96, 24], [1, 41, 47], [1, 300, 16]] as const) addFcCase(g, B, D, O);
// layers whose channel 0 is special (the other channels' outputs are not clamped):
// - 'big': bias 2^29, where 4 * its accumulator leaves int32, but every accumulator its weights
//   allow saturates to 127: rq32Rows gives it the constant row { 0, 127, 0 };
// - 'wide': a filter scale that makes its multiplier 2 (a left shift: MultiplyByQuantizedMultiplier
//   itself, TR_RQ_MBQM) and outputs spanning -128..127: rq32Rows refuses the layer, so the quad
//   and FC-row kernels must keep the library's requantization there;
// - 'dead': all-zero weights under that scale (vww's layers have such channels): one
//   accumulator, the constant row again, in a layer of TR_RQ_MBQM.
// (the random cases above all get the rq32 form in the reference arithmetic)
function addChannel0Layer(conv: { h: number; w: number; inC: number; outC: number; kH: number; kW: number } | { depth: number; outDepth: number },
  kind: 'big' | 'wide' | 'dead'): void {
  const xs = g.scale(); const ws = 0.01;
  const fc = 'depth' in conv;
  const wShape = fc ? [conv.outDepth, conv.depth] : [conv.outC, conv.kH, conv.kW, conv.inC];
  const C = fc ? conv.outDepth : conv.outC;
  const K = fc ? conv.depth : conv.kH * conv.kW * conv.inC;
  const ys = Math.fround(xs * ws * Math.sqrt(K) * 120);
  const x = g.input(fc ? [1, conv.depth] : [1, conv.h, conv.w, conv.inC], 'int8', g.quant(xs));
  const values = g.int8Values(K * C);
  if (kind === 'dead') values.fill(0, 0, K);
  const scales = new Array(C).fill(ws);
  if (kind !== 'big') scales[0] = Math.fround((2 * ys) / xs);
  const w = g.constant(wShape, 'int8', values, { scale: scales, zeroPoint: new Array(C).fill(0), axis: 0 });
  const b = g.constant([C], 'int32', Array.from({ length: C }, (_, c) => (c === 0 && kind === 'big' ? 2 ** 29 : c === 0 ? 17 : g.int(-3000, 3000))));
  const y = g.output(fc ? [1, C] : [1, conv.h, conv.w, C], 'int8', g.quant(ys));
  if (fc) g.op('FULLY_CONNECTED', [x, w, b], [y], { activation: 'NONE', keepNumDims: false } as never);
  else g.op('CONV_2D', [x, w, b], [y], { padding: 'SAME', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, activation: 'NONE' } as never);
}
addChannel0Layer({ h: 5, w: 13, inC: 4, outC: 6, kH: 3, kW: 3 }, 'big');
addChannel0Layer({ h: 3, w: 6, inC: 12, outC: 9, kH: 1, kW: 1 }, 'big');
addChannel0Layer({ depth: 66, outDepth: 29 }, 'big');
addChannel0Layer({ h: 5, w: 13, inC: 4, outC: 6, kH: 3, kW: 3 }, 'wide');
addChannel0Layer({ depth: 66, outDepth: 29 }, 'wide');
addChannel0Layer({ h: 3, w: 6, inC: 12, outC: 9, kH: 1, kW: 1 }, 'dead');
addChannel0Layer({ depth: 66, outDepth: 29 }, 'dead');
const graph = g.graph;
const inputs = graph.inputs.map((id) => randomInput(g, graph.tensors[id]!));
const plan = planGraph(graph, {});

/** Kernels the cases must reach on a core without DSP (each instance name ends in its arithmetic). */
const RV32_KERNELS = ['tr_conv_quad_rv32_layer', 'tr_conv_quad_i2c_rv32_layer', 'tr_conv1x1_quad_rv32_layer', 'tr_conv_rv32_', 'tr_conv1x1_rv32_', 'tr_fc_rv32_', 'tr_fc_row_rv32_layer', 'tr_dw3x3_rv32_layer', 'tr_conv1ch_rv32_layer', 'tr_dw1in_rv32_layer'];

for (const arithmetic of ARITHMETICS) {
  describe(`RV32 blocked kernels, ${arithmetic} arithmetic`, () => {
    const want = runGraphAll(graph, inputs, { arithmetic });
    const gen = generateAot(graph, plan, { modelName: `rv_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });

    it('the cases reach every blocked kernel; optimize size keeps the small kernels', () => {
      for (const k of RV32_KERNELS) assert.ok(gen.kernels.some((n) => n.startsWith(k)), k);
      const small = generateAot(graph, plan, { modelName: `rv_${arithmetic}_size`, arithmetic, optimize: 'size', boardFeatures: NO_DSP });
      for (const k of RV32_KERNELS) assert.ok(!small.kernels.some((n) => n.startsWith(k)), k);
      // the depthwise kernels take tr_requant_rv32.h's form in the reference arithmetic, with and
      // without its sign term (ReLU clamps drop it); xnnpack's fp32 stays
      const src = Object.values(gen.files).join('\n');
      const rq32 = [...src.matchAll(/TR_RQ_RV32, (?:[01], \w+, )?([01])(?:, \w+)?\);/g)].map((m) => m[1]);
      if (arithmetic === 'reference') assert.deepEqual([...new Set(rq32)].sort(), ['0', '1']);
      else assert.deepEqual(rq32, []);
      // rows of at most DW_ROW_MAX pixels the unrolled row walk; wider ones the column walk
      // (maps at least as tall as wide) or pixel by pixel
      for (const walk of [0, 1, 2]) assert.match(src, new RegExp(`tr_dw3x3_rv32_layer\\([^;]*, [01], \\w+, [01], ${walk}\\);`), `walk ${walk}`);
      // the quad and FC-row kernels likewise, where rq32Rows proves it (mode, table, sign
      // literals), and the library's form where it refuses (the 'wide' layers above); the 'big'
      // and 'dead' ones take the constant row (a mode of TR_RQ_MBQM only there)
      const forms = (re: RegExp) => [...new Set([...src.matchAll(re)].map((m) => `${m[1]} ${m[2] === 'NULL' ? 'NULL' : 'table'} ${m[3]}`))].sort();
      const quads = forms(/TR_RVQ_QUADS\([^)]*, (TR_RQ_\w+), (\w+), ([01])\)/g);
      const rows = forms(/tr_fc_row_rv32_layer\([^;]*, (TR_RQ_\w+), (\w+), ([01])\);/g);
      if (arithmetic === 'reference') {
        assert.deepEqual(quads, ['TR_RQ_MBQM NULL 1', 'TR_RQ_RV32 table 0', 'TR_RQ_RV32 table 1']);
        assert.deepEqual(rows, ['TR_RQ_MBQM NULL 1', 'TR_RQ_RV32 table 0', 'TR_RQ_RV32 table 1']);
        // constant rows (no others have a multiplier of 0): 127 for the three 'big' channels,
        // the two 'dead' ones' requantized bias (17 at a multiplier of 2, plus the zero point)
        const constant = [...src.matchAll(/\{ 0, (-?\d+), 0 \}/g)].map((m) => Number(m[1]));
        assert.equal(constant.length, 5);
        assert.equal(constant.filter((v) => v === 127).length >= 3, true);
      } else {
        assert.deepEqual(quads, ['TR_RQ_FP32 NULL 1']);
        assert.deepEqual(rows, ['TR_RQ_FP32 NULL 1']);
      }
    });

    it('host: every output equals the interpreter\'s', async () => {
      await assertHostOutputsMatch(graph, gen, [], inputs, want);
    });

    it('QEMU riscv32 virt (rv32imac): every output equals the interpreter\'s', async (t) => {
      if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
      await assertQemuOutputsMatch(graph, gen, `rv32-kernels-${arithmetic}`, RV32_BOARD, 300_000, inputs, want);
    });
  });
}

describe('RV32 one-channel conv kernel and the streaming rules', () => {
  it('one-output-channel convs never stream over their input (tr_conv1ch_rv32.h runs out of raster order)', () => {
    const ones = graph.ops.map((op, i) => ({ op, i })).filter(({ op }) =>
      (op.kind === 'CONV_2D' || op.kind === 'DEPTHWISE_CONV_2D') && graph.tensors[op.inputs[0]!]!.shape[3] === 1 && graph.tensors[op.outputs[0]!]!.shape[3] === 1);
    assert.ok(ones.length >= 5, `${ones.length} one-channel convs`);
    for (const { i } of ones) assert.deepEqual(streamInputs(graph, i), [], `op ${i}`);
  });
});

/** The lag of the walk the generated code of conv op i takes (rv32-quad-walk.ts): the 1x1
 * kernel with its quad pixels, the gathering variant, or the walker with its border rows (4-pixel
 * units on the first / last output row where the walk had single pixels). */
function emittedWalkLag(graph: Graph, src: string, i: number): number {
  const op = graph.ops[i]!;
  const o = op.options as { padding: 'SAME' | 'VALID'; strideH: number; strideW: number };
  const [, inH, inW, inC] = graph.tensors[op.inputs[0]!]!.shape as [number, number, number, number];
  const [, outH, outW, outC] = graph.tensors[op.outputs[0]!]!.shape as [number, number, number, number];
  const [, kH, kW] = graph.tensors[op.inputs[1]!]!.shape as [number, number, number, number];
  const one = src.match(new RegExp(`tr_conv1x1_quad_rv32_layer\\(&op${i}_params, in, \\w+, out, \\d+, (\\d+),`));
  const layer = {
    gemm: one !== null, batches: 1, inH, inW, inC, outH, outW, outC, kH, kW, strideH: o.strideH, strideW: o.strideW,
    padTop: leadingPad(o.padding, inH, kH, o.strideH, 1, outH), padLeft: leadingPad(o.padding, inW, kW, o.strideW, 1, outW),
  } as ScalarConvLayer;
  const edgeRows = [src.includes(`op${i}_quads_top,`) ? 0 : -1, src.includes(`op${i}_quads_bottom,`) ? outH - 1 : -1].filter((y) => y >= 0);
  return quadWalkLag(layer, src.includes(`tr_conv_quad_i2c_rv32_layer(&op${i}_params`), one ? Number(one[1]) : undefined, edgeRows);
}

describe('RV32 channel-major depthwise under streaming overlaps', () => {
  // Outputs written over their inputs, below or above them. A whole number of pixels apart by
  // at least the pixel lag: the whole map channel by channel (forwards / backwards). Otherwise
  // one-row bands from the one-row lag on, the raster-order variant below it. Wrong choices
  // corrupt outputs: channel-major writes not a whole number of pixels from the input land on
  // other channels' input still to be read.
  const sg = new RandomGraph(rng(33));
  for (const c of [
    { h: 6, w: 7, inC: 5 }, { h: 9, w: 8, inC: 8, strideH: 2, strideW: 2 }, { h: 5, w: 6, inC: 3, padding: 'VALID' as const },
    { h: 7, w: 4, inC: 12 }, { h: 5, w: 9, inC: 16 }, { h: 4, w: 27, inC: 4 },
  ]) addConvCase(sg, { ...c, depthwise: true, outC: c.inC, kH: 3, kW: 3 });
  const sgraph = sg.graph;
  const sinputs = sgraph.inputs.map((id) => randomInput(sg, sgraph.tensors[id]!));
  const swant = runGraphAll(sgraph, sinputs, { arithmetic: 'reference' });
  const shape = (t: number) => sgraph.tensors[t]!.shape;
  const C = (t: number) => shape(t)[3]!;
  /** The layer's window geometry in bytes, with a unit of `unitPixels` output pixels. */
  const geom = (out: number, input: number, unitPixels: number) => {
    const op = sgraph.ops.find((o) => o.outputs[0] === out)!;
    const o = op.options as { padding: 'SAME' | 'VALID'; strideH: number; strideW: number };
    const [, inH, inW, c] = shape(input) as [number, number, number, number];
    const [, outH, outW] = shape(out) as [number, number, number, number];
    return {
      inH, inW, outH, outW, filterH: 3, filterW: 3, strideH: o.strideH, strideW: o.strideW, dilationH: 1, dilationW: 1,
      padTop: leadingPad(o.padding, inH, 3, o.strideH, 1, outH), padLeft: leadingPad(o.padding, inW, 3, o.strideW, 1, outW),
      inPixelBytes: c, outPixelBytes: c, unitPixels,
    };
  };
  const rowLag = (out: number, input: number, above: boolean) => (above ? reverseWindowLag : windowLag)(geom(out, input, shape(out)[2]!));
  const pixelLag = (out: number, input: number, above: boolean) => (above ? reverseWindowLag : windowLag)(geom(out, input, 1));
  /** The least gap from `from` on that is (whole) or is not a whole number of pixels. */
  const from = (v: number, c: number, whole: boolean) => { let d = v; while ((d % c === 0) !== whole) d++; return d; };
  type Pick = 'whole' | 'rows' | 'raster';
  const cases: { name: string; above: boolean; gap: (s: { lag: number; lagAbove?: number }, out: number, input: number) => number | undefined; pick: (out: number, input: number, d: number) => Pick }[] = [];
  for (const above of [false, true]) {
    const sign = above ? 1 : -1;
    const planLag = (s: { lag: number; lagAbove?: number }) => (above ? s.lagAbove : s.lag);
    cases.push(
      {
        name: `${above ? 'above' : 'below'} by the least whole number of pixels the planner allows: the whole map`, above,
        gap: (s, out, input) => { const l = planLag(s); return l === undefined ? undefined : sign * from(l, C(out), true); },
        pick: () => 'whole',
      },
      {
        name: `${above ? 'above' : 'below'} by the planner's lag plus one byte (not a whole pixel)`, above,
        gap: (s, out, input) => { const l = planLag(s); return l === undefined ? undefined : sign * from(l + 1, C(out), false); },
        pick: (out, input, d) => (Math.abs(d) >= rowLag(out, input, above) ? 'rows' : 'raster'),
      },
      {
        name: `${above ? 'above' : 'below'} by the one-row lag, not a whole pixel: one-row bands`, above,
        gap: (s, out, input) => { const l = planLag(s); return l === undefined ? undefined : sign * from(Math.max(rowLag(out, input, above), l), C(out), false); },
        pick: () => 'rows',
      },
      {
        name: `${above ? 'above' : 'below'} one byte short of the one-row lag, not a whole pixel: the raster-order variant`, above,
        gap: (s, out, input) => {
          const l = planLag(s); const r = rowLag(out, input, above);
          if (l === undefined) return undefined;
          let d = r - 1; while (d >= l && d % C(out) === 0) d--;
          return d >= l && d >= pixelLag(out, input, above) ? sign * d : undefined;
        },
        pick: () => 'raster',
      },
    );
  }
  for (const c of cases) {
    it(`${c.name}; every output equals the interpreter's`, async () => {
      const plan = gapPlan(sgraph, c.gap);
      const off = new Map(plan.buffers.filter((b) => b.tensor !== undefined).map((b) => [b.tensor!, b.offset]));
      const gen = generateAot(sgraph, plan, { modelName: 'rv_stream', arithmetic: 'reference', optimize: 'speed', boardFeatures: NO_DSP });
      const src = Object.values(gen.files).join('\n');
      let overlapping = 0;
      for (const [i, op] of sgraph.ops.entries()) {
        const out = op.outputs[0]!; const input = op.inputs[0]!;
        const d = off.get(out)! - off.get(input)!;
        const size = (t: number) => shape(t).reduce((a, b) => a * b, 1);
        if (!(d < size(input) && -d < size(out)) || (d > 0) !== c.above) continue;
        overlapping++;
        // the layer's call: its band (output rows) and direction, or the raster variant
        const call = src.match(new RegExp(`tr_dw3x3_rv32_(layer|raster)\\(&op${i}_[^;]*?, (?:(\\d+), )?TR_RQ_\\w+, ([01]), \\w+, [01](?:, ([012]))?\\);`));
        assert.ok(call, `op ${i}: no channel-major depthwise call`);
        const want = c.pick(out, input, d);
        const got: Pick = call[1] === 'raster' ? 'raster' : Number(call[2]) === 1 && shape(out)[1] !== 1 ? 'rows' : 'whole';
        assert.equal(got, want, `op ${i} at ${d} B (C ${C(out)}): ${call[0]}`);
        if (got === 'whole') assert.equal(Number(call[2]), shape(out)[1], 'the whole map as one band');
        assert.equal(call[3], c.above ? '1' : '0', 'backwards exactly when the output is above');
        // the column walk writes out of row order: never over its input; rows of at most
        // DW_ROW_MAX pixels the unrolled row walk (its stores in the one-pixel order)
        if (got !== 'raster') assert.equal(call[4], shape(out)[2]! <= DW_ROW_MAX ? '2' : '0', 'the interior walk');
      }
      assert.ok(overlapping >= 2, `${overlapping} outputs overlap their inputs`);
      const exe = await buildHostModel(gen.files, []);
      const raw = await runHostModel(exe, concatBytes(sinputs.map(bytesOf)), 1);
      const { failures } = graphOutputMismatches(sgraph, raw, swant);
      assert.deepEqual(failures, []);
    });
  }
});

describe('RV32 blocked kernels on models of the set (QEMU riscv32 virt, the build pipeline)', () => {
  // the board's features (no DSP) select the kernels above; untiled and FDT-tiled plans (the
  // latter streams depthwise outputs above their inputs: the backward raster variant); the
  // runner compares the outputs with the reference interpreter's
  for (const model of ['aww', 'micro_speech']) {
    for (const tiling of ['none', 'fdt'] as const) {
      it(`${model}, tiling ${tiling}: outputs equal the reference`, async (t) => {
        if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
        const [row] = await runMany([{ model, board: RV32_BOARD, backend: 'aot', tiling, reps: 1, warmup: 0 }], { timeoutMs: 300_000 });
        assert.ok(row!.ok, row!.error);
        assert.equal(row!.outputsMatch, true);
      });
    }
  }
});

describe('RV32 quad kernel under streaming overlaps', () => {
  // tr_conv_quad_rv32.h writes a quad's outputs channel block by channel block while the quad's
  // inputs are still to be read for the next block: units of 4 pixels, where the planner's rule
  // for CONV_2D (firmware/plan/streaming.ts) only guarantees the lag of 2-pixel units. The
  // generator may pick it for an output overlapping its input only when the plan puts the output
  // at least the lag of the units its walk takes below the input (quads where four windows fit,
  // pairs and single pixels elsewhere, a 1x1 layer's pairs from QP on: rv32-quad-walk.ts; at
  // most the uniform 4-pixel lag); a wrong pick overwrites input still to be read.
  const qg = new RandomGraph(rng(34));
  for (const c of [
    { h: 4, w: 9, inC: 8, outC: 12, kH: 1, kW: 1 }, { h: 5, w: 5, inC: 6, outC: 16, kH: 1, kW: 1 },
    { h: 6, w: 13, inC: 4, outC: 6, kH: 3, kW: 3 }, { h: 9, w: 17, inC: 3, outC: 8, kH: 3, kW: 3, strideH: 2, strideW: 2 },
    { h: 9, w: 5, inC: 1, outC: 10, kH: 5, kW: 3 }, { h: 6, w: 11, inC: 9, outC: 9, kH: 3, kW: 3 },
  ]) addConvCase(qg, c);
  const qgraph = qg.graph;
  const qinputs = qgraph.inputs.map((id) => randomInput(qg, qgraph.tensors[id]!));
  const qwant = runGraphAll(qgraph, qinputs, { arithmetic: 'reference' });
  /** The 4-pixel lag of the conv writing `out` from `input` (batch 1, no dilation). */
  const quadLag = (out: number, input: number) => {
    const op = qgraph.ops.find((o) => o.outputs[0] === out)!;
    const o = op.options as { padding: 'SAME' | 'VALID'; strideH: number; strideW: number };
    const [, inH, inW, inC] = qgraph.tensors[input]!.shape as [number, number, number, number];
    const [, outH, outW, outC] = qgraph.tensors[out]!.shape as [number, number, number, number];
    const [, kH, kW] = qgraph.tensors[op.inputs[1]!]!.shape as [number, number, number, number];
    return windowLag({
      inH, inW, outH, outW, filterH: kH, filterW: kW, strideH: o.strideH, strideW: o.strideW, dilationH: 1, dilationW: 1,
      padTop: leadingPad(o.padding, inH, kH, o.strideH, 1, outH), padLeft: leadingPad(o.padding, inW, kW, o.strideW, 1, outW),
      inPixelBytes: inC, outPixelBytes: outC, unitPixels: 4,
    });
  };
  /** The lag of the walk op i's emitted quad call takes: the 1x1 kernel with its QP literal,
   * the gathering variant or the walker over the input. */
  for (const [name, atQuadLag, gap] of [
    ['below by the planner\'s (2-pixel) lag', false, (s: { lag: number }) => -s.lag],
    ['below by the 4-pixel lag', true, (s: { lag: number }, out: number, input: number) => -Math.max(s.lag, quadLag(out, input))],
  ] as const) {
    it(`${name}: the quad kernel only where the gap allows 4-pixel units; every output equals the interpreter's`, async () => {
      const plan = gapPlan(qgraph, gap);
      const off = new Map(plan.buffers.filter((b) => b.tensor !== undefined).map((b) => [b.tensor!, b.offset]));
      const gen = generateAot(qgraph, plan, { modelName: 'rv_qstream', arithmetic: 'reference', optimize: 'speed', boardFeatures: NO_DSP });
      const src = Object.values(gen.files).join('\n');
      let quads = 0; let overlapping = 0;
      for (const [i, op] of qgraph.ops.entries()) {
        const out = op.outputs[0]!; const input = op.inputs[0]!;
        const d = off.get(input)! - off.get(out)!;
        const size = (t: number) => qgraph.tensors[t]!.shape.reduce((a, b) => a * b, 1);
        if (!(d < size(out) && -d < size(input))) continue;
        overlapping++;
        const quad = src.includes(`op${i}_convq(`);
        // the quads' writes must stay below every input byte still to be read: the lag of the
        // units the emitted walk takes (rv32-quad-walk.ts; at most the uniform 4-pixel lag)
        if (quad) { quads++; const lag = emittedWalkLag(qgraph, src, i); assert.ok(lag <= quadLag(out, input)); assert.ok(d >= lag, `op ${i}: quads ${d} B below the input, the walk's lag ${lag}`); }
      }
      assert.ok(overlapping >= 5, `${overlapping} outputs overlap their inputs`);
      if (atQuadLag) assert.ok(quads >= 4, `${quads} quad layers at the 4-pixel lag`);
      const exe = await buildHostModel(gen.files, []);
      const raw = await runHostModel(exe, concatBytes(qinputs.map(bytesOf)), 1);
      assert.deepEqual(graphOutputMismatches(qgraph, raw, qwant).failures, []);
    });
  }
});

describe('RV32 kernels in row-by-row residual blocks (RESIDUAL_BLOCK, tr_residual_rows_s8)', () => {
  // Each conv of a block (A, B, the projection S) runs per output row the kernel its untiled
  // layer gets (issue 11: FDT-tiled builds within 1 % of untiled): the quad kernel with
  // tr_requant_rv32.h's form where rq32Rows proves it, through a row function with the library
  // signature that the driver calls with the row's params. Blocks here: rows of quads then a
  // pair and single pixels (widths 11 and 7), strided conv A and 1x1 / 3x3 projections, ReLU and
  // unclamped convs (the sign term dropped and kept), a channel whose multiplier is 2 (rq32Rows
  // refuses: the library's requantization in the row function), narrow maps under 5x5 windows
  // (the gathering quad variant per row), a stride-1 1x1 projection (tr_gemm_scalar.h where the
  // blocked kernels decline it), and a one-channel block input (the one-input-channel kernels
  // decline rows: their functions name their params from file scope).
  const rg = new RandomGraph(rng(35));
  interface BlockCase { h: number; w: number; c: number; cy: number; co: number; kA: number; kB: number; sA: number; kS?: number;
    actA: 'NONE' | 'RELU'; actB: 'NONE' | 'RELU'; wideB?: boolean }
  const addBlock = (b: BlockCase) => {
    const xs = rg.scale();
    const ho = Math.ceil(b.h / b.sA); const wo = Math.ceil(b.w / b.sA);
    const xin = rg.input([1, b.h, b.w, b.c], 'int8', rg.quant(xs / 2));
    rg.graph.tensors.push({ name: `x${rg.graph.tensors.length}`, shape: [1, b.h, b.w, b.c], dtype: 'int8', quant: rg.quant(xs) });
    const x = rg.graph.tensors.length - 1;
    // X made by an op: the block may then write its output over it (the plan's streaming)
    rg.op('ADD', [xin, xin], [x], { activation: 'NONE' });
    const conv = (inId: number, inC: number, outC: number, k: number, stride: number, act: 'NONE' | 'RELU', wide = false) => {
      const ws = 0.01; const K = k * k * inC;
      const ys = Math.fround(xs * ws * Math.sqrt(K) * 120);
      const scales = new Array<number>(outC).fill(ws);
      // multiplier 2 on channel 0: a left shift, which rq32Rows refuses for the layer
      if (wide) scales[0] = Math.fround((2 * ys) / xs);
      const f = rg.constant([outC, k, k, inC], 'int8', rg.int8Values(outC * K), { scale: scales, zeroPoint: scales.map(() => 0), axis: 0 });
      const bias = rg.constant([outC], 'int32', Array.from({ length: outC }, () => rg.int(-3000, 3000)));
      rg.graph.tensors.push({ name: `t${rg.graph.tensors.length}`, shape: [1, ho, wo, outC], dtype: 'int8', quant: rg.quant(ys) });
      const y = rg.graph.tensors.length - 1;
      rg.op('CONV_2D', [inId, f, bias], [y], { padding: 'SAME', strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, activation: act });
      return y;
    };
    const y = conv(x, b.c, b.cy, b.kA, b.sA, b.actA);
    const z = conv(y, b.cy, b.co, b.kB, 1, b.actB, b.wideB);
    const skip = b.kS !== undefined ? conv(x, b.c, b.co, b.kS, b.sA, 'NONE') : x;
    const out = rg.output([1, ho, wo, b.co], 'int8', rg.quant(Math.fround(xs * 1.3)));
    rg.op('ADD', [skip, z], [out], { activation: 'NONE' });
  };
  const blocks: BlockCase[] = [
    { h: 6, w: 11, c: 8, cy: 8, co: 8, kA: 3, kB: 3, sA: 1, actA: 'RELU', actB: 'NONE' },
    { h: 9, w: 14, c: 6, cy: 12, co: 12, kA: 3, kB: 3, sA: 2, kS: 1, actA: 'RELU', actB: 'NONE' },
    { h: 5, w: 7, c: 5, cy: 6, co: 10, kA: 3, kB: 3, sA: 1, kS: 3, actA: 'NONE', actB: 'RELU', wideB: true },
    { h: 7, w: 5, c: 2, cy: 5, co: 2, kA: 5, kB: 5, sA: 1, actA: 'RELU', actB: 'NONE' },
    { h: 5, w: 9, c: 1, cy: 8, co: 4, kA: 3, kB: 3, sA: 1, kS: 1, actA: 'RELU', actB: 'NONE' },
  ];
  for (const b of blocks) addBlock(b);
  const unfused = rg.graph;
  const fused = fuseResidualBlocks(unfused);
  const rinputs = unfused.inputs.map((id) => randomInput(rg, unfused.tensors[id]!));
  const tiled = planTiled(fused, { planner: 'heuristic', aliasReshape: true, streaming: true });
  verifyTiledPlan(fused, tiled);
  const rplan = codegenPlan(fused, tiled);

  it('every block is fused', () => {
    assert.equal(fused.ops.filter((op) => op.kind === 'RESIDUAL_BLOCK').length, blocks.length);
  });

  for (const arithmetic of ARITHMETICS) {
    // the unfused graph's outputs (the separate CONV_2D and ADD ops) by the fused graph's ids
    const outs = runGraph(unfused, rinputs, { arithmetic });
    const want: TensorData[] = [];
    fused.outputs.forEach((id, k) => { want[id] = outs[k]!; });
    const gen = generateAot(fused, rplan, { modelName: `rv_rows_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });
    const src = Object.values(gen.files).join('\n');

    it(`${arithmetic} arithmetic: every row conv runs the kernel its untiled layer gets (the quad kernel through its row function) in the same requantization`, () => {
      // the untiled graph's kernel per conv (its order: per block A, B, then S) against the rows'
      const flat = generateAot(unfused, planGraph(unfused, {}), { modelName: `rv_flat_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });
      const fsrc = Object.values(flat.files).join('\n');
      const flatKernel = (i: number) => {
        const fn = fsrc.match(new RegExp(`TR_RVQ_LAYER_FN op${i}_convq\\(const int8_t \\*in, int8_t \\*out\\) \\{\n  (\\w+)\\(`));
        return fn ? fn[1]! : fsrc.match(new RegExp(`/\\* op ${i}: CONV_2D [^*]*\\*/\n  (\\w+)\\(`))![1]!;
      };
      const rowKernel = (fn: string) => {
        const quad = src.match(new RegExp(`TR_RVQ_LAYER_FN ${fn}_convq\\(const tr_conv_s8_params_t \\*p, [^{]*\\{\n  \\(void\\)filter; \\(void\\)bias;\n  (\\w+)\\(p, `));
        if (quad) return quad[1]!;
        const wrapped = src.match(new RegExp(`static void ${fn}_convrv\\([^{]*\\{\n  \\(void\\)filter; \\(void\\)bias;\n  (\\w+)\\(`));
        if (wrapped) return wrapped[1]!;
        if (src.includes(`void ${fn}_conv1x1s(const tr_conv_s8_params_t *p`)) return 'conv1x1s';
        // a library kernel: the driver's params name it three places after the conv's row table
        const fields = src.match(new RegExp(`tr_residual_rows_params_t ${fn.split('_')[0]}_params = \\{ ([^}]*) \\}`))![1]!.split(', ');
        return fields[fields.indexOf(`${fn}_rows`) + 3]!;
      };
      // a 1x1 stride-1 conv untiled is a GEMM over the whole map; per row the walker serves,
      // in its row form (tr_conv_quad_row_rv32.h)
      const family = (k: string) => k.replace('tr_conv1x1_quad_rv32_layer', 'tr_conv_quad_rv32_layer').replace('tr_conv_quad_row_rv32_layer', 'tr_conv_quad_rv32_layer')
        .replace(/^op\d+_/, '');
      const flatConvs = unfused.ops.flatMap((op, i) => (op.kind === 'CONV_2D' ? [i] : []));
      const rowConvs = fused.ops.flatMap((op, i) => (op.kind === 'RESIDUAL_BLOCK' ? ['a', 'b', ...((op.options as { convS?: unknown }).convS ? ['s'] : [])].map((c) => `op${i}_${c}`) : []));
      assert.equal(rowConvs.length, flatConvs.length);
      const pairs = rowConvs.map((fn, k) => `${fn}: ${family(rowKernel(fn))} / ${family(flatKernel(flatConvs[k]!))}`);
      // except where the untiled layer takes a one-input-channel kernel (the block over one
      // channel): those decline rows
      const oneIn = pairs.filter((p) => /dw1inrv|conv1ch$/.test(p));
      assert.deepEqual(oneIn.map((p) => p.split(':')[0]), [rowConvs[rowConvs.length - 3]]);
      for (const p of pairs) if (!oneIn.includes(p)) assert.equal(p.split(': ')[1]!.split(' / ')[0], p.split(' / ')[1], p);
      // the quad kernel's row functions are the driver's kernels themselves (no wrapper), over
      // the input and gathering windows (the 5x5 block over 5 columns), in most convs here
      const quads = rowConvs.filter((fn) => rowKernel(fn).startsWith('tr_conv_quad'));
      for (const fn of quads) assert.match(src, new RegExp(`, ${fn}_convq, `), `${fn}_convq is the driver's kernel`);
      assert.deepEqual([...new Set(quads.map(rowKernel))].sort(), ['tr_conv_quad_i2c_rv32_layer', 'tr_conv_quad_row_rv32_layer'], pairs.join('; '));
      assert.ok(quads.length >= 8, pairs.join('; '));
      assert.doesNotMatch(src, /_dw1inrv|_conv1ch\(/);
      // xnnpack's fp32 makes the cost model decline the blocked kernels for the stride-1 1x1
      // projection: untiled and per row tr_gemm_scalar.h
      if (arithmetic === 'xnnpack') assert.ok(rowConvs.some((fn) => rowKernel(fn) === 'conv1x1s'), pairs.join('; '));
      // the rows' quads requantize as the untiled layers do: the rv32 form with and without the
      // sign term where rq32Rows proves it, the library's where it refuses (the multiplier-2
      // channel); xnnpack's fp32 stays
      const forms = (text: string, re: RegExp) => [...new Set([...text.matchAll(re)].map((m) => `${m[1]} ${m[2] === 'NULL' ? 'NULL' : 'table'} ${m[3]}`))].sort();
      const rowForms = forms(src, /TR_RVQ_QUADS\(op\d+_[abs]_quads, [^)]*, (TR_RQ_\w+), (\w+), ([01])\)/g);
      assert.deepEqual(rowForms, forms(fsrc, /TR_RVQ_QUADS\(op\d+_quads, [^)]*, (TR_RQ_\w+), (\w+), ([01])\)/g));
      if (arithmetic === 'reference') assert.deepEqual(rowForms, ['TR_RQ_MBQM NULL 1', 'TR_RQ_RV32 table 0', 'TR_RQ_RV32 table 1']);
      else assert.deepEqual(rowForms, ['TR_RQ_FP32 NULL 1']);
    });

    it(`${arithmetic} arithmetic, host: every block output equals the separate ops'`, async () => {
      await assertHostOutputsMatch(fused, gen, [], rinputs, want);
    });

    it(`${arithmetic} arithmetic, QEMU riscv32 virt (rv32imac): every block output equals the separate ops'`, async (t) => {
      if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
      await assertQemuOutputsMatch(fused, gen, `rv32-rows-${arithmetic}`, RV32_BOARD, 300_000, rinputs, want);
    });
  }
});

describe('RV32 kernels of FDT builds over their plans (issue 11)', () => {
  // What vww's FDT build needed to match its untiled build on qemu-riscv32-virt:
  // - the quad kernel over outputs streamed onto their inputs at the planner's (2-pixel) lag,
  //   where the units it really walks allow it (rv32-quad-walk.ts): strided 3x3 convs whose
  //   quads end before the row's end (vww's first layer), and 1x1 convs widening the pixels,
  //   whose last pixels run as pairs (QP below the map's quads);
  // - FDT's one-output-channel 1x1 partitions (vww's 8 -> 1) with tr_requant_rv32.h's form;
  // - FDT's one-channel 3x3 partitions (vww's stride-2 depthwise) on the channel-major
  //   depthwise kernel with C = 1, one shared function per geometry.
  // On the old code none of these paths is taken (the quad kernel needed the uniform 4-pixel
  // lag; the 1x1 kernel had no rq32 form; the 3x3 partitions ran tr_conv1ch_rv32.h).
  const qg = new RandomGraph(rng(35));
  for (const c of [
    { h: 12, w: 24, inC: 3, outC: 8, kH: 3, kW: 3, strideH: 2, strideW: 2 }, { h: 10, w: 22, inC: 2, outC: 12, kH: 3, kW: 3, strideH: 2, strideW: 2 },
    { h: 5, w: 8, inC: 4, outC: 8, kH: 1, kW: 1 }, { h: 6, w: 6, inC: 8, outC: 24, kH: 1, kW: 1 }, { h: 4, w: 11, inC: 3, outC: 9, kH: 1, kW: 1 },
  ]) addConvCase(qg, c);
  const qgraph = qg.graph;
  const qinputs = qgraph.inputs.map((id) => randomInput(qg, qgraph.tensors[id]!));
  const qplan = gapPlan(qgraph, (s) => -s.lag);

  const og = new RandomGraph(rng(36));
  // one-output-channel 1x1: K of 1 to 16, pixel counts with every remainder mod 4, a batch
  for (const [n, h, w, K] of [[1, 5, 7, 8], [1, 2, 3, 3], [2, 3, 3, 16], [1, 4, 4, 1], [1, 48, 48, 8]] as const) {
    addConvCase(og, { n, h, w, inC: K, outC: 1, kH: 1, kW: 1 });
  }
  // one-channel 3x3 windows: vww's partition (48 x 48, stride 2) twice (one shared function),
  // rows of up to DW_ROW_MAX pixels (the unrolled row walk), wider maps taller than wide (the
  // column walk) and wider than tall (pixel by pixel), stride 1 and 2, VALID, a batch, a plain conv
  const oneCh = [
    { h: 48, w: 48, strideH: 2, strideW: 2, depthwise: true }, { h: 48, w: 48, strideH: 2, strideW: 2, depthwise: true },
    { h: 9, w: 14, strideH: 2, strideW: 2, depthwise: true }, { h: 7, w: 6, depthwise: true }, { h: 6, w: 9, padding: 'VALID' as const, depthwise: true },
    { h: 31, w: 30, depthwise: true }, { h: 5, w: 29, depthwise: true }, { n: 2, h: 6, w: 5, depthwise: true }, { h: 8, w: 10 },
  ];
  for (const c of oneCh) addConvCase(og, { ...c, inC: 1, outC: 1, kH: 3, kW: 3 });
  const ograph = og.graph;
  const oinputs = ograph.inputs.map((id) => randomInput(og, ograph.tensors[id]!));
  const oplan = planGraph(ograph, {});

  for (const arithmetic of ARITHMETICS) {
    const qwant = runGraphAll(qgraph, qinputs, { arithmetic });
    const qgen = generateAot(qgraph, qplan, { modelName: `rv_fdt_q_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });
    const owant = runGraphAll(ograph, oinputs, { arithmetic });
    const ogen = generateAot(ograph, oplan, { modelName: `rv_fdt_1ch_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });

    it(`${arithmetic}: quads over outputs at the planner's lag where the walk allows them, pairs ending widening 1x1 layers`, () => {
      const src = Object.values(qgen.files).join('\n');
      const off = new Map(qplan.buffers.filter((b) => b.tensor !== undefined).map((b) => [b.tensor!, b.offset]));
      let strided = 0; let tails = 0;
      for (const [i, op] of qgraph.ops.entries()) {
        const [, inH, inW] = qgraph.tensors[op.inputs[0]!]!.shape as number[];
        const d = off.get(op.inputs[0]!)! - off.get(op.outputs[0]!)!;
        const size = (t: number) => qgraph.tensors[t]!.shape.reduce((a, b) => a * b, 1);
        assert.ok(d > 0 && d < size(op.outputs[0]!), `op ${i}: output ${d} B below its input, overlapping`);
        // every layer here takes the quads, at the plan's 2-pixel lag
        assert.ok(src.includes(`op${i}_convq(`), `op ${i}: no quad kernel at ${d} B`);
        const one = src.match(new RegExp(`tr_conv1x1_quad_rv32_layer\\(&op${i}_params, in, \\w+, out, (\\d+), (\\d+),`));
        if (!one) { strided++; continue; }
        const P = inH! * inW!;
        assert.equal(Number(one[1]), P);
        if (Number(one[2]) < P - (P % 4)) tails++;
      }
      assert.equal(strided, 2);
      // the widening layers end in pairs (QP < the map's quads) where the plan leaves only the pairs' lag
      assert.ok(tails >= 2, `${tails} 1x1 layers ending in pairs`);
    });

    it(`${arithmetic}: one-channel partitions reach their kernels (rq32 in the reference arithmetic, one shared 3x3 function per geometry, every walk)`, () => {
      const src = Object.values(ogen.files).join('\n');
      const ones = [...src.matchAll(/tr_conv1x1_1ch_layer\([^;]*, (TR_RQ_\w+), (\w+), ([01])\);/g)].map((m) => m[1]);
      assert.equal(ones.length, 5);
      assert.deepEqual([...new Set(ones)], [arithmetic === 'reference' ? 'TR_RQ_RV32' : 'TR_RQ_FP32']);
      const defs = [...src.matchAll(/void (tr_dw1ch_rv32_\w+)\(const tr_conv_s8_params_t \*c/g)].map((m) => m[1]!);
      const calls = [...src.matchAll(/^ {2}(tr_dw1ch_rv32_\w+)\(&op\d+_params/gm)].map((m) => m[1]!);
      assert.equal(calls.length, oneCh.length, 'every one-channel 3x3 layer on the depthwise kernel');
      assert.equal(defs.length, oneCh.length - 1, 'the two vww partitions share one function');
      assert.equal(new Set(defs).size, defs.length);
      for (const walk of [0, 1, 2]) assert.ok(defs.some((d) => d.endsWith(`_${walk}`)), `walk ${walk}`);
      assert.ok(!src.includes('tr_conv1ch_rv32_layer('), 'no 3x3 layer left on tr_conv1ch_rv32.h');
      const modes = [...src.matchAll(/tr_dw3x3_rv32_layer\(&p, in, f, out, [^;]*?(TR_RQ_\w+), 0, (q|NULL), ([01]), [012]\);/g)].map((m) => `${m[1]} ${m[2]}`);
      assert.equal(modes.length, defs.length);
      assert.deepEqual([...new Set(modes)], [arithmetic === 'reference' ? 'TR_RQ_RV32 q' : 'TR_RQ_FP32 NULL']);
    });

    it(`${arithmetic}: host: every output equals the interpreter's`, async () => {
      await assertHostOutputsMatch(qgraph, qgen, [], qinputs, qwant);
      await assertHostOutputsMatch(ograph, ogen, [], oinputs, owant);
    });

    it(`${arithmetic}: QEMU riscv32 virt (rv32imac): every output equals the interpreter's`, async (t) => {
      if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
      await assertQemuOutputsMatch(qgraph, qgen, `rv32-fdt-q-${arithmetic}`, RV32_BOARD, 300_000, qinputs, qwant);
      await assertQemuOutputsMatch(ograph, ogen, `rv32-fdt-1ch-${arithmetic}`, RV32_BOARD, 300_000, oinputs, owant);
    });
  }
});

describe('RV32 table ADD (tr_add_rv32.h)', () => {
  // int8 ADD of same-shape inputs: each input's rescaled value tabulated per byte, the sum
  // requantized once (reference: tr_requant_rv32.h's form where rq32Rows proves it over the
  // table sums, with and without its sign term; xnnpack: XNNPACK's accumulator split per
  // input). Element counts with every remainder mod 4 (the unrolled tail), zero points over the
  // whole int8 range, input scales far apart, chains of ADDs. A broadcast ADD keeps tr_add_s8.
  // Reference only (XNNPACK refuses such scales): an output scale 2^12.5 above the inputs',
  // output shift -31, outside the one-mulh form, where every sum rounds to the zero point:
  // rq32Rows' constant row.
  const build = (arithmetic: string) => {
    const ag = new RandomGraph(rng(35));
    const add = (a: number, b: number, shape: number[], ys: number, activation: string) => {
      const y = ag.output(shape, 'int8', ag.quant(ys, ag.int(-128, 127)));
      ag.op('ADD', [a, b], [y], { activation } as never);
      return y;
    };
    const shapes = [[1, 8, 8, 16], [1, 3, 5, 7], [1, 2, 3, 3], [1, 5, 1, 3], [1, 1, 1, 1], [2, 3, 2, 5]];
    for (const [k, shape] of shapes.entries()) {
      const as = ag.scale(); const bs = k === 2 ? as / 37 : ag.scale();
      const a = ag.input(shape, 'int8', ag.quant(as, ag.int(-128, 127)));
      const b = ag.input(shape, 'int8', ag.quant(bs, ag.int(-128, 127)));
      const y = add(a, b, shape, Math.fround((as + bs) * (0.6 + ag.rand())), ['NONE', 'RELU', 'RELU6'][k % 3]!);
      // the sum added to one of its inputs again (an intermediate tensor as input)
      if (k === 0) add(y, a, shape, Math.fround(2 * (as + bs)), 'RELU');
    }
    const bshape = [1, 3, 4, 5];
    add(ag.input(bshape, 'int8', ag.quant()), ag.input([1, 1, 1, 5], 'int8', ag.quant()), bshape, 0.1, 'NONE');
    if (arithmetic === 'reference') {
      const s = 0.01;
      add(ag.input([1, 4, 5, 2], 'int8', ag.quant(s)), ag.input([1, 4, 5, 2], 'int8', ag.quant(s)), [1, 4, 5, 2], Math.fround(s * 2 ** 12.5), 'NONE');
    }
    const graph = ag.graph;
    return { graph, inputs: graph.inputs.map((id) => randomInput(ag, graph.tensors[id]!)) };
  };
  for (const arithmetic of ARITHMETICS) {
    const { graph: agraph, inputs: ainputs } = build(arithmetic);
    const want = runGraphAll(agraph, ainputs, { arithmetic });
    const gen = generateAot(agraph, planGraph(agraph, {}), { modelName: `rv_add_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });
    const src = Object.values(gen.files).join('\n');
    const adds = agraph.ops.filter((op) => op.kind === 'ADD').length;

    it(`${arithmetic}: the same-shape ADDs take the tables (both sign forms), the others tr_add_s8`, () => {
      const forms = [...src.matchAll(/tr_add_rv32_layer\(&\w+, a, b, out, \d+, (TR_ADD_RV32_\w+), ([01])\);/g)].map((m) => `${m[1]} ${m[2]}`);
      const library = [...src.matchAll(/\btr_add_s8\(/g)].length;
      if (arithmetic === 'reference') {
        assert.deepEqual([...new Set(forms)].sort(), ['TR_ADD_RV32_RQ 0', 'TR_ADD_RV32_RQ 1']);
        assert.equal(library, 1, 'the broadcast ADD');
        const last = agraph.ops.length - 1;
        assert.match(src, new RegExp(`op${last}_add_params = \\{ op${last}_add_ta, op${last}_add_tb, \\{ 0, -?\\d+, 0 \\}`), 'the constant row');
      } else {
        assert.deepEqual([...new Set(forms)], ['TR_ADD_RV32_XNN 0']);
        assert.equal(library, 1, 'the broadcast ADD');
      }
      assert.equal(forms.length + library, adds);
      const small = generateAot(agraph, planGraph(agraph, {}), { modelName: `rv_add_${arithmetic}_size`, arithmetic, optimize: 'size', boardFeatures: NO_DSP });
      assert.ok(!small.kernels.includes('tr_add_rv32_layer'));
    });

    it(`${arithmetic}, host: every output equals the interpreter's`, async () => {
      await assertHostOutputsMatch(agraph, gen, [], ainputs, want);
    });

    it(`${arithmetic}, QEMU riscv32 virt (rv32imac): every output equals the interpreter's`, async (t) => {
      if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
      await assertQemuOutputsMatch(agraph, gen, `rv32-add-${arithmetic}`, RV32_BOARD, 300_000, ainputs, want);
    });
  }

  it('outputs at their input or below it (the elementwise lag of 0): every output equals the interpreter\'s', async () => {
    const { graph: agraph, inputs: ainputs } = build('reference');
    const want = runGraphAll(agraph, ainputs, { arithmetic: 'reference' });
    for (const below of [0, 3]) {
      const plan = gapPlan(agraph, (s) => -(s.lag + below));
      const off = new Map(plan.buffers.filter((b) => b.tensor !== undefined).map((b) => [b.tensor!, b.offset]));
      const gen = generateAot(agraph, plan, { modelName: 'rv_add_stream', arithmetic: 'reference', optimize: 'speed', boardFeatures: NO_DSP });
      const src = Object.values(gen.files).join('\n');
      const overlapping = agraph.ops.filter((op, i) => src.includes(`op${i}_add(`) &&
        op.inputs.some((t) => off.get(t)! - off.get(op.outputs[0]!)! === below)).length;
      assert.ok(overlapping >= 4, `${overlapping} table ADDs over an input`);
      const exe = await buildHostModel(gen.files, []);
      const raw = await runHostModel(exe, concatBytes(ainputs.map(bytesOf)), 1);
      assert.deepEqual(graphOutputMismatches(agraph, raw, want).failures, []);
    }
  });
});

describe('RV32 quad kernel border quads (tr_rvq_borders_t)', () => {
  // Pixels whose windows reach into the padding, run as quads reading only the taps inside
  // (their bias takes the others off): along the first and last output rows (window rows
  // clipped above / below, by 1 or 2 rows), and four inside rows at a time down the first and
  // last output columns (clipped left / right by 1 to 3 columns; only with the output apart
  // from the input). Strides 1 to 3, channel counts with a partial block of 4, inside rows
  // not a multiple of 4 (single pixels below the column quads), batches; a VALID layer has none.
  // (Layers large enough for each side to pass the generator's BORDER_MIN_SAVING.)
  const bg = new RandomGraph(rng(36));
  for (const c of [
    { h: 14, w: 16, inC: 8, outC: 13, kH: 3, kW: 3 }, { h: 20, w: 24, inC: 6, outC: 10, kH: 3, kW: 3, strideH: 2, strideW: 2 },
    { h: 12, w: 24, inC: 8, outC: 14, kH: 5, kW: 5 }, { h: 14, w: 21, inC: 12, outC: 15, kH: 2, kW: 4 },
    { n: 2, h: 13, w: 40, inC: 6, outC: 10, kH: 3, kW: 7, strideW: 3 }, { h: 22, w: 12, inC: 9, outC: 7, kH: 4, kW: 2, strideH: 3 },
    { h: 8, w: 12, inC: 7, outC: 3, kH: 3, kW: 3, padding: 'VALID' as const },
  ]) addConvCase(bg, c);
  const bgraph = bg.graph;
  const binputs = bgraph.inputs.map((id) => randomInput(bg, bgraph.tensors[id]!));
  for (const arithmetic of ARITHMETICS) {
    const want = runGraphAll(bgraph, binputs, { arithmetic });
    const gen = generateAot(bgraph, planGraph(bgraph, {}), { modelName: `rv_borders_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });
    const src = Object.values(gen.files).join('\n');

    it(`${arithmetic}: border quads on every side, none for the VALID layer`, () => {
      const sides = [...src.matchAll(/TR_RVQ_QUADS_CLIP\(op(\d+)_quads_(\w+),/g)].map((m) => `${m[1]} ${m[2]}`);
      for (const side of ['top', 'bottom', 'left', 'right']) assert.ok(sides.filter((s) => s.endsWith(side)).length >= 3, `${side}: ${sides.join(', ')}`);
      // 2 rows clipped above the 5x5 windows' first row: its top quads read rows 2..4
      assert.match(src, /TR_RVQ_QUADS_CLIP\(op2_quads_top, \w+, \d+, \d+, 5, 2, 5, 0,/);
      const valid = bgraph.ops.length - 1;
      assert.match(src, new RegExp(`tr_conv_quad_rv32_layer\\(&op${valid}_params[^;]*, NULL\\);`));
      assert.ok(!src.includes(`op${valid}_quads_`));
    });

    it(`${arithmetic}, host: every output equals the interpreter's`, async () => {
      await assertHostOutputsMatch(bgraph, gen, [], binputs, want);
    });

    it(`${arithmetic}, QEMU riscv32 virt (rv32imac): every output equals the interpreter's`, async (t) => {
      if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
      await assertQemuOutputsMatch(bgraph, gen, `rv32-borders-${arithmetic}`, RV32_BOARD, 300_000, binputs, want);
    });
  }

  it('outputs over their inputs (the 4-pixel lag below): row border quads only, no column ones; outputs exact', async () => {
    const want = runGraphAll(bgraph, binputs, { arithmetic: 'reference' });
    const plan = gapPlan(bgraph, (s, out, input) => {
      const op = bgraph.ops.find((o) => o.outputs[0] === out)!;
      const o = op.options as { padding: 'SAME' | 'VALID'; strideH: number; strideW: number };
      const [n, inH, inW, inC] = bgraph.tensors[input]!.shape as [number, number, number, number];
      const [, outH, outW, outC] = bgraph.tensors[out]!.shape as [number, number, number, number];
      const [, kH, kW] = bgraph.tensors[op.inputs[1]!]!.shape as [number, number, number, number];
      if (n !== 1) return undefined;
      return -Math.max(s.lag, windowLag({
        inH, inW, outH, outW, filterH: kH, filterW: kW, strideH: o.strideH, strideW: o.strideW, dilationH: 1, dilationW: 1,
        padTop: leadingPad(o.padding, inH, kH, o.strideH, 1, outH), padLeft: leadingPad(o.padding, inW, kW, o.strideW, 1, outW),
        inPixelBytes: inC, outPixelBytes: outC, unitPixels: 4,
      }));
    });
    const gen = generateAot(bgraph, plan, { modelName: 'rv_borders_stream', arithmetic: 'reference', optimize: 'speed', boardFeatures: NO_DSP });
    const src = Object.values(gen.files).join('\n');
    const off = new Map(plan.buffers.filter((b) => b.tensor !== undefined).map((b) => [b.tensor!, b.offset]));
    let overlapping = 0;
    for (const [i, op] of bgraph.ops.entries()) {
      const out = op.outputs[0]!; const input = op.inputs[0]!;
      const d = off.get(input)! - off.get(out)!;
      const size = (t: number) => bgraph.tensors[t]!.shape.reduce((a, b) => a * b, 1);
      if (!(d < size(out) && -d < size(input)) || !src.includes(`op${i}_convq(`)) continue;
      overlapping++;
      assert.ok(!src.includes(`op${i}_quads_left`) && !src.includes(`op${i}_quads_right`), `op ${i}: column quads over its input`);
    }
    assert.ok(overlapping >= 4, `${overlapping} quad layers over their inputs`);
    assert.match(src, /TR_RVQ_QUADS_CLIP\(op\d+_quads_top,/);
    const exe = await buildHostModel(gen.files, []);
    const raw = await runHostModel(exe, concatBytes(binputs.map(bytesOf)), 1);
    assert.deepEqual(graphOutputMismatches(bgraph, raw, want).failures, []);
  });

  it('outputs over their inputs at the planner\'s (2-pixel) lag: a row side only where the walk with its quads keeps that lag; outputs exact', async () => {
    // Row border quads are 4-pixel units where the walk had single pixels: at the planner's lag
    // they may need more than the plan gives (quadBordersFit drops such a side).
    const want = runGraphAll(bgraph, binputs, { arithmetic: 'reference' });
    const plan = gapPlan(bgraph, (s) => -s.lag);
    const gen = generateAot(bgraph, plan, { modelName: 'rv_borders_lag2', arithmetic: 'reference', optimize: 'speed', boardFeatures: NO_DSP });
    const src = Object.values(gen.files).join('\n');
    const off = new Map(plan.buffers.filter((b) => b.tensor !== undefined).map((b) => [b.tensor!, b.offset]));
    let checked = 0;
    for (const [i, op] of bgraph.ops.entries()) {
      const out = op.outputs[0]!; const input = op.inputs[0]!;
      const d = off.get(input)! - off.get(out)!;
      const size = (t: number) => bgraph.tensors[t]!.shape.reduce((a, b) => a * b, 1);
      if (!(d < size(out) && -d < size(input)) || !src.includes(`op${i}_convq(`)) continue;
      const lag = emittedWalkLag(bgraph, src, i);
      assert.ok(d >= lag, `op ${i}: ${d} B below its input, the walk with its border rows needs ${lag}`);
      checked++;
    }
    assert.ok(checked >= 2, `${checked} quad layers over their inputs`);
    const exe = await buildHostModel(gen.files, []);
    const raw = await runHostModel(exe, concatBytes(binputs.map(bytesOf)), 1);
    assert.deepEqual(graphOutputMismatches(bgraph, raw, want).failures, []);
  });
});

describe('RV32 quad walker row form in residual blocks: border units per row window (tr_conv_quad_row_rv32.h)', () => {
  // A residual block's rows cannot run the untiled walker's column border quads (four rows at a
  // time): each row window gets its own units (rv32-quad-rows.ts) — clipped-row quads for rows
  // whose windows reach into the top or bottom padding (one or two rows: 3x3 and 5x5), and edge
  // units on the first and last four pixels of a row: pixels that read only their taps inside,
  // in phases over the window columns (3x3: two, 5x5: three), each pixel from its own bias;
  // corners where both are clipped. Shapes: odd widths (single pixels and pairs between the
  // edge units), a row of 6 (room for one edge unit only), strided convs A (the right padding
  // only, or both sides on odd inputs), channel counts with a partial block of 4, ReLU and
  // unclamped convs. On the old code none of these units exists (single pixels there).
  const eg = new RandomGraph(rng(37));
  interface Block { h: number; w: number; c: number; cy: number; co: number; k: number; sA: number; kS?: number; actA: 'NONE' | 'RELU' }
  const addBlock = (b: Block) => {
    const xs = eg.scale();
    const ho = Math.ceil(b.h / b.sA); const wo = Math.ceil(b.w / b.sA);
    const xin = eg.input([1, b.h, b.w, b.c], 'int8', eg.quant(xs / 2));
    eg.graph.tensors.push({ name: `x${eg.graph.tensors.length}`, shape: [1, b.h, b.w, b.c], dtype: 'int8', quant: eg.quant(xs) });
    const x = eg.graph.tensors.length - 1;
    eg.op('ADD', [xin, xin], [x], { activation: 'NONE' });
    const conv = (inId: number, inC: number, outC: number, k: number, stride: number, act: 'NONE' | 'RELU') => {
      const K = k * k * inC; const ys = Math.fround(xs * 0.01 * Math.sqrt(K) * 120);
      const scales = new Array<number>(outC).fill(0.01);
      const f = eg.constant([outC, k, k, inC], 'int8', eg.int8Values(outC * K), { scale: scales, zeroPoint: scales.map(() => 0), axis: 0 });
      const bias = eg.constant([outC], 'int32', Array.from({ length: outC }, () => eg.int(-3000, 3000)));
      eg.graph.tensors.push({ name: `t${eg.graph.tensors.length}`, shape: [1, ho, wo, outC], dtype: 'int8', quant: eg.quant(ys) });
      const y = eg.graph.tensors.length - 1;
      eg.op('CONV_2D', [inId, f, bias], [y], { padding: 'SAME', strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, activation: act });
      return y;
    };
    const y = conv(x, b.c, b.cy, b.k, b.sA, b.actA);
    const z = conv(y, b.cy, b.co, b.k, 1, 'NONE');
    const skip = b.kS !== undefined ? conv(x, b.c, b.co, b.kS, b.sA, 'NONE') : x;
    const out = eg.output([1, ho, wo, b.co], 'int8', eg.quant(Math.fround(xs * 1.3)));
    eg.op('ADD', [skip, z], [out], { activation: 'NONE' });
  };
  const blocks: Block[] = [
    // 13 wide: edge units at 0..3 and 9..12, a quad and a single pixel between them
    { h: 7, w: 13, c: 16, cy: 16, co: 16, k: 3, sA: 1, actA: 'RELU' },
    // stride 2 over 23 (padding left and right), 12 wide rows of 18 channels (a partial block)
    { h: 15, w: 23, c: 16, cy: 18, co: 10, k: 3, sA: 2, kS: 1, actA: 'RELU' },
    // 5x5: two top and two bottom windows, three phases per edge unit; 15 channels
    { h: 8, w: 14, c: 8, cy: 15, co: 8, k: 5, sA: 1, actA: 'NONE' },
    // 6 wide: one edge unit only; 32 channels (corners pass the cost gate)
    { h: 6, w: 6, c: 32, cy: 32, co: 32, k: 3, sA: 1, actA: 'RELU' },
    // stride 2 over 16 (right padding only), 8 x 8 rows of 32 channels: corners
    { h: 16, w: 16, c: 16, cy: 32, co: 32, k: 3, sA: 2, kS: 1, actA: 'NONE' },
  ];
  for (const b of blocks) addBlock(b);
  const unfused = eg.graph;
  const fused = fuseResidualBlocks(unfused);
  const einputs = unfused.inputs.map((id) => randomInput(eg, unfused.tensors[id]!));
  const tiled = planTiled(fused, { planner: 'heuristic', aliasReshape: true, streaming: true });
  verifyTiledPlan(fused, tiled);
  const eplan = codegenPlan(fused, tiled);

  it('every block is fused', () => {
    assert.equal(fused.ops.filter((op) => op.kind === 'RESIDUAL_BLOCK').length, blocks.length);
  });

  for (const arithmetic of ARITHMETICS) {
    const outs = runGraph(unfused, einputs, { arithmetic });
    const want: TensorData[] = [];
    fused.outputs.forEach((id, k) => { want[id] = outs[k]!; });
    const gen = generateAot(fused, eplan, { modelName: `rv_rowunits_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });
    const src = Object.values(gen.files).join('\n');

    it(`${arithmetic}: the rows reach clipped-row quads, edge units of 2 and 3 phases, corners, strided and partial-block units`, () => {
      // the convs that take the quad kernel untiled run the walker's row form (the others the
      // pair kernel: the 5x5 conv B to 8 channels, and under xnnpack's soft-float fp32 most)
      const rowFns = [...src.matchAll(/TR_RVQ_LAYER_FN (op\d+_[ab])_convq\([^{]*\{\n[^\n]*\n  tr_conv_quad_row_rv32_layer\(p, /g)].map((m) => m[1]!);
      assert.ok(rowFns.length >= (arithmetic === 'reference' ? 2 * blocks.length - 1 : 4), rowFns.join(', '));
      // clipped-row quads: one and two rows above / below (KY0, KY1 of the 3 or 5 window rows)
      const clipped = [...src.matchAll(/TR_RVQ_QUADS_CLIP\(op\d+_[ab]_quads_w\d+, \w+, \d+, \d+, (\d+), (\d+), (\d+), 0,/g)].map((m) => `${m[1]}:${m[2]}-${m[3]}`);
      for (const w of arithmetic === 'reference' ? ['3:1-3', '3:0-2', '5:2-5', '5:1-5', '5:0-4', '5:0-3'] : ['3:0-2']) assert.ok(clipped.includes(w), `${w}: ${clipped.join(', ')}`);
      // edge units: tr_rvq_edge(r, in, filter, out + O, B0..B3, X0, PXS, RS, KH, KY0, KY1, KW, CIN, C, OPS, mode, table, sign, phases)
      const edges = [...src.matchAll(/tr_rvq_edge\(r, in, \w+, out \+ (\d+), (?:\w+, ){4}(-?\d+), (\d+), \d+, (\d+), (\d+), (\d+), (\d+), (\d+), (\d+), \d+, [^,]+, [^,]+, [01],\s+([-\d, ]+)\);/g)]
        .map((m) => {
          const ph = m[10]!.split(', ').map(Number);
          return { o: +m[1]!, x0: +m[2]!, pxs: +m[3]!, kh: +m[4]!, ky0: +m[5]!, ky1: +m[6]!, cin: +m[8]!, c: +m[9]!,
            phases: [0, 1, 2, 3].filter((t) => ph[4 * t + 1]! > ph[4 * t]!).length };
        });
      assert.ok(edges.some((e) => e.x0 < 0 && e.ky0 === 0 && e.ky1 === e.kh && e.phases === 2), 'left edge units, inside rows');
      assert.ok(edges.some((e) => e.o > 0 && e.ky0 === 0 && e.ky1 === e.kh), 'right edge units, inside rows');
      assert.ok(edges.some((e) => e.ky0 > 0) && edges.some((e) => e.ky1 < e.kh), 'corner units (rows clipped too)');
      assert.ok(edges.some((e) => e.pxs === 2 * e.cin && e.o > 0), 'a strided right edge unit');
      if (arithmetic === 'reference') {
        assert.ok(edges.some((e) => e.kh === 5 && e.phases === 3), 'three phases (5x5)');
        assert.ok(edges.some((e) => e.pxs === 2 * e.cin && e.x0 < 0), 'a strided left edge unit');
        assert.ok(edges.some((e) => e.c % 4 !== 0), 'an edge unit with a partial channel block');
      }
      if (arithmetic === 'reference') {
        // the 6-wide rows (the fourth block): one edge unit on the inside rows, single pixels
        // at the other end
        const narrow = fused.ops.flatMap((op, i) => (op.kind === 'RESIDUAL_BLOCK' ? [i] : []))[3]!;
        const inside = [...src.matchAll(new RegExp(`static const tr_rvq_row_t op${narrow}_b_units_w\\d+ = \\{ \\w+, \\w+, 1, (\\w+), (\\w+) \\};`, 'g'))];
        assert.equal(inside.length, 1);
        assert.equal([inside[0]![1], inside[0]![2]].filter((u) => u !== 'NULL').length, 1, inside[0]![0]);
      }
      // each window's params hold its units
      for (const f of rowFns) assert.match(src, new RegExp(`static const tr_rvq_row_params_t ${f}_row0 = \\{ \\{ .*\\}, &${f}_units_w\\d+ \\};`), f);
    });

    it(`${arithmetic}, host: every block output equals the separate ops'`, async () => {
      await assertHostOutputsMatch(fused, gen, [], einputs, want);
    });

    it(`${arithmetic}, QEMU riscv32 virt (rv32imac): every block output equals the separate ops'`, async (t) => {
      if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
      await assertQemuOutputsMatch(fused, gen, `rv32-rowunits-${arithmetic}`, RV32_BOARD, 300_000, einputs, want);
    });
  }
});
