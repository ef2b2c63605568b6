// The energy figure of one job: measured between the firmware's marks when a power probe recorded
// the run, else estimated from the instruction count on a virtual board with a datasheet current,
// else none. A measurement whose marks and samples disagree gives no figure (the counts stand).
import type { SerialRecord } from '../../wire/serial.ts';
import type { Counter } from '../../wire/vocabulary.ts';
import { energyBetweenMarks, estimateEnergy, type PowerSample } from './energy.ts';

export interface JobEnergyInput {
  /** The probe's samples of the run, when the board has a probe. */
  power?: { samples: PowerSample[]; periodS: number; supplyV: number };
  /** The run's records (the MARK records split the samples per inference). */
  records: readonly SerialRecord[];
  counter: Counter;
  /** Median count per inference. */
  count: number;
  virtual: boolean;
  /** Datasheet run current (µA/MHz) and supply, for the estimate. */
  currentUaPerMHz?: number;
  supplyVolts: number;
}

export type JobEnergy = { energyUj: number; energyEstimated: boolean } | { withheld: string } | undefined;

export function jobEnergy(x: JobEnergyInput): JobEnergy {
  if (x.power) {
    try {
      const e = energyBetweenMarks(x.power.samples, x.power.periodS, x.power.supplyV, [...x.records]);
      return { energyUj: e.energyUj, energyEstimated: false };
    } catch (err) {
      return { withheld: (err as Error).message };
    }
  }
  // Only instruction counts convert to time at the datasheet clock; cycles on a virtual board
  // do not exist and wall-clock ns on the host say nothing about a microcontroller's current.
  if (x.virtual && x.currentUaPerMHz !== undefined && x.counter === 'instructions') {
    const e = estimateEnergy(x.count, x.currentUaPerMHz, x.supplyVolts);
    return { energyUj: e.energyUj, energyEstimated: true };
  }
  return undefined;
}
