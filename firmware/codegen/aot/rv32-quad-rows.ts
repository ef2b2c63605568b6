// The units of the quad kernel's row form (tr_conv_quad_row_rv32.h), for a residual block's row
// driver (lower-residual.ts): per distinct row window (rows present, padding rows above), which
// of its border pixels run as quads instead of single pixels. The untiled walker covers its
// border pixels with border quads (lower-scalar.ts quadBorders): the first and last output rows
// over the window rows inside, the first and last columns four rows at a time; a row-by-row
// driver has one row at a time, so here
// - a window with rows in the padding gets its own TR_RVQ_QUADS_CLIP instance (as the untiled
//   top and bottom rows);
// - the first and last four pixels of a row whose windows reach into the left / right padding
//   get an edge unit: four pixels that read only their taps inside, in phases over the window
//   columns each a contiguous set of the four pixels reads (3x3 stride 1, left: columns 1..2 for
//   all four, column 0 for pixels 1..3), each pixel from its own bias;
// each chosen per window by the quad cost model (lower-scalar.ts) against the single pixels they
// replace, a unit kept only where it saves BORDER_MIN_SAVING (its code: 1.8 to 2.5 KB an edge
// unit, 1.3 to 1.4 KB a clipped-row quads function in resnet's build).
import { intArray } from './c-emit.ts';
import type { LowerContext } from './context.ts';
import {
  BORDER_MIN_SAVING, QUAD_PAIR_PER_K, QUAD_PER_BLOCK, QUAD_PER_K, QUAD_SINGLE_PER_K, clipBias,
  type QuadRowKernel, type ScalarConvLayer,
} from './lower-scalar.ts';

/** One output row's input window: rows present (from the first row the driver points at) and
 * padding rows above them. */
export interface RowWindow { rows: number; padTop: number }

/** Per output row, the vertical input window of a conv over `inH` rows. */
export function rowWindows(inH: number, outH: number, k: number, stride: number, padTop: number): RowWindow[] {
  return Array.from({ length: outH }, (_, r) => {
    const start = r * stride - padTop;
    const first = Math.max(0, start);
    return { rows: Math.max(0, Math.min(inH - 1, start + k - 1) - first + 1), padTop: Math.max(0, -start) };
  });
}

/** An edge unit's phase: pixels j0 .. j1 - 1 read window columns ca .. cb - 1. */
export interface EdgePhase { j0: number; j1: number; ca: number; cb: number }
/** An edge unit: its first output pixel, and per pixel the window columns inside [c0, c1). */
export interface EdgeUnit { ox: number; c0: number[]; c1: number[]; phases: EdgePhase[] }

/** Phases of tr_rvq_edge at most (its literals). */
const EDGE_MAX_PHASES = 4;

/**
 * The edge unit on output pixels ox .. ox + 3 of a row, or undefined where it does not apply:
 * the row too narrow, no pixel reaching into the padding, a pixel with no column inside, or
 * columns whose readers are not a contiguous run of the four pixels (more than 4 phases).
 */
export function edgeUnit(l: ScalarConvLayer, ox: number): EdgeUnit | undefined {
  if (ox < 0 || ox + 4 > l.outW) return undefined;
  const c0: number[] = []; const c1: number[] = [];
  for (let j = 0; j < 4; j++) {
    const ix0 = (ox + j) * l.strideW - l.padLeft;
    c0.push(Math.max(0, -ix0)); c1.push(Math.min(l.kW, l.inW - ix0));
    if (c1[j]! <= c0[j]!) return undefined;
  }
  if (c0.every((c) => c === 0) && c1.every((c) => c === l.kW)) return undefined;
  const phases: EdgePhase[] = [];
  for (let kx = 0; kx < l.kW; kx++) {
    const readers = [0, 1, 2, 3].filter((j) => c0[j]! <= kx && kx < c1[j]!);
    if (!readers.length) continue;
    const j0 = readers[0]!; const j1 = readers[readers.length - 1]! + 1;
    if (j1 - j0 !== readers.length) return undefined;
    const last = phases[phases.length - 1];
    if (last && last.j0 === j0 && last.j1 === j1 && last.cb === kx) last.cb = kx + 1;
    else phases.push({ j0, j1, ca: kx, cb: kx + 1 });
  }
  return phases.length <= EDGE_MAX_PHASES ? { ox, c0, c1, phases } : undefined;
}

/** Instructions per input value of an edge phase's 4-channel block by the pixels it serves (4
 * weight loads, one input load and 8 MUL/ADD per pixel, the loop step): 4 and 2 as the quad and
 * pair (lower-scalar.ts; resnet's 3x3 16 -> 16 left unit: 252 per six values in its four-pixel
 * phase, as the quads), 3 counted there (189 per six values, 31.5), 1 estimated the same way. */
const EDGE_PER_K = [0, 13.5, QUAD_PAIR_PER_K, 31.5, QUAD_PER_K] as const;

/** The units a row window may run (tr_rvq_row_t): clipped-row quads (a window with rows in the
 * padding; an inside window always runs the layer's quads), left and right edge units. */
interface RowUnits { quads: boolean; left?: EdgeUnit; right?: EdgeUnit }

/** Estimated instructions of one row over window `w` with units `u` (walked as
 * tr_conv_quad_row_rv32_layer walks it). */
export function rowCost(l: ScalarConvLayer, w: RowWindow, u: RowUnits, perOutput: number): number {
  const blocks = Math.ceil(l.outC / 4); const K = l.kH * l.kW * l.inC;
  const inside = w.padTop === 0 && w.rows === l.kH;
  const quad = blocks * (w.rows * l.kW * l.inC * QUAD_PER_K + QUAD_PER_BLOCK) + 4 * l.outC * perOutput;
  const pair = blocks * (K * QUAD_PAIR_PER_K + QUAD_PER_BLOCK) + 2 * l.outC * perOutput;
  const edge = (e: EdgeUnit) => blocks * (QUAD_PER_BLOCK + e.phases.reduce((s, p) => s + w.rows * (p.cb - p.ca) * l.inC * EDGE_PER_K[p.j1 - p.j0]!, 0)) +
    4 * l.outC * perOutput;
  let cost = 0; let ox = 0; let end = l.outW;
  if (u.left) { cost += edge(u.left); ox = 4; }
  if (u.right) { cost += edge(u.right); end = l.outW - 4; }
  while (ox < end) {
    const ix0 = ox * l.strideW - l.padLeft;
    if ((inside || u.quads) && ix0 >= 0 && ox + 4 <= end && ix0 + 3 * l.strideW + l.kW <= l.inW) { cost += quad; ox += 4; continue; }
    if (inside && ix0 >= 0 && ox + 2 <= end && ix0 + l.strideW + l.kW <= l.inW) { cost += pair; ox += 2; continue; }
    const runs = l.kH * ((ix0 < 0 ? 1 : 0) + 1 + (ix0 + l.kW > l.inW ? 1 : 0));
    cost += blocks * (K * QUAD_SINGLE_PER_K + QUAD_PER_BLOCK + runs * 8) + l.outC * perOutput;
    ox++;
  }
  return cost;
}

/**
 * The units of window `w` (used by `count` rows): of the candidates, the set with the least
 * estimated instructions over its rows plus BORDER_MIN_SAVING per unit (a unit's code).
 */
export function planRowUnits(l: ScalarConvLayer, w: RowWindow, count: number, perOutput: number): RowUnits {
  const inside = w.padTop === 0 && w.rows === l.kH;
  const left = edgeUnit(l, 0);
  const right = edgeUnit(l, l.outW - 4);
  let best: RowUnits = { quads: inside }; let bestCost = Infinity;
  for (const quads of inside || w.rows === 0 ? [inside] : [false, true]) {
    for (const useLeft of left ? [false, true] : [false]) {
      for (const useRight of right ? [false, true] : [false]) {
        if (useLeft && useRight && l.outW < 8) continue;
        const u: RowUnits = { quads, ...(useLeft ? { left } : {}), ...(useRight ? { right } : {}) };
        const units = (quads && !inside ? 1 : 0) + (useLeft ? 1 : 0) + (useRight ? 1 : 0);
        const cost = count * rowCost(l, w, u, perOutput) + units * BORDER_MIN_SAVING;
        if (cost < bestCost) { best = u; bestCost = cost; }
      }
    }
  }
  return best;
}

/**
 * Emits the row units of a residual block conv that runs the quad walker's row form (k: its
 * kernel, lowerScalarConv's quadRow) for its output rows' `windows`, and returns per output row
 * the name of its window's tr_rvq_row_t. `biasFolded`: the C name of the layer's bias_folded
 * (l.rq32's), the bias of every pixel that leaves no tap out. `ctx` names after the conv.
 */
export function quadRowUnits(ctx: LowerContext, l: ScalarConvLayer, k: QuadRowKernel, windows: RowWindow[], biasFolded: string): string[] {
  const zp = l.inZeroPoint;
  if (zp === undefined || l.rq32 === undefined) throw new Error('quadRowUnits: the layer needs its input zero point and rq32 source');
  const L = l.kW * l.inC; const IN_SH = l.inW * l.inC;
  const biases = new Map<string, string>();
  /** the bias of a quad or pixel that reads window rows ky0 .. ky1 - 1, columns c0 .. c1 - 1 */
  const bias = (ky0: number, ky1: number, c0: number, c1: number): string => {
    const values = clipBias(l, zp, (ky, kx) => ky < ky0 || ky >= ky1 || kx < c0 || kx >= c1);
    if (ky0 === 0 && ky1 === l.kH && c0 === 0 && c1 === l.kW) return biasFolded;
    const key = values.join(',');
    let name = biases.get(key);
    if (name === undefined) {
      name = ctx.name(l.opIndex, `bias_c${biases.size}`);
      biases.set(key, name);
      ctx.decls.push(intArray(name, 'int32_t', values));
    }
    return name;
  };
  const counts = new Map<string, { w: RowWindow; n: number }>();
  for (const w of windows) {
    const key = `${w.rows}_${w.padTop}`;
    const c = counts.get(key);
    if (c) c.n++; else counts.set(key, { w, n: 1 });
  }
  const names = new Map<string, string>();
  for (const [key, { w, n }] of counts) {
    const u = planRowUnits(l, w, n, k.perOutput);
    const ky0 = w.padTop; const ky1 = w.padTop + w.rows;
    const inside = ky0 === 0 && ky1 === l.kH;
    const tag = `w${names.size}`;
    let quads = 'NULL'; let quadsBias = 'NULL';
    if (inside) { quads = k.quads; quadsBias = biasFolded; } else if (u.quads) {
      quads = ctx.name(l.opIndex, `quads_${tag}`);
      quadsBias = bias(ky0, ky1, 0, l.kW);
      ctx.decls.push(`TR_RVQ_QUADS_CLIP(${quads}, ${k.filter}, ${l.strideW * l.inC}, ${IN_SH}, ${l.kH}, ${ky0}, ${ky1}, 0, ${L}, ${L}, ${l.outC}, ${l.outC}, ${k.rq})\n`);
    }
    const edge = (side: string, e: EdgeUnit | undefined): string => {
      if (!e) return 'NULL';
      const fn = ctx.name(l.opIndex, `edge_${tag}_${side}`);
      const pixelBias = [0, 1, 2, 3].map((j) => bias(ky0, ky1, e.c0[j]!, e.c1[j]!));
      const phases = [0, 1, 2, 3].map((t) => { const p = e.phases[t]; return p ? `${p.j0}, ${p.j1}, ${p.ca}, ${p.cb}` : '0, 0, 0, 0'; });
      // pixel 0's window from the row start, as if the padding were there (may be negative)
      const x0 = (e.ox * l.strideW - l.padLeft) * l.inC;
      ctx.decls.push(`TR_RVQ_LAYER_FN ${fn}(const tr_requant_t *r, const int8_t *in, int8_t *out) {\n` +
        `  tr_rvq_edge(r, in, ${k.filter}, out + ${e.ox * l.outC}, ${pixelBias.join(', ')}, ${x0}, ${l.strideW * l.inC}, ${IN_SH}, ${l.kH}, ${ky0}, ${ky1}, ` +
        `${l.kW}, ${l.inC}, ${l.outC}, ${l.outC}, ${k.rq},\n              ${phases.join(', ')});\n}\n`);
      return fn;
    };
    const left = edge('left', u.left); const right = edge('right', u.right);
    const name = ctx.name(l.opIndex, `units_${tag}`);
    ctx.decls.push(`static const tr_rvq_row_t ${name} = { ${quads}, ${quadsBias}, ${inside ? 1 : 0}, ${left}, ${right} };\n`);
    names.set(key, name);
  }
  return windows.map((w) => names.get(`${w.rows}_${w.padTop}`)!);
}
