// `tinyrack run` orchestration: for each configuration (model x board x tiling x backend)
// build the firmware (cached), run it on the virtual board (boards/virtual: QEMU or the host),
// assemble and judge the serial report (wire/report.ts, the same verdict the lab agent gives:
// usable report, arena as planned, outputs against the reference), and produce one row of
// figures. Configurations run in parallel, bounded by the cores; one that fails (hang -> timeout,
// does not fit, wrong outputs) is a failed row, the others go on.
import { availableParallelism } from 'node:os';
import { getBoard } from '../../boards/index.ts';
import type { BoardDefinition, CounterKind } from '../../boards/types.ts';
import { runVirtual } from '../../boards/virtual/index.ts';
import { boardEnergyEstimate } from '../../boards/energy-estimate.ts';
import { assembleReportFromLines, judgeRun, type RunReport } from '../../wire/report.ts';
import { buildFirmware, type AotArithmetic, type BuildResult, type BuildSpec, type ReferenceKind, type TilingMode } from '../build/index.ts';
import { pool } from '../build/compile.ts';
import type { Backend as BackendName } from '../../wire/vocabulary.ts';
import { attachProfile, type RunProfile } from './profile.ts';
import type { OptimizeGoal } from '../../wire/vocabulary.ts';

export const DEFAULT_RUN_TIMEOUT_MS = 180_000;

export interface RunConfig {
  model: string;
  board: string;
  backend: BackendName;
  tiling: TilingMode;
  reps: number;
  warmup?: number;
  sample?: number;
  /** Build with the per-op profile and put it in the row. */
  profile?: boolean;
  /** AoT int8 arithmetic (default 'reference'). */
  arithmetic?: AotArithmetic;
  /** AoT kernel selection (default 'speed'). */
  optimize?: OptimizeGoal;
}

export interface RunRow {
  model: string;
  board: string;
  backend: BackendName;
  tiling: TilingMode;
  arithmetic: AotArithmetic;
  ok: boolean;
  error?: string;
  counter?: CounterKind;
  /** Median count per inference in `counter` units, and every timed count. */
  count?: number;
  counts?: number[];
  instructions?: number;
  cycles?: number;
  latencyUs?: number;
  /** True when latencyUs is modelled, not measured: QEMU counts instructions, and latency is
   * that count at the board's nominal clock (one instruction per cycle). */
  latencyEstimated?: boolean;
  stackBytes?: number;
  heapBytes?: number;
  arenaBytes?: number;
  /** Arena bytes the firmware reports in use after init (INF records): TFLM's measured
   * arena_used_bytes(); the static arena for AoT, which uses all of it. */
  arenaUsedBytes?: number;
  /** The memory plan's peak bytes (arenaBytes is that, rounded up to the arena alignment). */
  plannedArenaBytes?: number;
  romBytes?: number;
  ramBytes?: number;
  outputsMatch?: boolean;
  /** What the outputs were checked against (e.g. 'interpreter:xnnpack'). */
  reference?: ReferenceKind;
  /** Estimated energy per inference (boards/energy-estimate.ts: datasheet current x count), µJ. */
  energyUjEstimated?: number;
  macs?: number;
  firmwareHash?: string;
  cached?: boolean;
  serial?: { records: number; noiseLines: number; corruptLines: number };
  /** Per-op counts of the last timed inference (profiled runs). */
  profile?: RunProfile;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Called after each configuration finishes (progress bars). */
  onDone?: (row: RunRow) => void;
  /** Parallel configurations (default: number of cores). */
  parallel?: number;
}

/** Runs an already built firmware on its virtual board and returns the report. */
export async function runFirmware(board: BoardDefinition, elfPath: string, timeoutMs = DEFAULT_RUN_TIMEOUT_MS):
  Promise<{ report: RunReport; exitCode: number | null; timedOut: boolean; stderr: string }> {
  const r = await runVirtual(board, elfPath, { timeoutMs });
  return { report: assembleReportFromLines(r.lines), exitCode: r.exitCode, timedOut: r.timedOut, stderr: r.stderr };
}

/** Turns a build and its run report into one result row. */
export function rowFrom(cfg: RunConfig, board: BoardDefinition, build: BuildResult, report: RunReport): RunRow {
  const v = judgeRun(report, { expectedOutputs: build.expectedOutputs, arenaBytes: build.arenaBytes, clockHz: board.clockHz });
  const cmp = v.outputs;
  const f = v.figures;
  const latencyUs = f?.latencyUs;
  const row: RunRow = {
    model: build.model,
    board: board.id, backend: cfg.backend, tiling: cfg.tiling, arithmetic: build.arithmetic, ok: v.error === undefined && cmp.match,
    counter: board.counter.kind, count: f?.count, counts: report.inferences.map((x) => x.count),
    ...(board.counter.kind === 'instructions' ? { instructions: f?.count } : {}),
    ...(board.counter.kind === 'cycles' ? { cycles: f?.count } : {}),
    latencyUs: latencyUs !== undefined ? Math.round(latencyUs * 1000) / 1000 : undefined,
    ...(latencyUs !== undefined ? { latencyEstimated: board.counter.kind === 'instructions' } : {}),
    stackBytes: f?.stackBytes, heapBytes: f?.heapBytes,
    arenaBytes: report.model?.arena ?? build.arenaBytes, plannedArenaBytes: build.plannedArenaBytes,
    ...(report.inferences.length > 0 && report.inferences.every((x) => x.arena !== undefined) ? { arenaUsedBytes: Math.max(...report.inferences.map((x) => x.arena!)) } : {}),
    romBytes: build.romBytes, ramBytes: build.ramBytes, outputsMatch: cmp.match, reference: build.reference,
    ...(build.macs !== undefined ? { macs: build.macs } : {}),
    firmwareHash: build.firmwareHash, cached: build.cached,
    serial: { records: report.records, noiseLines: report.noiseLines, corruptLines: report.corruptLines },
  };
  const energy = f && boardEnergyEstimate(board, f.counter, f.count);
  if (energy) row.energyUjEstimated = Math.round(energy.energyUj * 1000) / 1000;
  if (v.error) row.error = v.error;
  else if (!cmp.match) row.error = `outputs differ from the reference (${build.reference}): ${cmp.detail}`;
  return row;
}

export async function runOne(cfg: RunConfig, opts: RunOptions = {}, prepared?: BuildSpec['prepared']): Promise<RunRow> {
  const base: RunRow = { model: cfg.model, board: cfg.board, backend: cfg.backend, tiling: cfg.tiling, arithmetic: cfg.arithmetic ?? 'reference', ok: false };
  try {
    const board = await getBoard(cfg.board);
    const build = await buildFirmware({
      ...(cfg.profile ? { profile: true } : {}),
      ...(prepared ? { prepared } : { model: cfg.model }), board: cfg.board, backend: cfg.backend,
      tiling: cfg.tiling, reps: cfg.reps, warmup: cfg.warmup, sample: cfg.sample, arithmetic: cfg.arithmetic,
      ...(cfg.optimize ? { optimize: cfg.optimize } : {}),
    });
    const timeoutMs = opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    const run = await runFirmware(board, build.elfPath, timeoutMs);
    if (run.timedOut) {
      return { ...base, model: build.model, error: `timed out after ${timeoutMs} ms (board hung or too slow; ${run.report.inferences.length} of ${cfg.reps} inferences reported)`, firmwareHash: build.firmwareHash };
    }
    const row = rowFrom(cfg, board, build, run.report);
    if (cfg.profile) attachProfile(row, run.report, build, board);
    if (row.ok && run.exitCode !== 0) {
      row.ok = false;
      row.error = `firmware exited with status ${run.exitCode}`;
    }
    return row;
  } catch (err) {
    return { ...base, error: (err as Error).message };
  }
}

/** Every combination of the lists, in a stable order (model, board, tiling, backend, arithmetic). */
export function expandConfigs(models: string[], boards: string[], tilings: TilingMode[], backends: BackendName[], reps: number,
  arithmetics: AotArithmetic[] = ['reference']): RunConfig[] {
  const out: RunConfig[] = [];
  for (const model of models) for (const board of boards) for (const tiling of tilings) for (const backend of backends) {
    for (const arithmetic of arithmetics) out.push({ model, board, backend, tiling, reps, arithmetic });
  }
  return out;
}

export async function runMany(configs: readonly RunConfig[], opts: RunOptions = {}): Promise<RunRow[]> {
  const limit = opts.parallel ?? Math.max(1, availableParallelism());
  return pool(configs, limit, async (cfg) => {
    const row = await runOne(cfg, opts);
    opts.onDone?.(row);
    return row;
  });
}
