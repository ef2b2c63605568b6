// The kernel library and generated models build for the boards' targets: Cortex-M4 with the
// DSP extension (the optimized kernels must then use SMLAD/SXTB16, and no fused multiply-add
// may appear in the float kernels), Cortex-M0 (no DSP: the portable emulation) and RV32IMAC.
// Running them on QEMU is test/firmware/harness.test.ts's part; the host tests run the same C paths
// through TR_DSP_EMULATE.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AOT_CFLAGS, KERNEL_INCLUDE_DIR, generateAot, kernelSources } from '../../firmware/codegen/aot/index.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';

const TARGETS = {
  'cortex-m4': { cc: 'arm-none-eabi-gcc', objdump: 'arm-none-eabi-objdump', flags: ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'] },
  'cortex-m0': { cc: 'arm-none-eabi-gcc', objdump: 'arm-none-eabi-objdump', flags: ['-mcpu=cortex-m0', '-mthumb'] },
  rv32imac: { cc: 'riscv64-unknown-elf-gcc', objdump: 'riscv64-unknown-elf-objdump', flags: ['-march=rv32imac', '-misa-spec=2.2', '-mabi=ilp32', '--specs=picolibc.specs'] },
} as const;

async function have(tool: string): Promise<boolean> {
  return (await execa('which', [tool], { reject: false })).exitCode === 0;
}

const dir = mkdtempSync(join(tmpdir(), 'tr-cross-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

async function compile(target: keyof typeof TARGETS, src: string, extra: string[] = []): Promise<string> {
  const t = TARGETS[target];
  const obj = join(dir, `${target}-${basename(src)}-${extra.join('').replace(/\W/g, '')}.o`);
  await execa(t.cc, [...AOT_CFLAGS, '-O2', '-Wall', '-Wextra', '-Werror', ...t.flags, ...extra, '-I', KERNEL_INCLUDE_DIR, '-c', src, '-o', obj]);
  return obj;
}

async function disassemble(target: keyof typeof TARGETS, obj: string): Promise<string> {
  return (await execa(TARGETS[target].objdump, ['-d', obj])).stdout;
}

for (const target of Object.keys(TARGETS) as (keyof typeof TARGETS)[]) {
  describe(`kernels cross-compile for ${target}`, () => {
    let available = false;
    before(async () => { available = await have(TARGETS[target].cc); });

    it('every kernel file compiles with -Wall -Wextra -Werror', async (t) => {
      if (!available) return t.skip(`${TARGETS[target].cc} not installed`);
      for (const src of kernelSources()) await compile(target, src);
    });

    if (target === 'cortex-m4') {
      it('optimized int8 kernels use SMLAD and SXTB16; TR_DSP_EMULATE removes them', async (t) => {
        if (!available) return t.skip('arm-none-eabi-gcc not installed');
        for (const name of ['tr_conv2d_s8_fast.c', 'tr_fully_connected_s8_fast.c']) {
          const src = kernelSources().find((s) => s.endsWith(name))!;
          const native = await disassemble(target, await compile(target, src));
          assert.match(native, /\bsmlad\b/, `${name} should use smlad`);
          assert.match(native, /\bsxtb16\b/, `${name} should use sxtb16`);
          const emulated = await disassemble(target, await compile(target, src, ['-DTR_DSP_EMULATE']));
          assert.doesNotMatch(emulated, /\bsmlad\b/, `${name} with TR_DSP_EMULATE`);
        }
      });

      it('float kernels contain no fused multiply-add (bit-exactness with the interpreter)', async (t) => {
        if (!available) return t.skip('arm-none-eabi-gcc not installed');
        for (const src of kernelSources().filter((s) => /_f32\.c$/.test(s))) {
          // gnu99 contracts by default: the header's pragma must switch it off
          const obj = join(dir, `fma-${basename(src)}.o`);
          await execa(TARGETS[target].cc, ['-std=gnu99', '-O2', ...TARGETS[target].flags, '-I', KERNEL_INCLUDE_DIR, '-c', src, '-o', obj]);
          assert.doesNotMatch(await disassemble(target, obj), /\bv(fma|fms|fnma|fnms|mla|mls)\./, basename(src));
        }
      });
    }

    it('a generated model (aww, optimized kernels) compiles', async (t) => {
      if (!available) return t.skip(`${TARGETS[target].cc} not installed`);
      const graph = loadModel(modelPath('aww'));
      // optimize 'size' links the library's int8 kernels; 'speed' (the default) inlines the speed
      // kernels' headers into the model file: both must compile with -Werror.
      for (const optimize of ['size', 'speed'] as const) {
        const out = generateAot(graph, planGraph(graph, {}), { modelName: 'aww', boardFeatures: { dsp: target === 'cortex-m4' }, optimize });
        const src = join(dir, `${target}-${optimize}-aww.c`);
        writeFileSync(src, out.files['tr_model_aot.c']!);
        const obj = await compile(target, src);
        const syms = (await execa(TARGETS[target].cc.replace(/gcc$/, 'nm'), [obj])).stdout;
        for (const fn of ['tr_model_info', 'tr_model_init', 'tr_model_invoke', 'tr_model_input', 'tr_model_output', 'tr_model_heap_bytes']) {
          assert.match(syms, new RegExp(`\\bT ${fn}\\b`), fn);
        }
        if (optimize === 'size') assert.match(syms, /\bU tr_conv2d_s8_fast\b/);
      }
    });
  });
}
