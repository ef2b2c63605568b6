// A power probe: something that supplies or watches the board's current and can hand back the
// samples of a measurement window with the logic-input bits that carry the firmware's marks.
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
