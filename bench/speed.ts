// Speed benchmark (npm run bench:speed), the figures issue 11's goals are stated in. Per int8
// model of the set, on qemu-mps2-an386 (Cortex-M4F, DSP) and qemu-riscv32-virt (RV32IMAC):
//   - AoT instructions per inference (untiled), instructions per MAC overall and, from the
//     per-op profile (a separate profiled build of the same model), for conv / depthwise /
//     fully-connected layers, ROM bytes;
//   - the FDT-tiled build's instructions next to the untiled one;
//   - TFLite-Micro with reference kernels (`tflm`) and with CMSIS-NN (`tflm-cmsis-nn`):
//     measured in the same run where a TFLM tree is available to the build, otherwise the
//     labelled reference figures of firmware/plan/tflm-reference.json (Cortex-M4 only);
// then the goals with what was measured against them, every ratio naming its baseline.
// Counts are exact guest instructions (QEMU -icount shift=0): RV32 minstret, Cortex-M SysTick
// x 40 (resolution 40). Never timings.
// Options: --models a,b  --boards x,y  --reps N  --no-tflm (skip the TFLM runs)
// Writes bench/results/speed.json and bench/results/speed.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { manifest } from '../firmware/model-set/index.ts';
import { runMany, type RunConfig, type RunRow } from '../firmware/runner/index.ts';
import { tflmInstructions, type TflmReferenceBackend } from '../firmware/plan/tflm-reference.ts';
import { MAC_CLASSES, type MacClass } from '../firmware/ir/op-table.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const M4 = 'qemu-mps2-an386';
const RV32 = 'qemu-riscv32-virt';
const int8Models = Object.entries(manifest()).filter(([, m]) => m.dtype === 'int8').map(([name]) => name);
const models = arg('models')?.split(',') ?? int8Models;
const boards = arg('boards')?.split(',') ?? [M4, RV32];
const reps = Number(arg('reps') ?? 1);
const withTflm = !process.argv.includes('--no-tflm');
const TFLM_BACKENDS: TflmReferenceBackend[] = ['tflm', 'tflm-cmsis-nn'];

/** The goals of issue 11. */
const GOALS = { m4PerMacGeomean: 1.2, vsCmsisNnGeomean: 0.5, vsCmsisNnEach: 0.7, rv32PerMacGeomean: 3.0, fdtOverhead: 0.01 };

const cfg = (model: string, board: string, extra: Partial<RunConfig> = {}): RunConfig =>
  ({ model, board, backend: 'aot', tiling: 'none', reps, warmup: 1, ...extra });
const configs: RunConfig[] = [];
for (const model of models) for (const board of boards) {
  configs.push(cfg(model, board), cfg(model, board, { profile: true }), cfg(model, board, { tiling: 'fdt' }));
  if (withTflm) for (const backend of TFLM_BACKENDS) configs.push(cfg(model, board, { backend }));
}

const t0 = Date.now();
const rows: RunRow[] = await runMany(configs, {
  timeoutMs: 600_000,
  onDone: (r) => process.stderr.write(`  ${r.model} ${r.board} ${r.backend} ${r.tiling}${r.profile ? ' profile' : ''}: ${r.ok ? `${r.count} ${r.counter}` : `FAILED ${r.error?.split('\n')[0]?.slice(0, 160)}`}\n`),
});
const wallSeconds = Math.round((Date.now() - t0) / 100) / 10;
const find = (model: string, board: string, pred: (c: RunConfig) => boolean) =>
  rows[configs.findIndex((c) => c.model === model && c.board === board && pred(c))];

const r3 = (x: number) => Math.round(x * 1000) / 1000;
// FDT overheads are a fraction of a percent: kept to 0.001 % so the table's two decimals are true.
const r5 = (x: number) => Math.round(x * 100_000) / 100_000;
const geomean = (xs: number[]) => (xs.length ? Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length) : undefined);

interface TflmFigure { backend: TflmReferenceBackend; instructions: number; measured: boolean; label: string; romBytes?: number; note?: string }

const results = models.flatMap((model) => boards.map((board) => {
  const plain = find(model, board, (c) => c.backend === 'aot' && c.tiling === 'none' && !c.profile)!;
  const prof = find(model, board, (c) => c.backend === 'aot' && c.tiling === 'none' && !!c.profile)!;
  const fdt = find(model, board, (c) => c.backend === 'aot' && c.tiling === 'fdt')!;
  const ok = plain.ok && plain.count !== undefined && plain.macs;
  const byClass: Partial<Record<MacClass, { macs: number; instructions: number; perMac?: number }>> = {};
  if (prof.ok && prof.profile) {
    for (const cls of MAC_CLASSES) {
      const c = prof.profile.byClass[cls];
      if (c.ops) byClass[cls] = { macs: c.macs, instructions: c.count, ...(c.perMac !== undefined ? { perMac: c.perMac } : {}) };
    }
  }
  const tflm: TflmFigure[] = [];
  for (const backend of TFLM_BACKENDS) {
    const row = withTflm ? find(model, board, (c) => c.backend === backend) : undefined;
    if (row?.ok && row.count !== undefined) {
      tflm.push({ backend, instructions: row.count, measured: true, label: `measured in this run (${backend}, same board, same counter)`, romBytes: row.romBytes });
      continue;
    }
    const ref = board === M4 ? tflmInstructions(model, backend) : undefined;
    const why = row ? `not measured here: ${row.error?.split('\n')[0]?.slice(0, 200)}` : 'not measured here (--no-tflm)';
    if (ref) tflm.push({ backend, instructions: ref.value, measured: false, label: ref.label, note: why });
  }
  const instructions = ok ? plain.count! : undefined;
  return {
    model, board, ok: !!ok && plain.outputsMatch === true, error: plain.error,
    counter: plain.counter, instructions, macs: plain.macs,
    instructionsPerMac: instructions && plain.macs ? r3(instructions / plain.macs) : undefined,
    romBytes: plain.romBytes, arenaBytes: plain.arenaBytes,
    profile: prof.ok && prof.profile
      ? { ok: true, sumOfOps: prof.profile.total, resolution: prof.profile.resolution, readCost: prof.profile.readCost, byClass,
        top: [...prof.profile.ops].sort((a, b) => b.count - a.count).slice(0, 5).map((o) => ({ op: o.op, kind: o.kind, instructions: o.count, perMac: o.perMac, share: o.share })) }
      : { ok: false, error: prof.error },
    fdt: fdt.ok && fdt.count !== undefined && instructions
      ? { instructions: fdt.count, vsUntiled: r5(fdt.count / instructions - 1), romBytes: fdt.romBytes, arenaBytes: fdt.arenaBytes, outputsMatch: fdt.outputsMatch }
      : { error: fdt.error ?? 'no count' },
    tflm: tflm.map((t) => ({ ...t, oursOverTflm: instructions ? r3(instructions / t.instructions) : undefined })),
  };
}));

// Goals, each with the figures it is computed from.
const of = (board: string) => results.filter((r) => r.board === board && r.ok);
const m4PerMac = geomean(of(M4).map((r) => r.instructionsPerMac!));
const rvPerMac = geomean(of(RV32).map((r) => r.instructionsPerMac!));
const vsCmsis = of(M4).map((r) => ({ model: r.model, t: r.tflm.find((t) => t.backend === 'tflm-cmsis-nn') }))
  .filter((x) => x.t?.oursOverTflm !== undefined).map((x) => ({ model: x.model, ratio: x.t!.oursOverTflm!, baseline: x.t!.measured ? 'measured tflm-cmsis-nn' : 'tflm-cmsis-nn reference figure' }));
const vsCmsisGeo = geomean(vsCmsis.map((x) => x.ratio));
const fdtRows = results.filter((r) => r.ok && 'vsUntiled' in r.fdt);
const worstFdt = fdtRows.reduce<{ model: string; board: string; v: number } | undefined>((w, r) => {
  const v = (r.fdt as { vsUntiled: number }).vsUntiled;
  return !w || v > w.v ? { model: r.model, board: r.board, v } : w;
}, undefined);
const verdict = (pass: boolean | undefined) => (pass === undefined ? 'not measured' : pass ? 'met' : '**not met**');
const fdtGoal = { goal: `FDT-tiled within ${GOALS.fdtOverhead * 100} % of untiled (worst model x board)`, value: worstFdt?.v, baseline: worstFdt ? `untiled AoT, ${worstFdt.model} on ${worstFdt.board}` : 'none', met: worstFdt ? fdtRows.every((r) => (r.fdt as { vsUntiled: number }).vsUntiled <= GOALS.fdtOverhead) : undefined };
const goals = [
  { goal: `Cortex-M4 instructions/MAC, geometric mean over the int8 models <= ${GOALS.m4PerMacGeomean}`, value: m4PerMac && r3(m4PerMac), baseline: 'MACs of the model (firmware/ir/macs.ts)', met: m4PerMac === undefined ? undefined : m4PerMac <= GOALS.m4PerMacGeomean },
  { goal: `Cortex-M4 instructions / tflm-cmsis-nn instructions, geometric mean <= ${GOALS.vsCmsisNnGeomean}`, value: vsCmsisGeo && r3(vsCmsisGeo), baseline: [...new Set(vsCmsis.map((x) => x.baseline))].join(' + ') || 'none', met: vsCmsisGeo === undefined ? undefined : vsCmsisGeo <= GOALS.vsCmsisNnGeomean },
  { goal: `Cortex-M4 instructions / tflm-cmsis-nn instructions, every int8 model <= ${GOALS.vsCmsisNnEach}`, value: vsCmsis.length ? r3(Math.max(...vsCmsis.map((x) => x.ratio))) : undefined, baseline: vsCmsis.map((x) => `${x.model} ${x.ratio}`).join(', '), met: vsCmsis.length ? vsCmsis.every((x) => x.ratio <= GOALS.vsCmsisNnEach) : undefined },
  { goal: `RV32 instructions/MAC, geometric mean <= ${GOALS.rv32PerMacGeomean}`, value: rvPerMac && r3(rvPerMac), baseline: 'MACs of the model', met: rvPerMac === undefined ? undefined : rvPerMac <= GOALS.rv32PerMacGeomean },
  fdtGoal,
];

const gcc = async (cc: string) => (await execa(cc, ['--version'], { reject: false })).stdout.split('\n')[0] ?? '';
const out = {
  benchmark: 'speed',
  date: new Date().toISOString(),
  method: 'QEMU -icount shift=0: counts are guest instructions, not cycles. Cortex-M: SysTick ticks on the 25 MHz processor clock x 40 (resolution 40 instructions); RV32: minstret (exact). One warm-up, then the median of the timed inferences. Per-class figures: sum of the per-op counts of a profiled build of the same model (counter read cost taken off each op).',
  toolchains: { arm: await gcc('arm-none-eabi-gcc'), riscv: await gcc('riscv64-unknown-elf-gcc') },
  qemu: (await execa('qemu-system-arm', ['--version'], { reject: false })).stdout.split('\n')[0],
  reps, wallSeconds, goals, results,
};
const dir = resolve(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'speed.json'), `${JSON.stringify(out, null, 2)}\n`);

const n = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US'));
const f2 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(2));
const pct = (x: number | undefined) => (x === undefined ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} %`);
const tcell = (r: (typeof results)[number], b: TflmReferenceBackend) => {
  const t = r.tflm.find((x) => x.backend === b);
  return t ? `${n(t.instructions)}${t.measured ? '' : ' (ref)'}` : '—';
};
const rcell = (r: (typeof results)[number], b: TflmReferenceBackend) => f2(r.tflm.find((x) => x.backend === b)?.oursOverTflm);
const cls = (r: (typeof results)[number], c: MacClass) => ('byClass' in r.profile ? f2(r.profile.byClass?.[c]?.perMac) : '—');
const refNotes = [...new Set(results.flatMap((r) => r.tflm.filter((t) => !t.measured).map((t) => t.label)))];
const whyNot = [...new Set(results.flatMap((r) => r.tflm.filter((t) => !t.measured && t.note).map((t) => t.note!)))];
const md = [
  '# Speed: AoT instructions per inference and per MAC, against TFLite-Micro (QEMU)',
  '',
  `Measured ${out.date} by \`npm run bench:speed\` (${wallSeconds} s wall). ${out.method}`,
  `Toolchains: ${out.toolchains.arm}; ${out.toolchains.riscv}. ${out.qemu}.`,
  '',
  '## Goals (issue 11)',
  '',
  '| goal | measured | baseline | verdict |',
  '|---|---:|---|---|',
  ...goals.map((g) => `| ${g.goal} | ${g.value === undefined ? '—' : g === fdtGoal ? pct(g.value) : g.value} | ${g.baseline} | ${verdict(g.met)} |`),
  '',
  '## Per model',
  '',
  'instr/MAC columns: AoT instructions / MACs; conv, dw, fc: the same for the conv, depthwise and fully-connected layers alone (from the per-op profile). Ratios: AoT instructions / the TFLM figure beside them (below 1 = AoT needs fewer).',
  '',
  '| model | board | AoT instructions | MACs | instr/MAC | conv | dw | fc | ROM bytes | FDT instructions | FDT vs untiled | FDT ROM bytes | tflm | AoT/tflm | tflm-cmsis-nn | AoT/tflm-cmsis-nn | outputs |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ...results.map((r) => `| ${r.model} | ${r.board} | ${n(r.instructions)} | ${n(r.macs)} | ${f2(r.instructionsPerMac)} | ${cls(r, 'conv')} | ${cls(r, 'depthwise')} | ${cls(r, 'fully_connected')} | ${n(r.romBytes)} | ${'instructions' in r.fdt ? n(r.fdt.instructions) : 'failed'} | ${'vsUntiled' in r.fdt ? pct(r.fdt.vsUntiled) : '—'} | ${'romBytes' in r.fdt ? n(r.fdt.romBytes) : '—'} | ${tcell(r, 'tflm')} | ${rcell(r, 'tflm')} | ${tcell(r, 'tflm-cmsis-nn')} | ${rcell(r, 'tflm-cmsis-nn')} | ${r.ok ? 'match' : `**${r.error?.slice(0, 80) ?? 'no'}**`} |`),
  '',
  ...(refNotes.length ? ['TFLM figures marked (ref) are not measured in this run:', ...refNotes.map((l) => `- ${l}`), ...whyNot.map((l) => `- why: ${l}`), ''] : []),
  '## Heaviest ops (profiled build)',
  '',
  '| model | board | op | kind | instructions | instr/MAC | share |',
  '|---|---|---:|---|---:|---:|---:|',
  ...results.flatMap((r) => ('top' in r.profile ? r.profile.top!.slice(0, 3) : []).map((o) => `| ${r.model} | ${r.board} | ${o.op} | ${o.kind} | ${n(o.instructions)} | ${f2(o.perMac)} | ${(o.share * 100).toFixed(1)} % |`)),
  '',
].join('\n');
writeFileSync(join(dir, 'speed.md'), md);
process.stdout.write(md);
