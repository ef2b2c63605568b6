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
import { execa } from 'execa';
import { buildFirmware, weightsBytes } from '../../firmware/build/index.ts';
import { KERNEL_INCLUDE_DIR, generateAot, kernelSources } from '../../firmware/codegen/aot/index.ts';
import { runGraphAll } from '../../firmware/interp/interpreter.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import { bufferLifetimes } from '../../firmware/plan/lifetimes.ts';
import { peakOf } from '../../firmware/plan/bounds.ts';
import { verifyPlan } from '../../firmware/plan/verify.ts';
import type { MemoryPlan } from '../../firmware/plan/types.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './support/host-build.ts';
import { graphOutputMismatches } from './support/compare.ts';
import { addConvCase, addFcCase, kernelCases } from './support/kernel-cases.ts';
import { RandomGraph, randomInput, rng } from './support/random-ops.ts';
import { runQemu } from '../../tools/qemu-aot.ts';
import { runMany } from '../../firmware/runner/index.ts';
import { ARITHMETICS } from '../../wire/vocabulary.ts';

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
// fully connected: one row (the 8 x 1 path), odd batch counts (pairs and a single row)
for (const [B, D, O] of [[1, 33, 17], [3, 19, 12], [1, 640, 8]] as const) addFcCase(g, B, D, O);
const graph = g.graph;
const inputs = graph.inputs.map((id) => randomInput(g, graph.tensors[id]!));
const plan = planGraph(graph, {});

/** Kernels the cases must reach on a core without DSP (each instance name ends in its arithmetic). */
const RV32_KERNELS = ['tr_conv_rv32_', 'tr_conv1x1_rv32_', 'tr_fc_rv32_', 'tr_dw3x3_rv32_layer'];

async function have(tool: string): Promise<boolean> {
  return (await execa('which', [tool], { reject: false })).exitCode === 0;
}

for (const arithmetic of ARITHMETICS) {
  describe(`RV32 blocked kernels, ${arithmetic} arithmetic`, () => {
    const want = runGraphAll(graph, inputs, { arithmetic });
    const gen = generateAot(graph, plan, { modelName: `rv_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });

    it('the cases reach every blocked kernel; optimize size keeps the small kernels', () => {
      for (const k of RV32_KERNELS) assert.ok(gen.kernels.some((n) => n.startsWith(k)), k);
      const small = generateAot(graph, plan, { modelName: `rv_${arithmetic}_size`, arithmetic, optimize: 'size', boardFeatures: NO_DSP });
      for (const k of RV32_KERNELS) assert.ok(!small.kernels.some((n) => n.startsWith(k)), k);
    });

    it('host: every output equals the interpreter\'s', async () => {
      const exe = await buildHostModel(gen.files, []);
      const raw = await runHostModel(exe, concatBytes(inputs.map(bytesOf)), 1);
      const { failures, consumed } = graphOutputMismatches(graph, raw, want);
      assert.equal(consumed, raw.byteLength, 'output byte count');
      assert.deepEqual(failures, []);
    });

    it('QEMU riscv32 virt (rv32imac): every output equals the interpreter\'s', async (t) => {
      if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
      const build = await buildFirmware({
        board: RV32_BOARD, reps: 1, warmup: 0,
        prepared: {
          name: `rv32-kernels-${arithmetic}`, files: gen.files, arenaBytes: gen.arenaBytes, weightsBytes: weightsBytes(graph),
          inputs: inputs.map(bytesOf), expectedOutputs: [], sources: kernelSources(), includeDirs: [KERNEL_INCLUDE_DIR], cFlags: gen.cFlags,
        },
      });
      const stdout = await runQemu(build.elfPath, 300_000, RV32_BOARD);
      assert.match(stdout, /END status=0/, stdout.slice(-500));
      const got = new Map([...stdout.matchAll(/OUT o=(\d+) dtype=\w+ hex=([0-9a-f]*)/g)].map((m) => [Number(m[1]), m[2]!]));
      const raw = concatBytes(graph.outputs.map((_, o) => Buffer.from(got.get(o) ?? '', 'hex')));
      const { failures } = graphOutputMismatches(graph, raw, want);
      assert.equal(got.size, graph.outputs.length, 'one OUT record per output');
      assert.deepEqual(failures, []);
    });
  });
}

/**
 * A plan in which every streaming pair overlaps: the output starts `extra(output)` bytes more
 * than the rule's lag below its input, or (`above`) exactly the reverse lag above it (the rest
 * laid end to end).
 */
function streamingPlan(graph: Graph, extra: (outTensor: number) => number, above = false): MemoryPlan {
  const order = graph.ops.map((_, i) => i);
  const { buffers } = bufferLifetimes(graph, order, { streaming: true });
  const offsets = new Array<number>(buffers.length).fill(-1);
  let next = 0;
  for (const out of buffers) {
    const s = out.streamsOver;
    if (s === undefined || offsets[out.id]! >= 0 || offsets[s.id]! >= 0) continue;
    const input = buffers[s.id]!;
    if (above) {
      if (s.lagAbove === undefined || s.lagAbove >= input.size) continue;
      offsets[input.id] = next; offsets[out.id] = next + s.lagAbove;
      next += Math.max(input.size, s.lagAbove + out.size);
      continue;
    }
    const lag = s.lag + (out.tensor === undefined ? 0 : extra(out.tensor));
    if (lag >= out.size) continue;
    offsets[out.id] = next; offsets[input.id] = next + lag;
    next += Math.max(out.size, lag + input.size);
  }
  for (const b of buffers) if (offsets[b.id]! < 0) { offsets[b.id] = next; next += b.size; }
  verifyPlan(buffers, offsets);
  return {
    planner: 'streaming-test', peakBytes: peakOf(buffers, offsets), lowerBound: 0, provenOptimal: false, order,
    buffers: buffers.map((b, i) => ({ ...b, offset: offsets[i]! })), aliases: {},
  };
}

describe('RV32 channel-major depthwise under streaming overlaps', () => {
  // outputs written over their inputs: one row of output pixels more than the raster lag lets
  // the kernel run in one-row bands; at the raster lag exactly it must keep the raster kernel
  const sg = new RandomGraph(rng(33));
  for (const c of [
    { h: 6, w: 7, inC: 5 }, { h: 9, w: 8, inC: 8, strideH: 2, strideW: 2 }, { h: 5, w: 6, inC: 3, padding: 'VALID' as const },
    { h: 7, w: 4, inC: 12 },
  ]) addConvCase(sg, { ...c, depthwise: true, outC: c.inC, kH: 3, kW: 3 });
  const sgraph = sg.graph;
  const sinputs = sgraph.inputs.map((id) => randomInput(sg, sgraph.tensors[id]!));
  const swant = runGraphAll(sgraph, sinputs, { arithmetic: 'reference' });
  const rowBytes = (t: number) => { const s = sgraph.tensors[t]!.shape; return s[2]! * s[3]!; };
  const cases = [
    { name: 'one output row past the lag: one-row bands', extra: rowBytes, band: true },
    { name: 'exactly at the lag: the raster-order variant', extra: () => 0, band: false },
    { name: 'above the input by the reverse lag: the raster-order variant backwards', extra: () => 0, band: false, above: true },
  ];
  for (const c of cases) {
    it(`${c.name}; every output equals the interpreter's`, async () => {
      const plan = streamingPlan(sgraph, c.extra, c.above);
      const overlapping = plan.buffers.filter((b) => {
        const input = b.streamsOver === undefined ? undefined : plan.buffers[b.streamsOver.id]!;
        return input !== undefined && b.offset < input.offset + input.size && input.offset < b.offset + b.size && (b.offset > input.offset) === !!c.above;
      }).length;
      assert.ok(overlapping >= (c.above ? 2 : sgraph.ops.length), `${overlapping} outputs overlap their inputs`);
      const gen = generateAot(sgraph, plan, { modelName: 'rv_stream', arithmetic: 'reference', optimize: 'speed', boardFeatures: NO_DSP });
      // at the raster lag some layer must take the raster-order variant (where the row lag is
      // no larger, e.g. a VALID window far ahead of its output, the banded kernel may still run)
      if (c.band) assert.ok(gen.kernels.includes('tr_dw3x3_rv32_layer'));
      else assert.ok(gen.kernels.includes('tr_dw3x3_rv32_raster'), gen.kernels.join());
      if (c.above) assert.match(Object.values(gen.files).join('\n'), /tr_dw3x3_rv32_raster\([^;]*, 1\);/, 'a backward call');
      if (c.band) assert.equal(Object.values(gen.files).join('\n').match(/, 1, TR_RQ_\w+\);/g)?.length, sgraph.ops.length, 'one-row bands');
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
