// `npm run bench:memory`: arena bytes of every planner on every model of the set, in the
// model's order and in the optimized order, beside the lower bound and TFLite-Micro's own
// planner figure (firmware/plan/tflm-reference.json, with its source). Also times the
// planners, including greedy on synthetic 100-buffer instances (tiling's path search calls
// it thousands of times), and the RAM inference needs on the device with aot + best tiling vs
// TFLite-Micro untiled (bench/device-ram.ts). Order "model+streaming": model order with streaming overlaps (an output
// may share bytes with the input it reads last, lagging it; AoT builds only). Writes bench/results/memory.json and memory.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../firmware/model/reader.ts';
import { modelNames, modelPath } from '../firmware/model-set/index.ts';
import { lowerBound, peakOf } from '../firmware/plan/bounds.ts';
import { bufferLifetimes } from '../firmware/plan/lifetimes.ts';
import { getPlanner, plannerNames } from '../firmware/plan/registry.ts';
import { optimizeOrder, modelOrder } from '../firmware/plan/schedule.ts';
import { TFLM_REFERENCE, tflmPlannerBytes } from '../firmware/plan/tflm-reference.ts';
import type { BufferReq } from '../firmware/plan/types.ts';
import { verifyPlan } from '../firmware/plan/verify.ts';
import { deviceRamMarkdown, measureDeviceRam } from './device-ram.ts';

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');
const OPTIMAL_LIMIT_MS = 2000;

/** Median wall time of `fn` over enough runs to fill ~minMs (at least 3 runs). */
function timeMs(fn: () => void, minMs = 50): number {
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 3 || (performance.now() - start < minMs && samples.length < 2000)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

interface Row {
  model: string; order: 'model' | 'optimized' | 'model+streaming'; planner: string; buffers: number;
  peakBytes: number; lowerBound: number; provenOptimal: boolean; tflmBytes: number | null;
  planMs: number; orderMs: number;
}

const rows: Row[] = [];
for (const model of modelNames()) {
  const g = loadModel(modelPath(model));
  for (const mode of ['model', 'optimized', 'model+streaming'] as const) {
    let order = modelOrder(g);
    let orderMs = 0;
    if (mode === 'optimized') {
      orderMs = timeMs(() => { order = optimizeOrder(g).order; });
    }
    const { buffers } = bufferLifetimes(g, order, { streaming: mode === 'model+streaming' });
    const lb = lowerBound(buffers);
    for (const name of plannerNames()) {
      const planner = getPlanner(name);
      const outcome = planner.solve(buffers, { timeLimitMs: OPTIMAL_LIMIT_MS });
      verifyPlan(buffers, outcome.offsets);
      const peak = peakOf(buffers, outcome.offsets);
      const planMs = timeMs(() => planner.solve(buffers, { timeLimitMs: OPTIMAL_LIMIT_MS }));
      rows.push({
        model, order: mode, planner: name, buffers: buffers.length, peakBytes: peak, lowerBound: lb,
        provenOptimal: outcome.provenOptimal || peak === lb, tflmBytes: tflmPlannerBytes(model) ?? null,
        planMs, orderMs,
      });
    }
  }
}

// Synthetic instances the size tiling produces: 100 buffers, chain-like lifetimes.
function syntheticInstance(seed: number, n: number): BufferReq[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, id) => {
    const firstOp = Math.floor(rnd() * n * 0.6);
    return { id, size: 16 * (1 + Math.floor(rnd() * 256)), firstOp, lastOp: firstOp + Math.floor(rnd() * 6), kind: 'activation' as const };
  });
}
const synthetic = [];
for (const name of ['greedy', 'optimal']) {
  const times: number[] = [];
  let proven = 0;
  let atBound = 0;
  let gain = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const b = syntheticInstance(seed, 100);
    const planner = getPlanner(name);
    const out = planner.solve(b, { timeLimitMs: 200 });
    verifyPlan(b, out.offsets);
    const peak = peakOf(b, out.offsets);
    if (out.provenOptimal || peak === lowerBound(b)) proven++;
    if (peak === lowerBound(b)) atBound++;
    gain += peak / lowerBound(b);
    times.push(timeMs(() => planner.solve(b, { timeLimitMs: 200 }), name === 'greedy' ? 20 : 0));
  }
  times.sort((a, b) => a - b);
  synthetic.push({
    planner: name, instances: 20, buffers: 100, medianMs: times[10], maxMs: times[19],
    provenOptimal: proven, atLowerBound: atBound, meanPeakOverLowerBound: gain / 20,
  });
}

const fmt = (n: number) => n.toLocaleString('en-US');
const ms = (x: number) => (x < 0.1 ? x.toFixed(3) : x.toFixed(2));
const md: string[] = [];
md.push('# Memory planning benchmark', '');
md.push(`Arena bytes for activations (+ scratch, 0 for now), 16-byte aligned. TFLM column: ${TFLM_REFERENCE.quantity}; source: ${TFLM_REFERENCE.source}.`);
md.push(`Times are measured medians on this machine (${process.version}); optimal has a ${OPTIMAL_LIMIT_MS} ms limit. "proven" = optimality proven (or lower bound reached).`);
md.push('"model+streaming": model order, outputs may overlap the input they read last by the AoT kernels\' lag (firmware/plan/streaming.ts); the lower bound then counts each pair at its smallest footprint, and the exact planner falls back to the heuristic layout (not proven unless at the bound).', '');
md.push('| model | order | planner | buffers | arena B | lower bound B | TFLM B | vs TFLM | proven | plan ms | order ms |');
md.push('|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|');
for (const r of rows) {
  const vs = r.tflmBytes === null ? 'n/a' : r.peakBytes === r.tflmBytes ? '=' : `${r.peakBytes < r.tflmBytes ? '−' : '+'}${fmt(Math.abs(r.peakBytes - r.tflmBytes))}`;
  md.push(`| ${r.model} | ${r.order} | ${r.planner} | ${r.buffers} | ${fmt(r.peakBytes)} | ${fmt(r.lowerBound)} | ${r.tflmBytes === null ? 'n/a' : fmt(r.tflmBytes)} | ${vs} | ${r.provenOptimal ? 'yes' : 'no'} | ${ms(r.planMs)} | ${r.order === 'optimized' ? ms(r.orderMs) : '-'} |`);
}
md.push('', '## Synthetic 100-buffer instances (20 seeds)', '');
md.push('| planner | median ms | max ms | proven optimal | at lower bound | mean arena / lower bound |');
md.push('|---|---:|---:|---:|---:|---:|');
for (const s of synthetic) {
  md.push(`| ${s.planner} | ${ms(s.medianMs)} | ${ms(s.maxMs)} | ${s.provenOptimal}/20 | ${s.atLowerBound}/20 | ${s.meanPeakOverLowerBound.toFixed(4)} |`);
}
// On-device RAM against TFLite-Micro (measured in this run when its trees are present).
const deviceRam = await measureDeviceRam((l) => process.stderr.write(`${l}\n`));
md.push(...deviceRamMarkdown(deviceRam));
const text = `${md.join('\n')}\n`;
mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(join(OUT_DIR, 'memory.md'), text);
writeFileSync(join(OUT_DIR, 'memory.json'), `${JSON.stringify({
  date: new Date().toISOString(), node: process.version, optimalTimeLimitMs: OPTIMAL_LIMIT_MS,
  tflmReference: TFLM_REFERENCE, models: rows, synthetic,
  deviceRam: { board: 'qemu-mps2-an386', rows: deviceRam.rows, geomean: deviceRam.geomean, runs: deviceRam.compare },
}, null, 2)}\n`);
process.stdout.write(text);
