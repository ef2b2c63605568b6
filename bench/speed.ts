// Speed benchmark (npm run bench:speed): instructions per inference of the AoT firmware on
// QEMU (-icount shift=0, so counts are exact guest instructions, SysTick-derived on Cortex-M
// with a resolution of 40), per int8 model, untiled and FDT-tiled, next to TFLite-Micro's
// reference-kernel figures on the same machine (../shared/models/README.md), with MACs and
// instructions per MAC. Cortex-M4 on qemu-mps2-an386, RV32IMAC on qemu-riscv32-virt.
// Options: --models a,b  --boards x,y  --tilings none,fdt  --reps N  --xnnpack-boards x,y
// (--xnnpack-boards: boards that also run the untiled models in XNNPACK-exact arithmetic —
// float32 rescaling, outputs equal to the golden files; default the Cortex-M4, which has an FPU)
// Writes bench/results/speed.json and bench/results/speed.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { expandConfigs, runMany, type RunRow } from '../firmware/runner/index.ts';
import type { TilingMode } from '../firmware/build/index.ts';

// TFLite Micro reference kernels, Cortex-M4 instructions per inference on QEMU mps2-an386
// (../shared/models/README.md, tflite-micro 90b983c2, gcc 12 -O2).
const TFLM_M4: Record<string, number> = {
  aww: 42_259_000, vww: 99_473_920, resnet: 105_735_800, toycar: 1_954_080, micro_speech: 9_313_600,
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const models = arg('models')?.split(',') ?? Object.keys(TFLM_M4);
const boards = arg('boards')?.split(',') ?? ['qemu-mps2-an386', 'qemu-riscv32-virt'];
const tilings = (arg('tilings')?.split(',') ?? ['none', 'fdt']) as TilingMode[];
const reps = Number(arg('reps') ?? 2);

const xnnpackBoards = arg('xnnpack-boards')?.split(',').filter(Boolean) ?? ['qemu-mps2-an386'];
const configs = [
  ...expandConfigs(models, boards, tilings, ['aot'], reps),
  ...expandConfigs(models, xnnpackBoards, ['none'], ['aot'], reps, ['xnnpack']),
];
const t0 = Date.now();
const rows: RunRow[] = await runMany(configs, {
  timeoutMs: 600_000,
  onDone: (r) => process.stderr.write(`  ${r.model} ${r.board} ${r.tiling} ${r.arithmetic}: ${r.ok ? `${r.count} ${r.counter}` : `FAILED ${r.error}`}\n`),
});
const wallSeconds = (Date.now() - t0) / 1000;

const gcc = async (cc: string) => (await execa(cc, ['--version'], { reject: false })).stdout.split('\n')[0] ?? '';
const results = rows.map((r) => {
  const tflm = r.board === 'qemu-mps2-an386' ? TFLM_M4[r.model] : undefined;
  return {
    model: r.model, board: r.board, tiling: r.tiling, arithmetic: r.arithmetic, reference: r.reference, ok: r.ok, outputsMatch: r.outputsMatch ?? false,
    counter: r.counter, instructions: r.count, counts: r.counts, macs: r.macs,
    instructionsPerMac: r.count && r.macs ? Math.round((r.count / r.macs) * 100) / 100 : undefined,
    tflmReferenceInstructions: tflm,
    speedupVsTflm: tflm && r.count ? Math.round((tflm / r.count) * 100) / 100 : undefined,
    arenaBytes: r.arenaBytes, romBytes: r.romBytes, stackBytes: r.stackBytes, firmwareHash: r.firmwareHash,
    error: r.error,
  };
});

const out = {
  benchmark: 'speed',
  date: new Date().toISOString(),
  method: 'QEMU -icount shift=0; Cortex-M counts = SysTick ticks on the 25 MHz processor clock x 40 (resolution 40 instructions); RV32 counts = minstret (exact). Median of the timed inferences.',
  toolchains: { arm: await gcc('arm-none-eabi-gcc'), riscv: await gcc('riscv64-unknown-elf-gcc') },
  qemu: (await execa('qemu-system-arm', ['--version'], { reject: false })).stdout.split('\n')[0],
  reps, wallSeconds, results,
};
const dir = resolve(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'speed.json'), `${JSON.stringify(out, null, 2)}\n`);

const n = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US'));
const md = [
  '# Speed: instructions per inference (AoT backend, QEMU)',
  '',
  `Measured ${out.date} by \`npm run bench:speed\` (${wallSeconds.toFixed(0)} s wall). ${out.method}`,
  `Toolchains: ${out.toolchains.arm}; ${out.toolchains.riscv}. ${out.qemu}.`,
  'TFLM column: TFLite-Micro reference kernels on the same QEMU machine, from ../shared/models/README.md (not re-measured here).',
  'Rows whose outputs do not match the reference are marked: their counts are of a wrong computation.',
  'Arithmetic: reference = TFLite fixed-point rescaling (TFLite-Micro), checked against the interpreter in that arithmetic; xnnpack = float32 rescaling as TFLite\'s XNNPACK delegate, outputs equal to the golden files.',
  '',
  '| model | board | tiling | arithmetic | instructions | MACs | instr/MAC | TFLM ref instr | TFLM / ours | outputs match |',
  '|---|---|---|---|---:|---:|---:|---:|---:|---|',
  ...results.map((r) => `| ${r.model} | ${r.board} | ${r.tiling} | ${r.arithmetic} | ${r.ok || r.instructions ? n(r.instructions) : 'failed'} | ${n(r.macs)} | ${r.instructionsPerMac ?? '—'} | ${n(r.tflmReferenceInstructions)} | ${r.speedupVsTflm ?? '—'} | ${r.outputsMatch ? 'yes' : `**no**${r.error ? ` (${r.error.slice(0, 80)})` : ''}`} |`),
  '',
].join('\n');
writeFileSync(join(dir, 'speed.md'), md);
process.stdout.write(md);
