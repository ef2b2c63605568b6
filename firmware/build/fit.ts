// The fit check: a model the board cannot hold is refused with the numbers before anything is
// compiled (RAM: arena + stack; flash: weights + estimated code).
import { ESTIMATED_CODE_BYTES, type BoardDefinition } from '../../boards/types.ts';
import { isActivation, tensorBytes, type Graph } from '../ir/graph.ts';

export interface FitFigures {
  arenaBytes: number;
  stackBytes: number;
  weightsBytes: number;
  estimatedCodeBytes: number;
  ramNeeded: number;
  flashNeeded: number;
  ramAvailable: number;
  flashAvailable: number;
}

export class FitError extends Error {
  constructor(readonly board: string, readonly model: string, readonly figures: FitFigures) {
    const f = figures;
    const parts: string[] = [];
    if (f.ramNeeded > f.ramAvailable) {
      parts.push(`RAM: arena ${f.arenaBytes} + stack ${f.stackBytes} (estimated) = ${f.ramNeeded} bytes > ${f.ramAvailable} bytes`);
    }
    if (f.flashNeeded > f.flashAvailable) {
      parts.push(`flash: weights ${f.weightsBytes} + code ${f.estimatedCodeBytes} (estimated) = ${f.flashNeeded} bytes > ${f.flashAvailable} bytes`);
    }
    super(`model ${model} does not fit board ${board}: ${parts.join('; ')}`);
    this.name = 'FitError';
  }
}

export function fitFigures(board: BoardDefinition, arenaBytes: number, weightsBytes: number): FitFigures {
  return {
    arenaBytes, stackBytes: board.stackBytes, weightsBytes, estimatedCodeBytes: ESTIMATED_CODE_BYTES,
    ramNeeded: arenaBytes + board.stackBytes, flashNeeded: weightsBytes + ESTIMATED_CODE_BYTES,
    ramAvailable: board.memory.ram.size, flashAvailable: board.memory.flash.size,
  };
}

export function checkFit(board: BoardDefinition, model: string, f: FitFigures): void {
  if (f.ramNeeded > f.ramAvailable || f.flashNeeded > f.flashAvailable) throw new FitError(board.id, model, f);
}

export function weightsBytes(graph: Graph): number {
  return graph.tensors.filter((t) => !isActivation(t)).reduce((a, t) => a + (t.data?.byteLength ?? tensorBytes(t)), 0);
}
