// Interpreter speed per model (not a test: timings are measured, never asserted). Prints the
// median wall time of one inference over the golden samples, after one warm-up run.
// Run: node --import tsx tools/measure-interp-speed.ts [--json]
import { loadModel } from '../firmware/model/reader.ts';
import { goldenSamples, modelNames, modelPath } from '../firmware/model-set/index.ts';
import { runGraph, type Arithmetic } from '../firmware/interp/interpreter.ts';
import { summarizeGraph } from '../firmware/model/summary.ts';

const rows: { model: string; arithmetic: Arithmetic; macs: number; medianMs: number; runs: number }[] = [];
for (const model of modelNames()) {
  const graph = loadModel(modelPath(model));
  const macs = summarizeGraph(graph).totalMacs;
  const samples = goldenSamples(model);
  for (const arithmetic of ['xnnpack', 'reference'] as const) {
    runGraph(graph, [samples[0]!.input], { arithmetic });
    const times: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const s of samples) {
        const t0 = performance.now();
        runGraph(graph, [s.input], { arithmetic });
        times.push(performance.now() - t0);
      }
    }
    times.sort((a, b) => a - b);
    rows.push({ model, arithmetic, macs, medianMs: times[Math.floor(times.length / 2)]!, runs: times.length });
  }
}
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  process.stdout.write('model         arithmetic  MACs         median ms  runs\n');
  for (const r of rows) {
    process.stdout.write(`${r.model.padEnd(13)} ${r.arithmetic.padEnd(11)} ${String(r.macs).padStart(10)}  ${r.medianMs.toFixed(1).padStart(9)}  ${r.runs}\n`);
  }
}
