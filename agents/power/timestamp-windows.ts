// Energy windows from the firmware's timestamp pin, read by the power probe's digital input
// (PPK2 D0..D7 = the logic bits of every sample), not from the serial line: the probe sees the
// pin and the current on the same 10 µs clock, so a window is exact to one sample, whatever
// the UART latency. Two pin conventions:
//   'level'  — the pin is high for each timed loop (tinyrack's harnesses: TR1 around each
//              inference, mlperf-tiny performance mode around the `infer` loop);
//   'pulses' — the pin idles high and is pulled low for >= 1 µs at each timestamp (the EEMBC
//              EnergyRunner convention, mlperf-tiny energy mode): a window runs from one falling
//              edge to the next, two timestamps per `infer` command.
// The host knows how many windows it caused (the `infer` commands it sent) and how many
// inferences each held; a different window count means a missed edge or a probe started late,
// and no figure is given.
import type { PowerSample } from './energy.ts';

export type TimestampMode = 'level' | 'pulses';

/** Sample index ranges [start, end) of each window. */
export interface Window { start: number; end: number }

export function timestampWindows(samples: readonly PowerSample[], mode: TimestampMode, bit = 0): Window[] {
  const mask = 1 << bit;
  const out: Window[] = [];
  if (mode === 'level') {
    let start = -1;
    samples.forEach((s, i) => {
      const on = (s.logic & mask) !== 0;
      if (on && start < 0) start = i;
      if (!on && start >= 0) { out.push({ start, end: i }); start = -1; }
    });
    return out;
  }
  // Falling edges only count after the pin was seen high (a capture that starts mid-pulse would
  // otherwise invent a timestamp); pairs of edges make windows.
  const falls: number[] = [];
  let prev: boolean | undefined;
  samples.forEach((s, i) => {
    const on = (s.logic & mask) !== 0;
    if (prev === true && !on) falls.push(i);
    prev = on;
  });
  for (let k = 0; k + 1 < falls.length; k += 2) out.push({ start: falls[k]!, end: falls[k + 1]! });
  if (falls.length % 2) out.push({ start: falls.at(-1)!, end: -1 }); // unmatched: reported below
  return out;
}

export interface WindowEnergy {
  /** Median energy per inference over the windows, µJ. */
  energyUj: number;
  perWindowUj: number[];
  perInferenceUj: number[];
  energyEstimated: false;
}

/** Integrates V·I over each window and divides by the inferences it held. */
export function energyFromTimestamps(samples: readonly PowerSample[], periodS: number, supplyV: number, mode: TimestampMode,
  inferencesPerWindow: readonly number[], bit = 0): WindowEnergy {
  const windows = timestampWindows(samples, mode, bit);
  if (windows.some((w) => w.end < 0)) throw new Error(`timestamp pin: an odd number of falling edges (${windows.length * 2 - 1}); a timestamp was missed`);
  if (windows.length !== inferencesPerWindow.length) {
    throw new Error(`timestamp pin: ${windows.length} windows on digital input D${bit}, but the host ran ${inferencesPerWindow.length} timed loops`);
  }
  if (windows.length === 0) throw new Error('timestamp pin: no timed loop to measure');
  const perWindowUj = windows.map((w) => {
    let j = 0;
    for (let i = w.start; i < w.end; i++) j += samples[i]!.currentA * supplyV * periodS;
    return j * 1e6;
  });
  const perInferenceUj = perWindowUj.map((e, i) => e / inferencesPerWindow[i]!);
  const s = [...perInferenceUj].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { energyUj: s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2, perWindowUj, perInferenceUj, energyEstimated: false };
}
