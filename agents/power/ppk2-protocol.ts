// The Nordic Power Profiler Kit II wire protocol over its USB CDC serial port, as used by
// nRF Connect Power Profiler (and documented by the community ppk2-api): one-byte opcodes with
// arguments, a text metadata block with per-range calibration, and a stream of 4-byte samples.
// Shared by the driver (ppk2.ts) and the simulated instrument (ppk2-sim.ts).

export const PPK2_CMD = {
  AverageStart: 0x06,
  AverageStop: 0x07,
  DeviceRunningSet: 0x0c,
  RegulatorSet: 0x0d,
  SetPowerMode: 0x11,
  GetMetadata: 0x19,
  Reset: 0x20,
} as const;

export const POWER_MODE = { ampere: 1, source: 2 } as const;

/** The PPK2 samples at 100 kHz: one sample per 10 µs. */
export const SAMPLE_PERIOD_S = 10e-6;
/** Five measurement ranges, each with its own shunt and calibration. */
export const RANGES = 5;
/** ADC full scale: 1.8 V reference over 2^14 codes, with the firmware's x4 scaling and x10 gain. */
export const ADC_MULT = 1.8 / 163840;

export interface Ppk2Calibration {
  calibrated: boolean;
  /** Per range: shunt resistance R, offset O, gain terms GS/GI, supply terms S/I, user gain UG. */
  r: number[]; o: number[]; gs: number[]; gi: number[]; s: number[]; i: number[]; ug: number[];
  hw?: string;
  vddMv?: number;
}

/** Defaults the instrument's firmware ships (used for any key the metadata lacks). */
export const DEFAULT_CALIBRATION: Ppk2Calibration = {
  calibrated: false,
  r: [1031.64, 101.65, 10.15, 0.94, 0.043], o: [0, 0, 0, 0, 0], gs: [1, 1, 1, 1, 1], gi: [1, 1, 1, 1, 1],
  s: [0, 0, 0, 0, 0], i: [0, 0, 0, 0, 0], ug: [1, 1, 1, 1, 1],
};

/** Parses the metadata text ("key: value" lines ending with "END"). */
export function parseMetadata(text: string): Ppk2Calibration {
  if (!/\bEND\b/.test(text)) throw new Error('PPK2 metadata incomplete (no END line)');
  const cal: Ppk2Calibration = structuredClone(DEFAULT_CALIBRATION);
  const keys: Record<string, keyof Ppk2Calibration> = { R: 'r', O: 'o', GS: 'gs', GI: 'gi', S: 's', I: 'i', UG: 'ug' };
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z]+?)(\d)?:\s*(.+)$/.exec(line.trim());
    if (!m) continue;
    const [, key, idx, value] = m;
    if (idx !== undefined && keys[key!]) {
      const v = Number(value);
      const n = Number(idx);
      if (!Number.isFinite(v) || n >= RANGES) throw new Error(`PPK2 metadata: bad value "${line.trim()}"`);
      // Some units report R = 0 for an uncalibrated range: keep the default shunt there.
      if (key === 'R' && v === 0) continue;
      (cal[keys[key!]] as number[])[n] = v;
    } else if (key === 'Calibrated') cal.calibrated = value!.trim() !== '0';
    else if (key === 'HW') cal.hw = value!.trim();
    else if (key === 'VDD') cal.vddMv = Number(value);
  }
  return cal;
}

export function formatMetadata(cal: Ppk2Calibration): string {
  const lines = [`Calibrated: ${cal.calibrated ? 1 : 0}`];
  for (const [k, arr] of [['R', cal.r], ['O', cal.o], ['GS', cal.gs], ['GI', cal.gi], ['S', cal.s], ['I', cal.i], ['UG', cal.ug]] as const) {
    arr.forEach((v, n) => lines.push(`${k}${n}: ${v}`));
  }
  if (cal.hw) lines.push(`HW: ${cal.hw}`);
  if (cal.vddMv) lines.push(`VDD: ${cal.vddMv}`);
  lines.push('END', '');
  return lines.join('\n');
}

/** RegulatorSet argument: the millivolts as two bytes, high first (800..5000 mV). */
export function regulatorBytes(mV: number): [number, number] {
  if (!Number.isInteger(mV) || mV < 800 || mV > 5000) throw new Error(`PPK2 supply must be 800..5000 mV, got ${mV}`);
  return [mV >> 8, mV & 0xff];
}

export interface RawSample { adc: number; range: number; counter: number; logic: number }

/** One 4-byte little-endian frame: ADC 14 bits, range 3 bits, counter 6 bits, logic 8 bits. */
export function decodeFrame(word: number): RawSample {
  return { adc: word & 0x3fff, range: (word >>> 14) & 0x7, counter: (word >>> 18) & 0x3f, logic: (word >>> 24) & 0xff };
}

export function encodeFrame(s: RawSample): number {
  return ((s.adc & 0x3fff) | ((s.range & 0x7) << 14) | ((s.counter & 0x3f) << 18) | ((s.logic & 0xff) << 24)) >>> 0;
}

/** Current in amperes of one sample, with the range's calibration (no spike filter). */
export function sampleCurrent(cal: Ppk2Calibration, s: RawSample, vddMv: number): number {
  const k = Math.min(s.range, RANGES - 1);
  const r = (s.adc * 4 - cal.o[k]!) * (ADC_MULT / cal.r[k]!);
  return cal.ug[k]! * (r * (cal.gs[k]! * r + cal.gi[k]!) + (cal.s[k]! * (vddMv / 1000) + cal.i[k]!));
}
