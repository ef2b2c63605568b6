// Result rows as a text table or CSV (the JSON form is the rows themselves).
import type { RunRow } from '../firmware/runner/index.ts';

export const COLUMNS = ['model', 'board', 'backend', 'tiling', 'arithmetic', 'ok', 'counter', 'count', 'latencyUs', 'stackBytes',
  'heapBytes', 'arenaBytes', 'romBytes', 'ramBytes', 'outputsMatch', 'reference', 'error'] as const;

function cell(row: RunRow, c: (typeof COLUMNS)[number]): string {
  const v = row[c];
  if (v === undefined) return '';
  // A modelled latency (QEMU instructions at the nominal clock) is marked so in the table.
  if (c === 'latencyUs' && typeof v === 'number' && row.latencyEstimated) return `~${v.toFixed(1)} (est.)`;
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1);
  return String(v);
}

export function formatTable(rows: readonly RunRow[]): string {
  const header = COLUMNS.map((c) => (c === 'count' ? 'count (instructions|cycles|ns)' : c));
  const body = rows.map((r) => COLUMNS.map((c) => cell(r, c)));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const numeric = new Set(['count', 'latencyUs', 'stackBytes', 'heapBytes', 'arenaBytes', 'romBytes', 'ramBytes'].map((c) => (COLUMNS as readonly string[]).indexOf(c)));
  const line = (cells: string[]) => cells.map((x, i) => (numeric.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCsv(rows: readonly RunRow[]): string {
  const cols = [...COLUMNS.slice(0, 8), 'instructions', 'cycles', ...COLUMNS.slice(8), 'energyUjEstimated', 'firmwareHash', 'latencyEstimated'] as const;
  return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell((r as unknown as Record<string, unknown>)[c])).join(','))].join('\n') + '\n';
}
