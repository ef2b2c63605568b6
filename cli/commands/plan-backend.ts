// `tinyrack plan <model> --backend <name> [--board <id>] [--tiling <mode>]`: the arena that
// backend's build will really reserve, computed by the build's own code path
// (firmware/build/prepare.ts planForBackend: the backend's tiling features, its preparation —
// e.g. TFLM's offline-plan export — and its generator's arena rule). Nothing is compiled.
import { getBoard } from '../../boards/index.ts';
import { planForBackend } from '../../firmware/build/index.ts';
import { resolveModel } from '../../firmware/model-set/index.ts';
import { tflmPlannerBytes } from '../../firmware/plan/tflm-reference.ts';
import { BACKENDS, TILING_MODES } from '../../wire/vocabulary.ts';
import { parseOne } from '../options.ts';

/** Board `plan --backend` assumes when none is named (its RAM budget steers 'auto' tiling). */
export const DEFAULT_PLAN_BOARD = 'qemu-mps2-an386';

export interface BackendPlanCliOptions {
  backend: string; board?: string; tiling?: string; json?: boolean;
  planner?: string; order?: string; aliasReshape?: boolean; streaming?: boolean; ramBudget?: string; maxMacOverhead?: string; export?: string; svg?: string;
}

export async function runBackendPlan(modelArg: string, o: BackendPlanCliOptions): Promise<string> {
  // The backend decides how it tiles and plans; options that would plan differently are refused
  // rather than silently ignored.
  const conflicting: string[] = (['planner', 'aliasReshape', 'streaming', 'ramBudget', 'maxMacOverhead', 'export', 'svg'] as const).filter((k) => o[k] !== undefined);
  if (o.order !== undefined && o.order !== 'model') conflicting.push('order');
  if (conflicting.length) {
    throw new Error(`--backend plans exactly as that backend's build does; drop ${conflicting.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
  }
  const backend = parseOne(o.backend, BACKENDS, 'backend');
  const tiling = o.tiling ? parseOne(o.tiling, TILING_MODES, 'tiling') : 'none';
  const board = await getBoard(o.board ?? DEFAULT_PLAN_BOARD);
  const { name, path } = resolveModel(modelArg);
  const p = await planForBackend(path, name, board, backend, tiling);
  const tflm = tflmPlannerBytes(name);
  const result = {
    model: name, board: board.id, backend, tiling, arenaBytes: p.arenaBytes, arenaRule: p.generated.arenaNote,
    plannedPeakBytes: p.plan.peakBytes, lowerBound: p.plan.lowerBound, planner: p.plan.planner, ops: p.graph.ops.length,
    ...(tflm !== undefined ? { tflmPlannerBytes: tflm } : {}),
  };
  if (o.json) return `${JSON.stringify(result, null, 2)}\n`;
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `${name} for ${board.name}, backend ${backend}, tiling ${tiling}${o.board ? '' : ` (default board; --board to change)`}`,
    `  arena        ${n(p.arenaBytes)} bytes: what the ${backend} build reserves (${p.generated.arenaNote})`,
    `  plan         ${n(p.plan.peakBytes)} bytes peak (${p.plan.planner}), lower bound ${n(p.plan.lowerBound)}, ${p.graph.ops.length} ops`,
    ...(tflm !== undefined ? [`  TFLite-Micro planner, untiled: ${n(tflm)} bytes (reference figure, model-set README)`] : []),
    '',
  ].join('\n');
}
