// `tinyrack run` orchestration: for each configuration (model x board x tiling x backend)
// build the firmware (cached), run it on the virtual board (QEMU driver, or the host process),
// assemble the serial report, check the outputs against the reference, and produce one row of
// figures. Configurations run in parallel, bounded by the cores; one that fails (hang -> timeout,
// does not fit, wrong outputs) is a failed row, the others go on.
import { availableParallelism } from 'node:os';
import { getBoard } from '../../boards/index.ts';
import type { BoardDefinition, CounterKind } from '../../boards/types.ts';
import { runQemu } from '../../agents/drivers/qemu.ts';
import { assembleReportFromLines, medianCount, type RunReport } from '../../wire/report.ts';
import { buildFirmware, type AotArithmetic, type BuildResult, type BuildSpec, type ReferenceKind, type TilingMode } from '../build/index.ts';
import { pool } from '../build/compile.ts';
import type { BackendName } from '../build/backends.ts';
import { compareOutputs } from './compare.ts';
import { runHost } from './host.ts';
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
  stackBytes?: number;
  heapBytes?: number;
  arenaBytes?: number;
  /** The memory plan's peak bytes (arenaBytes is that, rounded up to the arena alignment). */
  plannedArenaBytes?: number;
  romBytes?: number;
  ramBytes?: number;
  outputsMatch?: boolean;
  /** What the outputs were checked against (e.g. 'interpreter:xnnpack'). */
  reference?: ReferenceKind;
  /** Estimated energy per inference (datasheet current x clock x latency), µJ. */
  energyUjEstimated?: number;
  macs?: number;
  firmwareHash?: string;
  cached?: boolean;
  serial?: { records: number; noiseLines: number; corruptLines: number };
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
  if (!board.virtual) throw new Error(`board ${board.id} is physical: run it through a lab agent`);
  const r = board.arch === 'host' ? await runHost(elfPath, timeoutMs) : await runQemu(board, elfPath, { timeoutMs });
  return { report: assembleReportFromLines(r.lines), exitCode: r.exitCode, timedOut: r.timedOut, stderr: r.stderr };
}

/** Turns a build and its run report into one result row. */
export function rowFrom(cfg: RunConfig, board: BoardDefinition, build: BuildResult, report: RunReport): RunRow {
  const cmp = compareOutputs(build.expectedOutputs, report.outputs);
  const timed = report.inferences.length > 0;
  const count = timed ? medianCount(report.inferences) : undefined;
  const latencyUs = count !== undefined ? count / (board.clockHz / 1e6) : undefined;
  const row: RunRow = {
    model: build.model,
    board: board.id, backend: cfg.backend, tiling: cfg.tiling, arithmetic: build.arithmetic, ok: report.complete && cmp.match,
    counter: board.counter.kind, count, counts: report.inferences.map((x) => x.count),
    ...(board.counter.kind === 'instructions' ? { instructions: count } : {}),
    ...(board.counter.kind === 'cycles' ? { cycles: count } : {}),
    latencyUs: latencyUs !== undefined ? Math.round(latencyUs * 1000) / 1000 : undefined,
    stackBytes: timed ? Math.max(...report.inferences.map((x) => x.stack)) : undefined,
    heapBytes: timed ? Math.max(...report.inferences.map((x) => x.heap)) : undefined,
    arenaBytes: report.model?.arena ?? build.arenaBytes, plannedArenaBytes: build.plannedArenaBytes,
    romBytes: build.romBytes, ramBytes: build.ramBytes, outputsMatch: cmp.match, reference: build.reference,
    ...(build.macs !== undefined ? { macs: build.macs } : {}),
    firmwareHash: build.firmwareHash, cached: build.cached,
    serial: { records: report.records, noiseLines: report.noiseLines, corruptLines: report.corruptLines },
  };
  if (board.power && latencyUs !== undefined) {
    const mw = board.power.currentMaPerMhz * (board.clockHz / 1e6) * board.power.volts;
    row.energyUjEstimated = Math.round(mw * latencyUs) / 1000;
  }
  if (!report.complete) row.error = `incomplete report: ${report.problems.join('; ')}`;
  else if (!cmp.match) row.error = `outputs differ from the reference (${build.reference}): ${cmp.detail}`;
  if (report.model && report.model.arena !== build.arenaBytes) {
    row.ok = false;
    row.error = `firmware reports arena ${report.model.arena} bytes, the build planned ${build.arenaBytes}`;
  }
  return row;
}

export async function runOne(cfg: RunConfig, opts: RunOptions = {}, prepared?: BuildSpec['prepared']): Promise<RunRow> {
  const base: RunRow = { model: cfg.model, board: cfg.board, backend: cfg.backend, tiling: cfg.tiling, arithmetic: cfg.arithmetic ?? 'reference', ok: false };
  try {
    const board = await getBoard(cfg.board);
    const build = await buildFirmware({
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
