// The energy figure of one job: measured between the firmware's marks when a power probe recorded
// the run, else estimated from the instruction count on a virtual board with a datasheet current
// (boards/energy-estimate.ts, the estimate `tinyrack run` gives too), else none. A measurement
// whose marks and samples disagree gives no figure (the counts stand).
import type { BoardDefinition } from '../../boards/types.ts';
import { boardEnergyEstimate } from '../../boards/energy-estimate.ts';
import type { SerialRecord } from '../../wire/serial.ts';
import type { Counter } from '../../wire/vocabulary.ts';
import { energyBetweenMarks, type PowerSample } from './energy.ts';

export interface JobEnergyInput {
  /** The probe's samples of the run, when the board has a probe. */
  power?: { samples: PowerSample[]; periodS: number; supplyV: number };
  /** The run's records (the MARK records split the samples per inference). */
  records: readonly SerialRecord[];
  board: BoardDefinition;
  counter: Counter;
  /** Median count per inference. */
  count: number;
  /** Protocol runs: energy from the timestamp-pin windows (timestamp-windows.ts) instead of the
   * MARK records, which such firmware does not print. */
  measured?: () => { energyUj: number };
}

export type JobEnergy = { energyUj: number; energyEstimated: boolean } | { withheld: string } | undefined;

export function jobEnergy(x: JobEnergyInput): JobEnergy {
  if (x.power) {
    try {
      const e = x.measured ? x.measured() : energyBetweenMarks(x.power.samples, x.power.periodS, x.power.supplyV, [...x.records]);
      return { energyUj: e.energyUj, energyEstimated: false };
    } catch (err) {
      return { withheld: (err as Error).message };
    }
  }
  return boardEnergyEstimate(x.board, x.counter, x.count);
}
