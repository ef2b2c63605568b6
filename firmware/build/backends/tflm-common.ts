// What the two TFLite-Micro backends share: they differ only in the kernels their tree was
// generated with (reference, or OPTIMIZED_KERNEL_DIR=cmsis_nn) — same generated interpreter
// code, same offline plan, same arithmetic (CMSIS-NN is bit-exact with TFLM's reference kernels).
import { generateTflm } from '../../codegen/tflm/index.ts';
import { planGraph } from '../../plan/plan-graph.ts';
import { exportTiledModel } from '../../tiling/export.ts';
import { withOfflinePlan } from '../../tiling/offline-plan.ts';
import { cxxToolchainProblem } from '../cxx-toolchain.ts';
import { memoryPlanFromTiled } from '../plan-adapter.ts';
import { RUNTIME_INCLUDE } from '../paths.ts';
import { tflmCxxFlags, tflmLibrary } from '../tflm-library.ts';
import { findTflmTree, TflmTreeMissing, type TflmKernels } from '../tflm-tree.ts';
import type { Arch } from '../../../boards/types.ts';
import type { Backend } from '../../../wire/vocabulary.ts';
import type { BackendModule } from './types.ts';

/** `arches`: the board architectures these kernels are for (undefined: any). */
export function tflmBackend(name: Backend, kernels: TflmKernels, description: string, arches?: readonly Arch[]): BackendModule {
  const unavailable: BackendModule['unavailable'] = async (board) => {
    if (arches && !arches.includes(board.arch)) return `${name} kernels are for ${arches.join('/')} targets; board ${board.id} is ${board.arch}`;
    try {
      findTflmTree(kernels, name);
    } catch (err) {
      if (err instanceof TflmTreeMissing) return err.message;
      throw err;
    }
    return cxxToolchainProblem(board);
  };
  return {
    name, description,
    // TFLite-Micro has neither the internal partial-sum ops nor zero-copy RESHAPE, and its
    // kernels' write order is not part of our contract (no streaming overlaps): its builds tile
    // with FDT/FFMT rewrites made of standard ops only.
    tilingFeatures: { partialSums: false, aliasReshape: false, streaming: false },
    goldenArithmetic: () => 'tflm',
    prepare(graph, plan, o) {
      // Untiled: TFLM runs the model file itself and plans it with its own greedy planner.
      if (!o.tiled) return { graph, plan: planGraph(graph), modelBytes: o.modelBytes };
      // Tiled: the rewritten graph as a standard .tflite carrying our plan as
      // OfflineMemoryAllocation metadata, so TFLM places every activation where we planned.
      const exported = exportTiledModel(graph);
      return { graph: withOfflinePlan(exported.graph, exported.plan), plan: memoryPlanFromTiled(exported.graph, exported.plan), modelBytes: exported.bytes };
    },
    generate({ graph, plan, modelName, modelBytes, profileOps }) {
      const out = generateTflm(graph, plan, { modelName, backend: name, kernels, ...(modelBytes ? { modelBytes } : {}), ...(profileOps ? { profileOps } : {}) });
      return {
        files: out.files, arenaBytes: out.arenaBytes, cFlags: [],
        arenaNote: `${out.activationBytes} B activations (${out.offlinePlanned ? 'our offline plan' : 'TFLM greedy plan, model order'}) + ${out.overheadBytes} B TFLM persistent data and kernel scratch (upper bound, see codegen/tflm)`,
      };
    },
    unavailable,
    cacheIdentity() {
      try {
        const tree = findTflmTree(kernels, name);
        return JSON.stringify({ dir: tree.dir, stamp: tree.stamp ?? null, sources: tree.sources.length });
      } catch {
        return 'no tree'; // the build stops with the reason before anything is cached
      }
    },
    async linkInputs(board) {
      const problem = await unavailable(board);
      if (problem) throw new Error(problem);
      const tree = findTflmTree(kernels, name);
      const lib = await tflmLibrary(tree, board);
      return {
        sources: [], includeDirs: [...tree.includeDirs, RUNTIME_INCLUDE], cxxFlags: tflmCxxFlags(tree),
        archives: [lib.archive], archiveKey: lib.key,
      };
    },
  };
}
