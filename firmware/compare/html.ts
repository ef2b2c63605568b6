// The compare report as one self-contained HTML page: the full table, then per model one
// RAM-versus-speed chart (inline SVG, no script, no network) with a point per configuration
// that ran, coloured by board, the Pareto front of each board drawn as a line through its
// points. Points carry data-config / data-pareto attributes so a browser test can check them.
import { backendCell, type CompareRow } from './index.ts';
import { DEFAULT_OPTIMIZE } from '../../wire/vocabulary.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number | undefined) => (v === undefined ? '' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1));
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** The identity of a configuration inside the page (and in tests). */
export function configId(r: Pick<CompareRow, 'model' | 'board' | 'backend' | 'tiling' | 'arithmetic' | 'optimize'>): string {
  return `${r.model}/${r.board}/${r.backend}/${r.tiling}/${r.arithmetic}${r.optimize && r.optimize !== DEFAULT_OPTIMIZE ? `/${r.optimize}` : ''}`;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function chart(model: string, rows: CompareRow[], boards: string[]): string {
  const W = 720; const H = 420; const L = 80; const R = 180; const T = 30; const B = 50;
  const ok = rows.filter((r) => r.status === 'ok');
  const xMax = niceMax(Math.max(...ok.map((r) => r.latencyUs!)) * 1.05);
  const yMax = niceMax(Math.max(...ok.map((r) => r.ramBytes!)) * 1.05);
  const x = (v: number) => L + (v / xMax) * (W - L - R);
  const y = (v: number) => H - B - (v / yMax) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`RAM versus latency for ${model}`)}" data-model="${esc(model)}">`);
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="#fafafa" stroke="#999"/>`);
  for (let i = 0; i <= 4; i++) {
    const xv = (xMax * i) / 4; const yv = (yMax * i) / 4;
    parts.push(`<text x="${x(xv)}" y="${H - B + 16}" font-size="11" text-anchor="middle">${n(Math.round(xv))}</text>`);
    parts.push(`<text x="${L - 6}" y="${y(yv) + 4}" font-size="11" text-anchor="end">${n(Math.round(yv))}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">latency per inference, µs (QEMU: estimated, instructions / nominal clock)</text>`);
  parts.push(`<text x="16" y="${(T + H - B) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">on-device RAM, bytes (arena + stack + heap)</text>`);
  boards.forEach((board, bi) => {
    const colour = COLOURS[bi % COLOURS.length]!;
    const mine = ok.filter((r) => r.board === board);
    const front = mine.filter((r) => r.pareto).sort((a, b) => a.latencyUs! - b.latencyUs! || b.ramBytes! - a.ramBytes!);
    if (front.length > 1) {
      parts.push(`<polyline class="front" data-board="${esc(board)}" fill="none" stroke="${colour}" stroke-dasharray="4 3" points="${front.map((r) => `${x(r.latencyUs!).toFixed(1)},${y(r.ramBytes!).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const r of mine) {
      const cx = x(r.latencyUs!).toFixed(1); const cy = y(r.ramBytes!).toFixed(1);
      parts.push(`<circle class="point" data-config="${esc(configId(r))}" data-pareto="${r.pareto ? 1 : 0}" cx="${cx}" cy="${cy}" r="${r.pareto ? 6 : 4}" fill="${r.pareto ? colour : 'white'}" stroke="${colour}" stroke-width="2"><title>${esc(`${r.backend}, tiling ${r.tiling}, ${r.arithmetic} on ${board}: ${n(r.latencyUs)} µs, ${n(r.ramBytes)} B RAM${r.pareto ? ' (Pareto)' : ''}`)}</title></circle>`);
      parts.push(`<text x="${Number(cx) + 8}" y="${Number(cy) - 6}" font-size="10" fill="${colour}">${esc(`${r.backend}/${r.tiling}`)}</text>`);
    }
    const ly = T + 16 + bi * 18;
    parts.push(`<circle cx="${W - R + 16}" cy="${ly - 4}" r="5" fill="${colour}"/><text x="${W - R + 26}" y="${ly}" font-size="12">${esc(board)}</text>`);
  });
  parts.push(`<text x="${W - R + 10}" y="${T + 16 + boards.length * 18 + 10}" font-size="11">filled: Pareto front</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

export function compareHtml(rows: readonly CompareRow[], o: { title?: string; generatedAt?: string } = {}): string {
  const title = o.title ?? 'tinyrack compare';
  const models = [...new Set(rows.map((r) => r.model))];
  const head = ['model', 'board', 'backend', 'tiling', 'arithmetic', 'status', 'count', 'counter', 'latency µs', 'RAM B', 'arena', 'stack', 'heap', 'ROM B', 'outputs', 'best'];
  const tr = (r: CompareRow) => {
    const best = [r.fastest ? 'fastest' : '', r.smallest ? 'least RAM' : '', r.pareto ? 'Pareto' : ''].filter(Boolean).join(', ');
    const cells = r.status === 'ok'
      ? [r.model, r.board, backendCell(r), r.tiling, r.arithmetic, 'ok', n(r.count), r.counter ?? '', `${n(r.latencyUs)}${r.latencyEstimated ? ' (est.)' : ''}`, n(r.ramBytes), n(r.arenaBytes), n(r.stackBytes), n(r.heapBytes), n(r.romBytes), r.outputsMatch ? 'match' : 'differ', best]
      : [r.model, r.board, backendCell(r), r.tiling, r.arithmetic, `${r.status}: ${r.reason ?? ''}`, '', '', '', '', '', '', '', '', '', ''];
    return `<tr data-config="${esc(configId(r))}" data-status="${r.status}"${r.pareto ? ' class="pareto"' : ''}>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  };
  const charts = models.map((m) => {
    const mine = rows.filter((r) => r.model === m);
    const ran = mine.filter((r) => r.status === 'ok');
    const boards = [...new Set(ran.map((r) => r.board))];
    return `<section><h2>${esc(m)}</h2>${ran.length ? chart(m, mine, boards) : '<p>No configuration of this model ran.</p>'}</section>`;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:nth-child(-n+6),th:nth-child(-n+6),td:last-child{text-align:left}
tr.pareto td{background:#eef6ff}
tr[data-status=unavailable] td,tr[data-status=failed] td{color:#888}
</style></head><body>
<h1>${esc(title)}</h1>
<p>RAM = arena in use + stack + heap, all measured on the device (TFLite-Micro: <code>arena_used_bytes()</code>). Count = median per inference in the counter's units (QEMU: guest instructions, not cycles). Best and Pareto are per model and board.${o.generatedAt ? ` Generated ${esc(o.generatedAt)}.` : ''}</p>
<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows.map(tr).join('\n')}
</tbody></table>
${charts.join('\n')}
</body></html>
`;
}
