// A finished run's metrics for its job result: the report judged against the build by
// wire/report.ts (the same verdict `tinyrack run` gives), plus the build's sizes and the energy
// figure. A report whose figures cannot be used is an error, never zeros.
import type { ResultMetrics } from '../../wire/mqtt.ts';
import { compareOutputs, judgeRun } from '../../wire/report.ts';
import { jobEnergy } from '../power/job-energy.ts';
import { median } from '../power/energy.ts';
import type { BoardSlot, BuiltFirmware, RunCapture } from './types.ts';
import type { ProtocolReport } from './protocol-run.ts';

export function jobMetrics(run: RunCapture, fw: BuiltFirmware, slot: BoardSlot, log: (msg: string) => void = () => {}): ResultMetrics {
  if (run.protocol) return protocolMetrics(run, run.protocol, fw, slot, log);
  const report = run.capture.report;
  const v = judgeRun(report, { expectedOutputs: fw.expectedOutputs, arenaBytes: fw.arenaBytes, clockHz: slot.def.clockHz });
  if (v.error !== undefined || !v.figures) throw new Error(v.error);
  const f = v.figures;
  const metrics: ResultMetrics = {
    counter: f.counter, count: f.count, counts: f.counts, latencyUs: f.latencyUs, stackBytes: f.stackBytes, heapBytes: f.heapBytes,
    arenaBytes: report.model?.arena ?? fw.arenaBytes, romBytes: fw.romBytes, ramBytes: fw.ramBytes, outputsMatch: v.outputs.match,
    // QEMU counts instructions: a latency from them assumes one per cycle at the nominal clock.
    latencyEstimated: f.counter === 'instructions',
  };
  const e = jobEnergy({
    power: run.power, records: run.capture.records, board: slot.def.board, counter: f.counter, count: f.count,
  });
  if (e && 'withheld' in e) log(`no energy figure: ${e.withheld}`);
  else if (e) { metrics.energyUj = e.energyUj; metrics.energyEstimated = e.energyEstimated; }
  return metrics;
}

/** A protocol run (MLPerf Tiny harness, agents/pipeline/protocol-run.ts) has no TR1 report: its
 * counts and outputs come from the protocol answers, judged by the same output comparator. */
function protocolMetrics(run: RunCapture, p: ProtocolReport, fw: BuiltFirmware, slot: BoardSlot, log: (msg: string) => void): ResultMetrics {
  if (!p.counts.length) throw new Error('protocol run gave no timed inferences');
  // The median of an even number of counts may fall between two: the count is a whole number,
  // the latency keeps the exact median.
  const mid = median([...p.counts]);
  const count = Math.round(mid);
  const outputs = compareOutputs(fw.expectedOutputs, p.outputs);
  const metrics: ResultMetrics = {
    counter: p.counter, count, counts: p.counts, latencyUs: (mid / p.hz) * 1e6, stackBytes: p.stackBytes, heapBytes: p.heapBytes,
    arenaBytes: fw.arenaBytes, romBytes: fw.romBytes, ramBytes: fw.ramBytes, outputsMatch: outputs.match,
    latencyEstimated: p.latencyEstimated,
  };
  const e = jobEnergy({
    power: run.power, records: [], board: slot.def.board, counter: p.counter, count, ...(run.energy ? { measured: run.energy } : {}),
  });
  if (e && 'withheld' in e) log(`no energy figure: ${e.withheld}`);
  else if (e) { metrics.energyUj = e.energyUj; metrics.energyEstimated = e.energyEstimated; }
  return metrics;
}

