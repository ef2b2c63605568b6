// The memory layout as a picture: every planned buffer is a rectangle spanning the ops it is
// live for (x) and the arena bytes it occupies (y). Before and after tiling side by side, on
// the same byte scale, with the peak marked — so a person sees which buffers set the peak and
// how tiling broke them up. Hover a rectangle for its tensor, size and lifetime.
import type { Graph } from '../ir/graph.ts';
import type { TiledPlan } from './plan-tiled.ts';

export interface LayoutPanel { title: string; graph: Graph; plan: TiledPlan }

const W = 560; const H = 420; const M = { l: 64, r: 16, t: 40, b: 44 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function kb(n: number): string { return n >= 1024 ? `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} KiB` : `${n} B`; }

/** Colour by the op kind that writes the buffer, so tiles of one path share a hue family. */
function colour(name: string, i: number): string {
  const tiled = name.includes('@');
  const hue = (i * 47) % 360;
  return tiled ? `hsl(${hue},70%,62%)` : `hsl(${hue},35%,72%)`;
}

function panel(p: LayoutPanel, x0: number, maxBytes: number): string {
  const { graph, plan } = p;
  const n = Math.max(1, plan.order.length);
  const pw = W - M.l - M.r; const ph = H - M.t - M.b;
  const sx = (pos: number): number => x0 + M.l + (pos / n) * pw;
  const sy = (bytes: number): number => M.t + ph - (bytes / maxBytes) * ph;
  const parts: string[] = [];
  parts.push(`<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`);
  parts.push(`<text x="${x0 + W / 2}" y="34" text-anchor="middle" font-size="11">peak ${kb(plan.peakBytes)} (${plan.peakBytes} B), ${graph.ops.length} ops, planner ${esc(plan.planner)}</text>`);
  // Axes with byte ticks.
  parts.push(`<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(n)}" y2="${sy(0)}" stroke="#333"/>`);
  parts.push(`<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(0)}" y2="${sy(maxBytes)}" stroke="#333"/>`);
  for (let k = 0; k <= 4; k++) {
    const b = Math.round((maxBytes * k) / 4);
    parts.push(`<text x="${sx(0) - 4}" y="${sy(b) + 4}" text-anchor="end" font-size="10">${kb(b)}</text>`);
    parts.push(`<line x1="${sx(0)}" y1="${sy(b)}" x2="${sx(n)}" y2="${sy(b)}" stroke="#ddd"/>`);
  }
  parts.push(`<text x="${x0 + M.l + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="11">op (execution order)</text>`);
  parts.push(`<text x="${x0 + 12}" y="${M.t + ph / 2}" font-size="11" transform="rotate(-90 ${x0 + 12} ${M.t + ph / 2})" text-anchor="middle">arena offset</text>`);
  plan.buffers.forEach((b, i) => {
    if (b.size <= 0) return;
    const name = b.tensor !== undefined ? graph.tensors[b.tensor]!.name : `scratch of op ${b.op}`;
    const x = sx(b.firstOp); const w = Math.max(1, sx(b.lastOp + 1) - x);
    const y = sy(b.offset + b.size); const h = Math.max(1, sy(b.offset) - y);
    const tip = `${name}: ${b.size} B at ${b.offset}, ops ${b.firstOp}..${b.lastOp}`;
    parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${colour(name, i)}" stroke="#555" stroke-width="0.5"><title>${esc(tip)}</title></rect>`);
  });
  parts.push(`<line x1="${sx(0)}" y1="${sy(plan.peakBytes)}" x2="${sx(n)}" y2="${sy(plan.peakBytes)}" stroke="#c00" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${sx(n)}" y="${sy(plan.peakBytes) - 3}" text-anchor="end" font-size="10" fill="#c00">peak</text>`);
  return parts.join('\n');
}

/** An SVG document with one panel per plan, all on the byte scale of the largest peak. */
export function layoutSvg(panels: LayoutPanel[]): string {
  const maxBytes = Math.max(1, ...panels.map((p) => p.plan.peakBytes));
  const width = W * panels.length;
  const body = panels.map((p, i) => panel(p, i * W, maxBytes)).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
