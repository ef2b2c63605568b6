// From a run's report records to the job's metrics: median count, latency from the board's clock,
// stack/heap high-water marks, and whether the outputs match the reference.
import type { SerialRecord } from '../../wire/serial.ts';
import type { ResultMetrics } from '../../wire/mqtt.ts';
import type { Counter } from '../../wire/vocabulary.ts';
import { median } from '../power/energy.ts';

export interface ExpectedOutputHex { dtype: string; hex: string }

export interface RunReport {
  firmwareId?: string;
  counter: Counter;
  hz: number;
  arenaBytes?: number;
  counts: number[];
  stackBytes: number;
  heapBytes: number;
  outputs: { o: number; dtype: string; hex: string }[];
  endStatus: number;
  /** Latency derived from a modelled clock (QEMU); default: the counter is instructions. */
  latencyEstimated?: boolean;
}

/** Reads the records of one completed run; a report missing its parts is an error, not zeros. */
export function readReport(records: SerialRecord[]): RunReport {
  const boot = records.find((r) => r.type === 'BOOT');
  const end = records.find((r) => r.type === 'END');
  if (!boot) throw new Error('report has no BOOT record');
  if (!end) throw new Error('report has no END record');
  const infs = records.filter((r) => r.type === 'INF');
  const model = records.find((r) => r.type === 'MODEL');
  const int = (v: string | undefined, what: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`report: bad ${what} "${v}"`);
    return n;
  };
  const counter = boot.fields.counter;
  if (counter !== 'cycles' && counter !== 'instructions' && counter !== 'ns') throw new Error(`report: unknown counter "${counter}"`);
  return {
    firmwareId: boot.fields.fw,
    counter,
    hz: int(boot.fields.hz, 'BOOT hz'),
    arenaBytes: model ? int(model.fields.arena, 'MODEL arena') : undefined,
    counts: infs.map((r) => int(r.fields.count, 'INF count')),
    stackBytes: Math.max(0, ...infs.map((r) => int(r.fields.stack, 'INF stack'))),
    heapBytes: Math.max(0, ...infs.map((r) => int(r.fields.heap, 'INF heap'))),
    outputs: records.filter((r) => r.type === 'OUT').map((r) => ({ o: int(r.fields.o, 'OUT o'), dtype: r.fields.dtype!, hex: r.fields.hex!.toLowerCase() })),
    endStatus: int(end.fields.status, 'END status'),
  };
}

/** int outputs must match bit for bit; float32 within 1e-4 relative (as the model set says). */
export function outputsMatch(got: RunReport['outputs'], expected: ExpectedOutputHex[]): boolean {
  if (got.length !== expected.length || expected.length === 0) return false;
  return expected.every((e, i) => {
    const g = got.find((x) => x.o === i);
    if (!g || g.hex.length !== e.hex.length) return false;
    if (e.dtype !== 'float32') return g.hex === e.hex.toLowerCase();
    const a = Buffer.from(g.hex, 'hex');
    const b = Buffer.from(e.hex, 'hex');
    for (let k = 0; k + 4 <= a.length; k += 4) {
      const x = a.readFloatLE(k);
      const y = b.readFloatLE(k);
      if (!(Math.abs(x - y) <= 1e-4 * Math.max(Math.abs(y), 1e-6) + 1e-7)) return false;
    }
    return true;
  });
}

export function computeMetrics(report: RunReport, build: { arenaBytes: number; romBytes: number; ramBytes: number }, expected: ExpectedOutputHex[], clockHzFallback: number): ResultMetrics {
  if (report.counts.length === 0) throw new Error('report has no timed inferences (INF records)');
  const count = median(report.counts);
  const hz = report.hz || clockHzFallback;
  return {
    counter: report.counter,
    count: Math.round(count),
    counts: report.counts,
    latencyUs: (count / hz) * 1e6,
    stackBytes: report.stackBytes,
    heapBytes: report.heapBytes,
    arenaBytes: report.arenaBytes ?? build.arenaBytes,
    romBytes: build.romBytes,
    ramBytes: build.ramBytes,
    outputsMatch: outputsMatch(report.outputs, expected),
    // QEMU counts instructions: a latency from them assumes one per cycle at the nominal clock.
    latencyEstimated: report.latencyEstimated ?? report.counter === 'instructions',
  };
}
