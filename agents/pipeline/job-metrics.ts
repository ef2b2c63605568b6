// A finished run's metrics for its job result: the report judged against the build by
// wire/report.ts (the same verdict `tinyrack run` gives), plus the build's sizes and the energy
// figure. A report whose figures cannot be used is an error, never zeros.
import type { ResultMetrics } from '../../wire/mqtt.ts';
import { judgeRun } from '../../wire/report.ts';
import { jobEnergy } from '../power/job-energy.ts';
import type { BoardSlot, BuiltFirmware, RunCapture } from './types.ts';

export function jobMetrics(run: RunCapture, fw: BuiltFirmware, slot: BoardSlot, log: (msg: string) => void = () => {}): ResultMetrics {
  const report = run.capture.report;
  const v = judgeRun(report, { expectedOutputs: fw.expectedOutputs, arenaBytes: fw.arenaBytes, clockHz: slot.def.clockHz });
  if (v.error !== undefined || !v.figures) throw new Error(v.error);
  const f = v.figures;
  const metrics: ResultMetrics = {
    counter: f.counter, count: f.count, counts: f.counts, latencyUs: f.latencyUs, stackBytes: f.stackBytes, heapBytes: f.heapBytes,
    arenaBytes: report.model?.arena ?? fw.arenaBytes, romBytes: fw.romBytes, ramBytes: fw.ramBytes, outputsMatch: v.outputs.match,
  };
  const e = jobEnergy({
    power: run.power, records: run.capture.records, board: slot.def.board, counter: f.counter, count: f.count,
  });
  if (e && 'withheld' in e) log(`no energy figure: ${e.withheld}`);
  else if (e) { metrics.energyUj = e.energyUj; metrics.energyEstimated = e.energyEstimated; }
  return metrics;
}
