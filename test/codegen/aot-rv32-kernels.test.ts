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
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './support/host-build.ts';
import { graphOutputMismatches } from './support/compare.ts';
import { addConvCase, addFcCase, kernelCases } from './support/kernel-cases.ts';
import { RandomGraph, randomInput, rng } from './support/random-ops.ts';
import { runQemu } from '../../tools/qemu-aot.ts';
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
