// Energy per inference: measured from power samples between the firmware's start/stop marks
// (a GPIO the firmware raises at each MARK start and lowers at MARK stop, wired to a logic input
// of the power probe). Virtual boards get an estimate instead (boards/energy-estimate.ts).
import type { SerialRecord } from '../../wire/serial.ts';

export interface PowerSample { currentA: number; logic: number }

export interface EnergyMeasurement {
  energyUj: number;
  perInferenceUj: number[];
  energyEstimated: false;
}

/**
 * Splits samples into the intervals where the mark bit is high and integrates V·I over each.
 * The interval count must equal the MARK start records of the report, else the marks and the
 * samples disagree (a missed edge, a probe started too late) and no figure is given.
 */
export function energyBetweenMarks(samples: PowerSample[], periodS: number, supplyV: number, marks: SerialRecord[], bit = 0): EnergyMeasurement {
  const mask = 1 << bit;
  const intervals: number[] = [];
  let acc = 0;
  let high = false;
  for (const s of samples) {
    const on = (s.logic & mask) !== 0;
    if (on) acc += s.currentA * supplyV * periodS;
    if (high && !on) { intervals.push(acc); acc = 0; }
    if (!high && on) acc = s.currentA * supplyV * periodS;
    high = on;
  }
  const starts = marks.filter((m) => m.type === 'MARK' && m.fields.what === 'start').length;
  if (intervals.length !== starts) {
    throw new Error(`power marks disagree: ${intervals.length} high intervals on the logic input, ${starts} MARK start records in the report${high ? ' (the last interval never ended)' : ''}`);
  }
  if (starts === 0) throw new Error('no MARK records in the report: cannot attribute energy to inferences');
  const perInferenceUj = intervals.map((j) => j * 1e6);
  return { energyUj: median(perInferenceUj), perInferenceUj, energyEstimated: false };
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
