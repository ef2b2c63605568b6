// The AoT backend: tinyrack's own C generator (firmware/codegen/aot) over the C kernel library.
// It runs every tiling feature (partial sums, aliased reshapes, streaming overlaps) and either
// int8 arithmetic; it needs only the board's C compiler.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateAot, kernelIncludeDirs, kernelSources } from '../../codegen/aot/index.ts';
import { rv32WalkerGaps } from '../../codegen/aot/rv32-walker-gaps.ts';
import { KERNELS_DIR, RUNTIME_INCLUDE } from '../paths.ts';
import type { BackendModule } from './types.ts';

function kernels(): string[] {
  const listed = kernelSources();
  if (listed.length) return listed;
  return existsSync(KERNELS_DIR) ? readdirSync(KERNELS_DIR).filter((f) => /\.c$/.test(f)).sort().map((f) => join(KERNELS_DIR, f)) : [];
}

export const backend: BackendModule = {
  name: 'aot',
  description: 'tinyrack ahead-of-time C (one kernel call per op, one static arena)',
  tilingFeatures: { partialSums: true, aliasReshape: true, streaming: true },
  goldenArithmetic: (a) => a,
  prepare: (graph, plan) => ({ graph, plan }),
  generate({ graph, plan, modelName, board, arithmetic, profileOps, optimize }) {
    const out = generateAot(graph, plan, { modelName, boardFeatures: board.features, arithmetic, ...(profileOps ? { profileOps } : {}), ...(optimize ? { optimize } : {}) });
    return { files: out.files, arenaBytes: out.arenaBytes, cFlags: out.cFlags, arenaNote: `the memory plan's peak ${plan.peakBytes} B, aligned` };
  },
  // cores without DSP, speed kernels: the quad walker's border column quads (lower-scalar.ts)
  streamGaps: (graph, board, optimize) => (board.features.dsp === false && optimize === 'speed' ? rv32WalkerGaps(graph) : new Map()),
  unavailable: async () => undefined,
  // Unused kernels are dropped by --gc-sections.
  linkInputs: async () => ({ sources: kernels(), includeDirs: [...kernelIncludeDirs(), RUNTIME_INCLUDE, KERNELS_DIR], cxxFlags: [], archives: [] }),
};
