// The RAM inference needs on the device — arena in use + stack + heap, measured by the firmware
// on qemu-mps2-an386 — for the AoT backend with each tiling, against TFLite-Micro untiled
// (reference and CMSIS-NN kernels). TFLM is measured in the same run when its trees are present
// (provisioning/fetch-tflm.sh); otherwise its figure is the labelled upstream reference
// (arena_used_bytes() only: TFLM's stack is not in it, so the ratio flatters TFLM). Every ratio
// names the baseline it divides by. Issue 10's goal: aot + best tiling <= 0.33x tflm untiled
// (geometric mean over the int8 models) and <= 0.5x on every one.
import { runCompare, type CompareRow } from '../firmware/compare/index.ts';
import { manifest } from '../firmware/model-set/index.ts';
import { tflmArenaUsed, type TflmReferenceBackend } from '../firmware/plan/tflm-reference.ts';
import { TFLM_BACKENDS, type Backend } from '../wire/vocabulary.ts';

export const DEVICE_RAM_BOARD = 'qemu-mps2-an386';
const TILINGS = ['none', 'fdt', 'ffmt', 'auto'] as const;

export interface TflmBaseline { backend: Backend; bytes: number; source: 'measured' | 'reference'; label: string }
export interface DeviceRamRow {
  model: string;
  /** AoT, best tiling by measured on-device RAM. */
  /** The kernel goal too: speed kernels need more stack (widened inputs), size keeps int8. */
  aot: { tiling: string; optimize: string; ramBytes: number; arenaBytes: number; stackBytes: number; heapBytes: number };
  aotUntiledRamBytes: number;
  baselines: TflmBaseline[];
  /** aot best RAM / baseline bytes, per baseline backend. */
  ratios: Record<string, number>;
}

function measuredTflm(rows: CompareRow[], model: string, backend: Backend): TflmBaseline | undefined {
  const r = rows.find((x) => x.model === model && x.backend === backend && x.tiling === 'none' && x.status === 'ok');
  return r ? { backend, bytes: r.ramBytes!, source: 'measured', label: `measured here: ${backend} untiled, arena_used + stack + heap on ${DEVICE_RAM_BOARD}` } : undefined;
}

export async function measureDeviceRam(log: (s: string) => void = () => {}): Promise<{ rows: DeviceRamRow[]; compare: CompareRow[]; geomean: Record<string, number> }> {
  const m = manifest();
  const models = Object.keys(m).filter((k) => m[k]!.dtype === 'int8');
  let done = 0;
  const compare = await runCompare({
    models, boards: [DEVICE_RAM_BOARD], backends: ['aot', ...TFLM_BACKENDS], tilings: [...TILINGS], arithmetics: ['reference'], optimizes: ['speed', 'size'], reps: 1,
    onStart: (n) => log(`device RAM: ${n} runs on ${DEVICE_RAM_BOARD}`),
    onDone: (r) => log(`  [${++done}] ${r.model} ${r.backend}/${r.tiling}: ${r.status === 'ok' ? `${r.ramBytes} B` : r.status}`),
  });
  const failed = compare.filter((r) => r.status === 'failed');
  if (failed.length) throw new Error(`device RAM runs failed: ${failed.map((r) => `${r.model} ${r.backend}/${r.tiling}: ${r.reason}`).join('; ')}`);
  const rows: DeviceRamRow[] = [];
  for (const model of models) {
    const aot = compare.filter((r) => r.model === model && r.backend === 'aot' && r.status === 'ok');
    const best = aot.reduce((a, b) => (b.ramBytes! < a.ramBytes! ? b : a));
    const baselines: TflmBaseline[] = [];
    for (const backend of TFLM_BACKENDS) {
      const measured = measuredTflm(compare, model, backend);
      if (measured) { baselines.push(measured); continue; }
      const ref = tflmArenaUsed(model, backend as TflmReferenceBackend);
      if (ref) baselines.push({ backend, bytes: ref.value, source: 'reference', label: ref.label });
    }
    rows.push({
      model,
      aot: { tiling: best.tiling, optimize: best.optimize ?? 'speed', ramBytes: best.ramBytes!, arenaBytes: best.arenaBytes!, stackBytes: best.stackBytes!, heapBytes: best.heapBytes! },
      aotUntiledRamBytes: aot.find((r) => r.tiling === 'none' && r.optimize !== 'size')!.ramBytes!,
      baselines,
      ratios: Object.fromEntries(baselines.map((b) => [b.backend, best.ramBytes! / b.bytes])),
    });
  }
  const geomean: Record<string, number> = {};
  for (const backend of TFLM_BACKENDS) {
    const rs = rows.map((r) => r.ratios[backend]).filter((x): x is number => x !== undefined);
    if (rs.length === rows.length) geomean[backend] = Math.exp(rs.reduce((a, x) => a + Math.log(x), 0) / rs.length);
  }
  return { rows, compare, geomean };
}

/** Markdown section for bench/results/memory.md. */
export function deviceRamMarkdown(r: Awaited<ReturnType<typeof measureDeviceRam>>): string[] {
  const f = (n: number) => n.toLocaleString('en-US');
  const md: string[] = ['', `## On-device RAM: aot + best tiling vs TFLite-Micro untiled (${DEVICE_RAM_BOARD}, int8 models)`, ''];
  md.push('RAM = arena in use + stack + heap, measured by the firmware (stack watermark, TFLM: `arena_used_bytes()`). Best tiling = the one with the least measured RAM among none/fdt/ffmt/auto, each with the speed and the size kernels (speed kernels widen inputs on the stack); aot untiled = speed kernels, no tiling.');
  const sources = new Set(r.rows.flatMap((x) => x.baselines.map((b) => `${b.backend}: ${b.label}`)));
  md.push('Baselines (each ratio divides aot + best tiling by the column\'s baseline):', ...[...sources].map((s) => `- ${s}`), '');
  md.push('| model | aot best tiling (kernels) | aot RAM B (arena + stack + heap) | aot untiled RAM B | tflm untiled B | ÷ tflm | tflm-cmsis-nn untiled B | ÷ tflm-cmsis-nn |');
  md.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const x of r.rows) {
    const b = (k: string) => x.baselines.find((y) => y.backend === k);
    const cell = (k: string) => { const y = b(k); return y ? `${f(y.bytes)} (${y.source})` : 'n/a'; };
    const ratio = (k: string) => (x.ratios[k] !== undefined ? `${x.ratios[k]!.toFixed(3)}×` : 'n/a');
    md.push(`| ${x.model} | ${x.aot.tiling} (${x.aot.optimize}) | ${f(x.aot.ramBytes)} (${f(x.aot.arenaBytes)} + ${f(x.aot.stackBytes)} + ${f(x.aot.heapBytes)}) | ${f(x.aotUntiledRamBytes)} | ${cell('tflm')} | ${ratio('tflm')} | ${cell('tflm-cmsis-nn')} | ${ratio('tflm-cmsis-nn')} |`);
  }
  const g = (k: string) => (r.geomean[k] !== undefined ? `${r.geomean[k]!.toFixed(3)}×` : 'n/a');
  const worst = (k: string) => Math.max(...r.rows.map((x) => x.ratios[k] ?? 0));
  md.push('', `Geometric mean over the int8 models: ${g('tflm')} of tflm untiled, ${g('tflm-cmsis-nn')} of tflm-cmsis-nn untiled (goal <= 0.33×); worst model: ${worst('tflm').toFixed(3)}× / ${worst('tflm-cmsis-nn').toFixed(3)}× (goal <= 0.5× each).`);
  return md;
}
