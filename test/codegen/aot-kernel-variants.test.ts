// The per-layer kernel variants (optimize 'speed': weights laid out for the kernel at build
// time; 'size': int8 weights) against the reference interpreter on shape-targeted cases
// (support/kernel-cases.ts), in both int8 arithmetics: on the host with the DSP emulation and
// on the scalar path, and on QEMU mps2-an386 with the real Cortex-M4 instructions (the
// hand-scheduled assembly the host cannot run). Every output must match bit for bit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { runGraphAll } from '../../firmware/interp/interpreter.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import { assertHostOutputsMatch, assertQemuOutputsMatch, have } from './support/kernel-runs.ts';
import { kernelCases } from './support/kernel-cases.ts';
import { RandomGraph, randomInput, rng } from './support/random-ops.ts';
import { QEMU_BOARD } from '../../tools/qemu-aot.ts';
import { ARITHMETICS, OPTIMIZE_GOALS } from '../../wire/vocabulary.ts';

/** Kernels only optimize 'speed' selects (each must be reached by the cases): on DSP cores
 * (and targets of unknown features), and on cores known to lack the DSP extension. */
const SPEED_KERNELS = ['tr_conv1x1_wide_layer', 'tr_conv_wide_layer', 'tr_dw1ch_wide_layer', 'tr_dw3x3_wide_layer', 'tr_fc_wide_layer',
  'tr_fc_deep_layer', 'tr_conv1x1_deep_layer', 'tr_conv1x1_pairs_layer'];
const SPEED_KERNELS_NO_DSP = ['tr_conv1x1_s4_layer', 'tr_fc_s4_layer', 'tr_conv1x1_1ch_layer'];

const g = new RandomGraph(rng(11));
kernelCases(g);
const graph = g.graph;
const inputs = graph.inputs.map((id) => randomInput(g, graph.tensors[id]!));
const plan = planGraph(graph, {});

for (const arithmetic of ARITHMETICS) {
  describe(`kernel variants, ${arithmetic} arithmetic`, () => {
    const want = runGraphAll(graph, inputs, { arithmetic });
    for (const optimize of OPTIMIZE_GOALS) {
      for (const [flavour, flags] of [['DSP emulated', ['-DTR_DSP_EMULATE']], ['scalar', []]] as const) {
        it(`optimize ${optimize}, host (${flavour}): every output equals the interpreter's`, async () => {
          const out = generateAot(graph, plan, { modelName: `kv_${arithmetic}_${optimize}`, arithmetic, optimize });
          // the cases reach the variants they are for
          for (const k of SPEED_KERNELS) assert.equal(out.kernels.includes(k), optimize === 'speed', k);
          await assertHostOutputsMatch(graph, out, flags, inputs, want);
        });
      }
    }
    it('optimize speed, target without DSP, host (scalar): every output equals the interpreter\'s', async () => {
      const out = generateAot(graph, plan, { modelName: `kv_${arithmetic}_nodsp`, arithmetic, optimize: 'speed', boardFeatures: { dsp: false, fpu: false } });
      for (const k of SPEED_KERNELS_NO_DSP) assert.ok(out.kernels.includes(k), k);
      await assertHostOutputsMatch(graph, out, [], inputs, want);
    });
    it('optimize speed, QEMU mps2-an386 (native DSP instructions): every output equals the interpreter\'s', async (t) => {
      if (!(await have('arm-none-eabi-gcc')) || !(await have('qemu-system-arm'))) return t.skip('arm-none-eabi-gcc or qemu-system-arm not installed');
      const gen = generateAot(graph, plan, { modelName: `kv_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: { dsp: true, fpu: true } });
      for (const k of SPEED_KERNELS) assert.ok(gen.kernels.includes(k), k);
      await assertQemuOutputsMatch(graph, gen, `kernel-variants-${arithmetic}`, QEMU_BOARD, 120_000, inputs, want);
    });
  });
}
