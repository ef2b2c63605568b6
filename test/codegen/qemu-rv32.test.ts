// The 'xnnpack' arithmetic without an FPU: RV32IMAC (soft-float float32 from libgcc) on
// QEMU riscv32 virt, built through the build pipeline as a prepared model. The output must
// equal the golden file (real TFLite). Skipped when the RISC-V toolchain or QEMU is missing.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { goldenSamples } from '../../firmware/model-set/index.ts';
import { buildAotForQemu, outputHex, runQemu } from '../../tools/qemu-aot.ts';

async function have(tool: string): Promise<boolean> {
  return (await execa('which', [tool], { reject: false })).exitCode === 0;
}

for (const model of ['micro_speech', 'toycar']) {
  it(`${model}, xnnpack arithmetic on RV32 soft-float (QEMU virt): output equals the golden output`, async (t) => {
    if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
    const { build } = await buildAotForQemu(model, { arithmetic: 'xnnpack', board: 'qemu-riscv32-virt' });
    const stdout = await runQemu(build.elfPath, 120_000, 'qemu-riscv32-virt');
    assert.match(stdout, /END status=0/, stdout.slice(-500));
    const want = goldenSamples(model)[0]!.output;
    assert.equal(outputHex(stdout), Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
  });
}
