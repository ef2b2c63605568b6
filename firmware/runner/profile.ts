// The per-op profile of a run: the firmware's PROFOP counts (wire/report.ts) joined with the
// compiled graph's op table (firmware/ir/op-table.ts), priced and summed. One place computes
// per-op instructions per MAC, shares and the conv / depthwise / fully-connected totals the
// speed goals are stated for; `tinyrack run --profile`, lab results and bench/speed read it.
import type { BoardDefinition, CounterKind } from '../../boards/types.ts';
import { MAC_CLASSES, type MacClass, type OpInfo } from '../ir/op-table.ts';
import type { FirmwareProfile } from '../../wire/profile.ts';

/** One op of the compiled graph (firmware/ir/op-table.ts) with what the firmware measured. */
export interface ProfileRow extends OpInfo {
  /** Position in execution order. */
  n: number;
  /** Counter units spent in the op: the counter difference across it minus one counter read. */
  count: number;
  /** count / macs (ops with MACs only). */
  perMac?: number;
  /** count / the profile's total. */
  share: number;
}

export interface ClassTotal { ops: number; count: number; macs: number; perMac?: number }

export interface RunProfile {
  counter: CounterKind;
  /** Smallest step of the counter (e.g. 40 instructions on QEMU mps2-an386 SysTick): each op's
   * count is within one step of the truth; their sum within one step of the whole. */
  resolution: number;
  /** What one counter read costs (measured by the firmware), taken off each op's difference. */
  readCost: number;
  /** Sum of the per-op counts. */
  total: number;
  macs: number;
  ops: ProfileRow[];
  /** Totals per MAC class (conv, depthwise, fully_connected) and everything else ('other'). */
  byClass: Record<MacClass | 'other', ClassTotal>;
}

/** The counter's step in its own units, from how the board counts. */
export function counterResolution(board: Pick<BoardDefinition, 'counter' | 'clockHz'>): number {
  // QEMU SysTick on the processor clock: one tick per 1e9/clock guest instructions (-icount
  // shift=0 makes an instruction 1 ns). Every other method counts single instructions, cycles or
  // nanoseconds.
  if (board.counter.method === 'systick-instructions') return Math.round(1e9 / board.clockHz);
  return 1;
}

const perMac = (count: number, macs: number) => (macs > 0 ? Math.round((count / macs) * 1000) / 1000 : undefined);

/** Joins firmware counts with the op table; throws when they do not describe the same graph. */
export function buildProfile(fw: FirmwareProfile, ops: readonly OpInfo[], board: Pick<BoardDefinition, 'counter' | 'clockHz'>): RunProfile {
  const byIndex = new Map(ops.map((o) => [o.op, o]));
  if (fw.ops.length !== ops.length) throw new Error(`the firmware profiled ${fw.ops.length} ops, the compiled graph has ${ops.length}`);
  const seen = new Set<number>();
  const rows: ProfileRow[] = fw.ops.map((c) => {
    const info = byIndex.get(c.op);
    if (!info) throw new Error(`the firmware profiled op ${c.op}, which the compiled graph does not have`);
    if (info.kind !== c.kind) throw new Error(`the firmware profiled op ${c.op} as ${c.kind}, the compiled graph has ${info.kind}`);
    if (seen.has(c.op)) throw new Error(`the firmware profiled op ${c.op} twice`);
    seen.add(c.op);
    const count = Math.max(0, Math.round(c.count - fw.readCost));
    return {
      n: c.n, op: c.op, kind: c.kind, name: info.name, inputs: info.inputs, weights: info.weights, outputs: info.outputs,
      macs: info.macs, ...(info.macClass ? { macClass: info.macClass } : {}), count, share: 0,
    };
  });
  const total = rows.reduce((a, r) => a + r.count, 0);
  for (const r of rows) {
    const pm = perMac(r.count, r.macs);
    if (pm !== undefined) r.perMac = pm;
    r.share = total > 0 ? Math.round((r.count / total) * 1e6) / 1e6 : 0;
  }
  const byClass = {} as RunProfile['byClass'];
  for (const cls of [...MAC_CLASSES, 'other'] as const) {
    const of = rows.filter((r) => (r.macClass ?? 'other') === cls);
    const count = of.reduce((a, r) => a + r.count, 0);
    const macs = of.reduce((a, r) => a + r.macs, 0);
    const pm = perMac(count, macs);
    byClass[cls] = { ops: of.length, count, macs, ...(pm !== undefined ? { perMac: pm } : {}) };
  }
  return {
    counter: board.counter.kind, resolution: counterResolution(board), readCost: Math.round(fw.readCost * 1000) / 1000,
    total, macs: rows.reduce((a, r) => a + r.macs, 0), ops: rows, byClass,
  };
}

const shapes = (xs: number[][]) => xs.map((s) => `[${s.join(',')}]`).join(' ');

/** A per-op table for the terminal, heaviest first when `top` is given. */
export function formatProfile(title: string, p: RunProfile, top?: number): string {
  const rows = top ? [...p.ops].sort((a, b) => b.count - a.count || a.n - b.n).slice(0, top) : p.ops;
  const head = ['#', 'op', 'kind', 'inputs -> outputs (weights)', 'MACs', p.counter, `${p.counter}/MAC`, 'share'];
  const body = rows.map((r) => [String(r.n), String(r.op), r.kind,
    `${shapes(r.inputs)} -> ${shapes(r.outputs)}${r.weights.length ? ` (${shapes(r.weights)})` : ''}`,
    r.macs.toLocaleString('en-US'), r.count.toLocaleString('en-US'), r.perMac?.toFixed(2) ?? '', `${(r.share * 100).toFixed(1)}%`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const right = new Set([0, 1, 4, 5, 6, 7]);
  const line = (c: string[]) => c.map((x, i) => (right.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ').trimEnd();
  const cls = (['conv', 'depthwise', 'fully_connected', 'other'] as const)
    .filter((k) => p.byClass[k].ops > 0)
    .map((k) => `${k} ${p.byClass[k].count.toLocaleString('en-US')}${p.byClass[k].perMac !== undefined ? ` (${p.byClass[k].perMac!.toFixed(2)}/MAC)` : ''}`).join(', ');
  return [
    `${title}: ${p.total.toLocaleString('en-US')} ${p.counter} over ${p.ops.length} ops, ${p.macs.toLocaleString('en-US')} MACs` +
      `${p.macs ? `, ${(p.total / p.macs).toFixed(2)} ${p.counter}/MAC` : ''} (counter resolution ${p.resolution}, counter read ${p.readCost} taken off each op)`,
    `by class: ${cls}`,
    line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '',
  ].join('\n');
}

/** Puts the run's profile in its row; a profiled run without a usable one fails (the user asked
 * for it), with the reason. */
export function attachProfile(row: { ok: boolean; error?: string; backend: string; profile?: RunProfile },
  report: { profile?: FirmwareProfile }, build: { ops?: OpInfo[] }, board: Pick<BoardDefinition, 'counter' | 'clockHz'>): void {
  try {
    if (!report.profile) throw new Error(`the ${row.backend} firmware printed no per-op profile`);
    if (!build.ops) throw new Error('the build carries no op table');
    row.profile = buildProfile(report.profile, build.ops, board);
  } catch (err) {
    row.ok = false;
    const why = `profile: ${(err as Error).message}`;
    row.error = row.error ? `${row.error}; ${why}` : why;
  }
}
