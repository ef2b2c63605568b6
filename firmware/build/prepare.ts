// Model -> the graph, plan and generated code a backend builds: reader -> tiling (with the
// features the backend's code can run) -> plan -> backend preparation (e.g. the TFLM export
// with our offline plan) -> generator. `plan --backend` and the build both call
// planForBackend(), so the arena `plan` prints is the one the build reserves.
import { readFileSync } from 'node:fs';
import { ESTIMATED_STATIC_RAM_BYTES, type BoardDefinition } from '../../boards/types.ts';
import type { Graph } from '../ir/graph.ts';
import { graphMacs } from '../ir/macs.ts';
import { opTable } from '../ir/op-table.ts';
import { outputQuant } from './mlperf-meta.ts';
import { loadModel } from '../model/reader.ts';
import { planGraph } from '../plan/plan-graph.ts';
import type { MemoryPlan } from '../plan/types.ts';
import { tileGraph } from '../tiling/index.ts';
import { DEFAULT_OPTIMIZE, type Arithmetic, type Backend, type OptimizeGoal, type TilingMode } from '../../wire/vocabulary.ts';
import { getBackend, type Generated } from './backends/index.ts';
import { checkFit, fitFigures, weightsBytes } from './fit.ts';
import { goldenFor } from './golden.ts';
import { memoryPlanFromTiled } from './plan-adapter.ts';
import { widenStreamGaps } from './stream-gaps.ts';
import type { ModelStage } from './types.ts';

export interface BackendPlan {
  backend: Backend;
  tiling: TilingMode;
  /** The model as read, and the graph the backend compiles (tiled, exported). */
  source: Graph;
  graph: Graph;
  plan: MemoryPlan;
  generated: Generated;
  /** Bytes of the static arena the firmware reserves (the generator's figure). */
  arenaBytes: number;
  /** 'auto' tiling kept the model untiled because that reserves less for this backend. */
  untiledByAuto?: boolean;
}

/** Tiles, plans and generates `modelPath` for `backend` exactly as its build does. `board`
 * gives 'auto' tiling its RAM budget and the generator the board's features. */
export async function planForBackend(modelPath: string, name: string, board: BoardDefinition, backend: Backend,
  tiling: TilingMode, arithmetic: Arithmetic = 'reference', profileOps = false, optimize: OptimizeGoal = DEFAULT_OPTIMIZE): Promise<BackendPlan> {
  const b = getBackend(backend);
  const source = loadModel(modelPath);
  let graph: Graph = source;
  let plan: MemoryPlan;
  if (tiling === 'none') {
    plan = planGraph(source);
  } else {
    const engine = b.tilingFeatures;
    let tiled = tileGraph(source, { mode: tiling, ...engine });
    // 'auto' aims at the board: when its default result does not fit, ask the tiling engine for
    // the cheapest tiling whose arena fits the board's RAM (minus stack and static data).
    const budget = board.memory.ram.size - board.stackBytes - ESTIMATED_STATIC_RAM_BYTES;
    if (tiling === 'auto' && tiled.plan.peakBytes > budget && budget > 0) {
      try {
        tiled = tileGraph(source, { mode: tiling, ramBudget: budget, ...engine });
      } catch {
        // Cannot fit at any allowed overhead: the fit check refuses with the numbers.
      }
    }
    graph = tiled.graph;
    // the gaps the backend's kernels run best at, where the arena has room (stream-gaps.ts)
    const gaps = b.streamGaps?.(graph, board, optimize);
    plan = memoryPlanFromTiled(graph, gaps?.size ? widenStreamGaps(graph, tiled.plan, gaps) : tiled.plan);
  }
  const modelBytes = new Uint8Array(readFileSync(modelPath));
  const prepared = b.prepare(graph, plan, { modelBytes, tiled: tiling !== 'none' });
  const generated = await b.generate({ ...prepared, modelName: name, board, arithmetic, profileOps, optimize });
  if (tiling === 'auto' && graph !== source) {
    // 'auto' aims at the least arena the backend reserves, not the least activation peak: an
    // interpreter pays per op and per tensor (TFLM's persistent data), so many small tiles can
    // cost it more than they save (vww on TFLM: 31 -> 395 ops). Then the untiled model wins.
    const untiledPrepared = b.prepare(source, planGraph(source), { modelBytes, tiled: false });
    const untiled = await b.generate({ ...untiledPrepared, modelName: name, board, arithmetic, profileOps, optimize });
    if (untiled.arenaBytes < generated.arenaBytes) {
      return {
        backend, tiling, source, graph: untiledPrepared.graph, plan: untiledPrepared.plan, arenaBytes: untiled.arenaBytes, untiledByAuto: true,
        generated: { ...untiled, arenaNote: `${untiled.arenaNote}; auto kept the model untiled: its tiling (${graph.ops.length} ops) would reserve ${generated.arenaBytes} B` },
      };
    }
  }
  return { backend, tiling, source, graph: prepared.graph, plan: prepared.plan, generated, arenaBytes: generated.arenaBytes };
}

/** Reader -> tiling -> plan -> fit check -> golden data -> generator -> what to link. */
export async function prepareModel(path: string, name: string, board: BoardDefinition, backend: Backend,
  tiling: TilingMode, sample: number, arithmetic: Arithmetic, profile = false, optimize: OptimizeGoal = DEFAULT_OPTIMIZE): Promise<ModelStage> {
  const b = getBackend(backend);
  // Before any work: a backend that cannot build here (no TFLM tree, no C++ library) says why.
  const problem = await b.unavailable(board);
  if (problem) throw new Error(problem);
  const p = await planForBackend(path, name, board, backend, tiling, arithmetic, profile, optimize);
  // RAM is checked with the arena the firmware reserves (TFLM's is larger than the plan's peak).
  const fit = fitFigures(board, p.arenaBytes, weightsBytes(p.graph));
  checkFit(board, name, fit);
  const golden = await goldenFor(name, p.source, sample, b.goldenArithmetic(arithmetic));
  const link = await b.linkInputs(board);
  return {
    name, files: p.generated.files, arenaBytes: p.arenaBytes, plannedArenaBytes: p.plan.peakBytes, inputs: golden.inputs,
    expectedOutputs: golden.expectedOutputs, reference: golden.reference,
    extraSources: link.sources, includeDirs: link.includeDirs, cFlags: p.generated.cFlags, cxxFlags: link.cxxFlags,
    archives: link.archives, ...(link.archiveKey ? { archiveKey: link.archiveKey } : {}),
    macs: graphMacs(p.graph),
    ...(profile ? { ops: opTable(p.graph) } : {}),
    outputQuant: outputQuant(p.source),
    fit,
  };
}
