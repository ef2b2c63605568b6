// A power probe: something that supplies or watches the board's current and can hand back the
// samples of a measurement window with the logic-input bits that carry the firmware's marks.
// Each kind of instrument is one file in this folder exporting `probe` (a ProbeKind); the rack
// file's `probe.kind` picks it (registry.ts).
import type { PowerSample } from './energy.ts';

export interface PowerProbe {
  readonly kind: string;
  /** Prepares the instrument (calibration, supply voltage) and powers the board. */
  init(): Promise<void>;
  /** Starts sampling; samples accumulate until stop(). */
  start(): Promise<void>;
  stop(): Promise<{ samples: PowerSample[]; periodS: number; supplyV: number; droppedSamples: number }>;
  close(): Promise<void>;
}

/** What the rack file says about a board's probe (agents/config/rack-config.ts). */
export interface ProbeSettings { serialNumber?: string; voltageMv: number }

/** One kind of instrument: opens it on its serial port. */
export interface ProbeKind {
  readonly kind: string;
  open(port: string, settings: ProbeSettings): Promise<PowerProbe>;
}
