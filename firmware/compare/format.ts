// Compare rows as a text table (with the best marks and the Pareto set per model and board) or
// CSV; JSON is the rows themselves.
import { backendCell, type CompareRow } from './index.ts';

const n = (v: number | undefined) => (v === undefined ? '' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1));

function marks(r: CompareRow): string {
  return [r.fastest ? 'fastest' : '', r.smallest ? 'least RAM' : '', r.pareto ? 'pareto' : ''].filter(Boolean).join(', ');
}

export function formatCompareTable(rows: readonly CompareRow[]): string {
  // Each distinct reason once, as a numbered note under the table.
  const reasons: string[] = [];
  const note = (r: CompareRow) => {
    const text = r.reason ?? '';
    let i = reasons.indexOf(text);
    if (i < 0) i = reasons.push(text) - 1;
    return `${r.status} [${i + 1}]`;
  };
  const header = ['model', 'board', 'backend', 'tiling', 'arithmetic', 'count', 'counter', 'latency µs', 'RAM B', 'arena', 'stack', 'heap', 'ROM B', 'outputs', 'best'];
  const body = rows.map((r) => r.status === 'ok'
    ? [r.model, r.board, backendCell(r), r.tiling, r.arithmetic, n(r.count), r.counter ?? '', `${n(r.latencyUs)}${r.latencyEstimated ? ' (est.)' : ''}`, n(r.ramBytes), n(r.arenaBytes), n(r.stackBytes), n(r.heapBytes), n(r.romBytes), r.outputsMatch ? 'match' : 'DIFFER', marks(r)]
    : [r.model, r.board, backendCell(r), r.tiling, r.arithmetic, note(r), '', '', '', '', '', '', '', '', '']);
  const numeric = new Set([5, 7, 8, 9, 10, 11, 12]);
  // A status message spans the figure columns: it is not padded into them.
  const widths = header.map((h, i) => Math.max(h.length, ...body.filter((b) => b[6] !== '' || i !== 5).map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((x, i) => (numeric.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const b of body) out.push(b[6] === '' ? [...b.slice(0, 5).map((x, i) => x.padEnd(widths[i]!)), b[5]].join('  ') : line(b));
  if (reasons.length) out.push('', ...reasons.map((t, i) => `[${i + 1}] ${t}`));
  out.push('', 'RAM = arena in use + stack + heap, measured on the device (TFLM: arena_used_bytes()); count = median per inference in the counter\'s units (QEMU: instructions, not cycles).');
  out.push('best: per model and board, fastest (lowest count), least RAM, and the Pareto set (no other configuration is at least as good on both and better on one).');
  return `${out.join('\n')}\n`;
}

const COLS = ['model', 'board', 'backend', 'tiling', 'arithmetic', 'status', 'reason', 'counter', 'count', 'latencyUs', 'latencyEstimated', 'ramBytes', 'arenaBytes', 'stackBytes', 'heapBytes',
  'romBytes', 'outputsMatch', 'reference', 'macs', 'fastest', 'smallest', 'pareto', 'optimize'] as const;

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCompareCsv(rows: readonly CompareRow[]): string {
  return [COLS.join(','), ...rows.map((r) => COLS.map((c) => csvCell((r as unknown as Record<string, unknown>)[c])).join(','))].join('\n') + '\n';
}
