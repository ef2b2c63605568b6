// Energy per inference estimated from a board's datasheet current, for boards nothing measures
// (virtual boards). Used by `tinyrack run` and by the lab agent, so both report the same figure.
// A model, not a measurement: results carry it flagged as an estimate.
import type { BoardDefinition } from './types.ts';
import type { Counter } from '../wire/vocabulary.ts';

export interface EnergyEstimate { energyUj: number; energyEstimated: true }

/**
 * time = count / clock, current = datasheet µA/MHz × MHz, so E[µJ] = count × µA/MHz × V / 1e6
 * (the clock cancels out).
 */
export function estimateEnergy(count: number, currentUaPerMHz: number, supplyV: number): EnergyEstimate {
  return { energyUj: (count * currentUaPerMHz * supplyV) / 1e6, energyEstimated: true };
}

/** The estimate for a count on a board: only instruction counts of a virtual board with a
 * datasheet figure convert (cycles need silicon, which a probe measures; the host board's
 * nanoseconds say nothing about a microcontroller's current). */
export function boardEnergyEstimate(board: BoardDefinition, counter: Counter, count: number): EnergyEstimate | undefined {
  if (!board.virtual || !board.power || counter !== 'instructions') return undefined;
  // The definition gives mA/MHz; the estimate works in µA/MHz.
  return estimateEnergy(count, board.power.currentMaPerMhz * 1000, board.power.volts);
}
