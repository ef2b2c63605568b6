// `tinyrack compare`: every combination of models x boards x backends x tilings x arithmetics
// that can run here, built and run on virtual boards through firmware/runner (in parallel),
// as one list of rows with on-device RAM (arena in use + stack + heap, all measured), ROM,
// counts and the output check; per model and board the fastest, the smallest and the Pareto
// set. A combination that cannot run here is a row too, "unavailable" with the reason (no
// TFLite-Micro tree, a toolchain without C++, an arithmetic the backend lacks): nothing is
// dropped silently.
import { getBoard } from '../../boards/index.ts';
import type { CounterKind } from '../../boards/types.ts';
import { getBackend } from '../build/index.ts';
import { runMany, type RunConfig, type RunRow } from '../runner/index.ts';
import { arithmeticFitsBackend, DEFAULT_OPTIMIZE, tflmArithmeticNote, type Arithmetic, type Backend, type OptimizeGoal, type TilingMode } from '../../wire/vocabulary.ts';
import { bestBy, paretoFront } from './pareto.ts';

export type CompareStatus = 'ok' | 'failed' | 'unavailable';

export interface CompareRow {
  model: string;
  board: string;
  backend: Backend;
  tiling: TilingMode;
  arithmetic: Arithmetic;
  /** AoT rows: the kernel goal (speed lays weights out for the fastest kernels and needs more
   * ROM and stack; size keeps the int8 kernels). Absent for TFLite-Micro rows. */
  optimize?: OptimizeGoal;
  status: CompareStatus;
  /** Why a row failed or is unavailable. */
  reason?: string;
  counter?: CounterKind;
  /** Median count per inference (instructions on QEMU, cycles on silicon, ns on the host). */
  count?: number;
  latencyUs?: number;
  /** True when latencyUs is modelled (QEMU: instructions at the board's nominal clock), not measured. */
  latencyEstimated?: boolean;
  /** Arena in use as the firmware reports it (TFLM: arena_used_bytes(); AoT: its whole arena). */
  arenaBytes?: number;
  stackBytes?: number;
  heapBytes?: number;
  /** On-device RAM inference needs: arena + stack + heap (all measured on the device). */
  ramBytes?: number;
  romBytes?: number;
  outputsMatch?: boolean;
  reference?: string;
  macs?: number;
  /** Marks within the row's model and board (ok rows only). */
  fastest?: boolean;
  smallest?: boolean;
  pareto?: boolean;
}

export interface CompareRequest {
  models: string[];
  boards: string[];
  backends: Backend[];
  tilings: TilingMode[];
  arithmetics: Arithmetic[];
  /** AoT kernel goals to compare (default: the build's default, speed). */
  optimizes?: OptimizeGoal[];
  reps?: number;
  parallel?: number;
  timeoutMs?: number;
  /** Progress: called once with the number of runs, then after each. */
  onStart?: (runs: number) => void;
  onDone?: (row: CompareRow) => void;
}

function fromRun(r: RunRow): CompareRow {
  const base = { model: r.model, board: r.board, backend: r.backend, tiling: r.tiling, arithmetic: r.arithmetic };
  if (!r.ok) return { ...base, status: 'failed', reason: r.error ?? 'failed' };
  const arena = r.arenaUsedBytes ?? r.arenaBytes ?? 0;
  return {
    ...base, status: 'ok', counter: r.counter!, count: r.count!, latencyUs: r.latencyUs!, latencyEstimated: r.latencyEstimated === true,
    arenaBytes: arena, stackBytes: r.stackBytes ?? 0, heapBytes: r.heapBytes ?? 0,
    ramBytes: arena + (r.stackBytes ?? 0) + (r.heapBytes ?? 0), romBytes: r.romBytes!, outputsMatch: r.outputsMatch!,
    ...(r.reference ? { reference: r.reference } : {}), ...(r.macs !== undefined ? { macs: r.macs } : {}),
  };
}

/** The backend as tables show it: an AoT row built for size says so (speed is the default). */
export function backendCell(r: Pick<CompareRow, 'backend' | 'optimize'>): string {
  return r.optimize && r.optimize !== DEFAULT_OPTIMIZE ? `${r.backend} (${r.optimize})` : r.backend;
}

/** Marks fastest, smallest and Pareto rows per model and board (in place; ok rows only). */
export function markBest(rows: CompareRow[]): void {
  const groups = new Map<string, CompareRow[]>();
  for (const r of rows) {
    if (r.status !== 'ok') continue;
    const k = `${r.model}\0${r.board}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const g of groups.values()) {
    const pts = g.map((r) => ({ count: r.count!, ramBytes: r.ramBytes! }));
    const front = new Set(paretoFront(pts));
    const fast = bestBy(pts, 'count');
    const small = bestBy(pts, 'ramBytes');
    g.forEach((r, i) => { r.pareto = front.has(i); r.fastest = i === fast; r.smallest = i === small; });
  }
}

export async function runCompare(req: CompareRequest): Promise<CompareRow[]> {
  if (!req.models.length) throw new Error('--model needs at least one model');
  if (!req.boards.length) throw new Error('--board needs at least one board');
  const boards = await Promise.all(req.boards.map((id) => getBoard(id)));
  for (const b of boards) if (!b.virtual) throw new Error(`board ${b.id} is physical: compare runs virtual boards; use \`tinyrack request\` for the lab`);
  // Availability per backend and board, asked once (cheap: no compiling).
  const why = new Map<string, string | undefined>();
  for (const b of boards) for (const be of req.backends) why.set(`${be}\0${b.id}`, await getBackend(be).unavailable(b));
  const slots: ({ row: CompareRow } | { cfg: RunConfig })[] = [];
  for (const model of req.models) for (const board of req.boards) for (const backend of req.backends) for (const tiling of req.tilings) {
    // The kernel goal is an AoT choice; TFLite-Micro's kernels are the tree's.
    const goals: (OptimizeGoal | undefined)[] = backend === 'aot' ? (req.optimizes ?? [DEFAULT_OPTIMIZE]) : [undefined];
    for (const arithmetic of req.arithmetics) for (const optimize of goals) {
      const reason = !arithmeticFitsBackend(backend, arithmetic) ? tflmArithmeticNote(backend) : why.get(`${backend}\0${board}`);
      const o = optimize ? { optimize } : {};
      if (reason) slots.push({ row: { model, board, backend, tiling, arithmetic, ...o, status: 'unavailable', reason } });
      else slots.push({ cfg: { model, board, backend, tiling, arithmetic, reps: req.reps ?? 1, ...o } });
    }
  }
  const configs = slots.flatMap((s) => ('cfg' in s ? [s.cfg] : []));
  req.onStart?.(configs.length);
  const runs = await runMany(configs, {
    ...(req.parallel ? { parallel: req.parallel } : {}), ...(req.timeoutMs ? { timeoutMs: req.timeoutMs } : {}),
    onDone: (r) => req.onDone?.(fromRun(r)),
  });
  let next = 0;
  const rows = slots.map((s) => ('row' in s ? s.row : { ...fromRun(runs[next++]!), ...(s.cfg.optimize ? { optimize: s.cfg.optimize } : {}) }));
  markBest(rows);
  return rows;
}
