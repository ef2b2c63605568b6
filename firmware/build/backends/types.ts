// What a backend is to the build pipeline: one object, registered by name (registry.ts), that
// says which tiling features its code can run, how it prepares a tiled graph, which arithmetic
// its outputs follow, what it generates, what else must be compiled and linked, and — before
// anything is compiled — why it cannot build for a board here. A new backend is one file in
// this folder exporting `backend`, and its name in wire/vocabulary.ts BACKENDS (index.ts).
import type { BoardDefinition } from '../../../boards/types.ts';
import type { Graph } from '../../ir/graph.ts';
import type { MemoryPlan } from '../../plan/types.ts';
import type { Arithmetic, Backend, OptimizeGoal } from '../../../wire/vocabulary.ts';
import type { Arithmetic as GoldenArithmetic } from '../golden.ts';

/** Tiling-engine features whose output this backend's generated code can run. */
export interface TilingFeatures { partialSums: boolean; aliasReshape: boolean; streaming: boolean }

/** A graph ready for a backend: the graph and plan it generates from, and, when the backend
 * embeds a .tflite, the exact bytes (the model file, or a tiled export with our offline plan). */
export interface BackendModel { graph: Graph; plan: MemoryPlan; modelBytes?: Uint8Array }

export interface GenerateInput extends BackendModel {
  modelName: string;
  board: BoardDefinition;
  arithmetic: Arithmetic;
  /** Per-op profile compiled in (AoT: counter reads between ops; TFLM: its MicroProfiler). */
  profileOps?: boolean;
  /** AoT kernel selection goal (TFLite-Micro backends ignore it: their kernels are the tree's). */
  optimize?: OptimizeGoal;
}

export interface Generated {
  /** Relative path -> contents; .c/.cc/.cpp files are compiled, headers are on the include path. */
  files: Record<string, string>;
  /** Bytes of the static arena the firmware reserves. */
  arenaBytes: number;
  /** Flags for the generated code and the backend's own sources (C++ files drop -std=c*). */
  cFlags: string[];
  /** How the arena size was chosen, for `plan --backend` and reports. */
  arenaNote: string;
}

/** What is compiled and linked beside the generated files. */
export interface LinkInputs {
  /** Sources compiled with the board's flags plus the generator's (absolute paths). */
  sources: string[];
  includeDirs: string[];
  /** Extra flags for C++ files (generated and sources). */
  cxxFlags: string[];
  /** Static libraries linked after the objects (e.g. a cached TFLite-Micro library). */
  archives: string[];
  /** Identity of what the archives hold (tree, toolchain, flags), for the content cache key. */
  archiveKey?: string;
}

export interface BackendModule {
  name: Backend;
  /** One line for help and reports. */
  description: string;
  tilingFeatures: TilingFeatures;
  /** The arithmetic the interpreter must compute to check this backend's outputs. */
  goldenArithmetic(arithmetic: Arithmetic): GoldenArithmetic;
  /** The graph as this backend consumes it. `modelBytes`: the unmodified model file; `tiled`:
   * true when the graph was rewritten by the tiling engine (plan = the tiling engine's plan). */
  prepare(graph: Graph, plan: MemoryPlan, o: { modelBytes: Uint8Array; tiled: boolean }): BackendModel;
  generate(input: GenerateInput): Generated | Promise<Generated>;
  /** Per op index of a tiled graph, the gap (bytes the op's output starts below the input it
   * streams over) at which this backend's fastest kernel for the op runs on `board`, where
   * that is more than the planner's lag: the build moves such a pair that far apart where the
   * arena has room (build/stream-gaps.ts). Absent: the planner's lags. */
  streamGaps?(graph: Graph, board: BoardDefinition, optimize: OptimizeGoal): ReadonlyMap<number, number>;
  /** Why this backend cannot build for `board` on this machine (no source tree, a toolchain
   * without C++), or undefined. Cheap: nothing is compiled. */
  unavailable(board: BoardDefinition): Promise<string | undefined>;
  /** Sources, include dirs, flags and libraries the generated code needs for `board`. Throws
   * the unavailable() reason when the backend cannot build here. */
  linkInputs(board: BoardDefinition): Promise<LinkInputs>;
  /** What outside our sources decides this backend's builds (e.g. which TFLM tree, as stamped),
   * for the spec cache key; cheap. Absent: nothing outside our sources. */
  cacheIdentity?(): string;
}
