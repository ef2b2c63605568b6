// The optimized kernels with the real Cortex-M4 DSP instructions (not the host emulation):
// models are built for QEMU's mps2-an386 through the build pipeline (firmware/build, with
// firmware/harness) and run; the output record must equal the reference
// interpreter's output bit for bit. Skipped when the ARM toolchain or QEMU is missing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { buildFirmware } from '../../firmware/build/index.ts';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../../firmware/model-set/index.ts';
import { buildAotForQemu, outputHex, runQemu } from '../../tools/qemu-aot.ts';

async function have(tool: string): Promise<boolean> {
  return (await execa('which', [tool], { reject: false })).exitCode === 0;
}

describe('AoT on QEMU mps2-an386 (Cortex-M4, native SMLAD)', () => {
  // micro_speech: depthwise gather path + FC; resnet: 2x2 conv blocks, border pixels, ADD;
  // magic_wand: float kernels with the hardware FPU (no contraction).
  for (const model of ['micro_speech', 'resnet', 'magic_wand']) {
    it(`${model}: output equals the interpreter's bit for bit`, async (t) => {
      if (!(await have('arm-none-eabi-gcc')) || !(await have('qemu-system-arm'))) return t.skip('arm-none-eabi-gcc or qemu-system-arm not installed');
      const build = await buildFirmware({ model, board: 'qemu-mps2-an386', backend: 'aot', reps: 1, warmup: 0, sample: 0 });
      const run = await execa('qemu-system-arm', ['-M', 'mps2-an386', '-icount', 'shift=0', '-nographic',
        '-semihosting-config', 'enable=on,target=native', '-kernel', build.elfPath, '-serial', 'mon:stdio'], { timeout: 120_000, reject: false });
      assert.match(run.stdout, /END status=0/, run.stdout.slice(-500));
      const hex = /OUT o=0 dtype=\w+ hex=([0-9a-f]+)/.exec(run.stdout)?.[1];
      const want = runGraph(loadModel(modelPath(model)), [goldenSamples(model)[0]!.input], { arithmetic: 'reference' })[0]!;
      assert.equal(hex, Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
    });
  }
  // The build pipeline's tiling engine for AoT (auto: FFMT/FDT, partial sums, aliased reshapes
  // and streaming overlaps, firmware/plan/streaming.ts) with the native DSP kernels: outputs
  // written over the inputs they consume must still give the untiled interpreter's output.
  for (const model of ['aww', 'vww']) {
    it(`${model} built with tiling auto (streaming overlaps): output equals the interpreter's bit for bit`, async (t) => {
      if (!(await have('arm-none-eabi-gcc')) || !(await have('qemu-system-arm'))) return t.skip('arm-none-eabi-gcc or qemu-system-arm not installed');
      const build = await buildFirmware({ model, board: 'qemu-mps2-an386', backend: 'aot', tiling: 'auto', reps: 1, warmup: 0, sample: 0 });
      const stdout = await runQemu(build.elfPath, 120_000);
      assert.match(stdout, /END status=0/, stdout.slice(-500));
      const want = runGraph(loadModel(modelPath(model)), [goldenSamples(model)[0]!.input], { arithmetic: 'reference' })[0]!;
      assert.equal(outputHex(stdout), Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
    });
  }
  // 'xnnpack' arithmetic with the hardware FPU (fpv4-sp-d16, hard float): the output must be
  // the golden file's (real TFLite). resnet: conv blocks and ADD; micro_speech: the
  // depthwise-as-conv path and FC.
  for (const model of ['resnet', 'micro_speech']) {
    it(`${model}, xnnpack arithmetic: output equals the golden (real TFLite) output`, async (t) => {
      if (!(await have('arm-none-eabi-gcc')) || !(await have('qemu-system-arm'))) return t.skip('arm-none-eabi-gcc or qemu-system-arm not installed');
      const { build } = await buildAotForQemu(model, { arithmetic: 'xnnpack' });
      const stdout = await runQemu(build.elfPath, 120_000);
      assert.match(stdout, /END status=0/, stdout.slice(-500));
      const want = goldenSamples(model)[0]!.output;
      assert.equal(outputHex(stdout), Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
    });
  }
});
