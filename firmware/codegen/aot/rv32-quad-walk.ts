// Where the RV32 quad kernel (tr_conv_quad_rv32.h) may write over its input: the units it
// really walks, and the lag they need against the plan's offsets.
//
// A quad writes its outputs channel block by channel block while its four inputs are still to
// be read for the next block, so a unit is the pixels one call computes: 4, 2 or 1. The
// planner's CONV_2D rule (firmware/plan/streaming.ts) assumes units of 2 pixels; a uniform
// 4-pixel unit (windowLag with unitPixels 4) is what the quads need only where they run. The
// walker takes quads only where four windows lie inside the input: near a row's right end
// (where a strided conv's lag binds) it runs pairs and single pixels, so its real lag there is
// theirs. vww's FDT plan puts the first conv's output 112 B below its input (the 2-pixel lag,
// 110 B, aligned): the walk's lag is 112 (its quads end 4 pixels before the row's end), the
// uniform 4-pixel lag 126. The 1x1 kernel over flattened pixels may also end in pairs (its
// quadPixels): a 1x1 conv that widens the pixels (vww's 16 -> 32 after the FDT partitions, put
// 9,248 B below its input) needs the most lag at its last pixels, where pairs need the
// planner's lag exactly (quads to the end: 9,280). The walker's border column quads run first,
// four rows down a column, far ahead of raster order: over its input a layer takes them only
// where the plan's gap covers that call order (quadBordersFit; resnet's first conv: 14,848 B,
// which the aot build gives it where the arena has room, firmware/build/stream-gaps.ts).
import type { LowerContext } from './context.ts';
import { tensorsOverlap } from './lower-common.ts';
import { stepLag, type WindowGeometry } from '../../plan/streaming.ts';
import type { ConvGeometry, ScalarConvLayer } from './lower-scalar.ts';

/** The walker's border quads (lower-scalar.ts quadBorders) as far as its write order goes: the
 * output rows with row quads (`edgeRows`), and the column quads down the first (`left`) and last
 * (`right`) output columns over output rows v0 .. v1 - 1, four rows a call, before the walk. */
export interface WalkBorders {
  edgeRows?: readonly number[];
  left?: boolean; right?: boolean; v0?: number; v1?: number;
}

/**
 * The output pixels (flat, batch 1) of each call tr_conv_quad_rv32.h makes, in call order: the
 * walker over the input (`gather` false: tr_conv_quad_rv32_layer: its border column quads
 * first, then output raster order, skipping the pixels they computed), the gathering variant
 * (tr_conv_quad_i2c_rv32_layer: quads over the flattened map), or the 1x1 kernel
 * (tr_conv1x1_quad_rv32_layer: quads over the first `quadPixels` pixels, then pairs, then one).
 */
export function quadSteps(l: ConvGeometry, gather: boolean, quadPixels?: number, borders: WalkBorders = {}): number[][] {
  const steps: number[][] = [];
  const run = (p: number, n: number) => steps.push(Array.from({ length: n }, (_, k) => p + k));
  if (l.gemm) {
    const P = l.inH * l.inW;
    const QP = quadPixels ?? P - (P % 4);
    let px = 0;
    for (; px + 4 <= QP; px += 4) run(px, 4);
    for (; px + 2 <= P; px += 2) run(px, 2);
    if (px < P) run(px, 1);
    return steps;
  }
  if (gather) {
    const P = l.outH * l.outW;
    for (let px = 0; px < P; px += 4) {
      const n = Math.min(4, P - px);
      if (n === 4) run(px, 4);
      else { if (n >= 2) run(px, 2); if (n % 2) run(px + n - 1, 1); }
    }
    return steps;
  }
  const edgeRows = borders.edgeRows ?? [];
  const v0 = borders.v0 ?? 0; const v1 = borders.v1 ?? 0;
  const columns = [...(borders.left ? [0] : []), ...(borders.right ? [l.outW - 1] : [])];
  for (let oy = v0; oy < v1; oy += 4) for (const ox of columns) steps.push([0, 1, 2, 3].map((j) => (oy + j) * l.outW + ox));
  for (let oy = 0; oy < l.outH; oy++) {
    const iy0 = oy * l.strideH - l.padTop;
    const rowsInside = iy0 >= 0 && iy0 + l.kH <= l.inH;
    const edge = edgeRows.includes(oy);
    const skip = oy >= v0 && oy < v1 ? columns : [];
    for (let ox = 0; ox < l.outW;) {
      const ix0 = ox * l.strideW - l.padLeft;
      const p = oy * l.outW + ox;
      if (skip.includes(ox)) { ox++; continue; }
      if ((rowsInside || edge) && ix0 >= 0 && ox + 4 <= l.outW && ix0 + 3 * l.strideW + l.kW <= l.inW) { run(p, 4); ox += 4; continue; }
      if (rowsInside && ix0 >= 0 && ox + 2 <= l.outW && ix0 + l.strideW + l.kW <= l.inW) { run(p, 2); ox += 2; continue; }
      run(p, 1); ox++;
    }
  }
  return steps;
}

function geometry(l: ConvGeometry): WindowGeometry {
  return {
    inH: l.inH, inW: l.inW, outH: l.outH, outW: l.outW, filterH: l.kH, filterW: l.kW, strideH: l.strideH, strideW: l.strideW,
    dilationH: 1, dilationW: 1, padTop: l.padTop, padLeft: l.padLeft, inPixelBytes: l.inC, outPixelBytes: l.outC, unitPixels: 4,
  };
}

/** The lag (bytes the output must start below the input) of the walk quadSteps gives: the
 * walker with border row quads on `edgeRows` and the border quads `b`. */
export function quadWalkLag(l: ConvGeometry, gather: boolean, quadPixels?: number, edgeRows: readonly number[] = [], b: WalkBorders = {}): number {
  return stepLag(geometry(l), quadSteps(l, gather, quadPixels, { ...b, edgeRows: [...edgeRows, ...(b.edgeRows ?? [])] }));
}

/** Pixels at the end of a 1x1 layer the kernel may run as pairs instead of quads to fit a
 * plan: the cost model counts quads (a tail of 1/8 of the map misjudges it by little). */
const PAIR_TAIL_SHARE = 1 / 8;

/**
 * Whether the quad kernel's write order is safe for the plan's offsets, and for the 1x1 kernel
 * how many pixels it runs as quads: output and input apart (every pixel but P % 4), or the
 * output below the input by at least the lag of the units walked (quadWalkLag). Undefined when
 * it does not fit. The kernel runs forwards only.
 */
export function quadFit(ctx: LowerContext, l: ScalarConvLayer, gather: boolean): { quadPixels: number } | undefined {
  const P = l.gemm ? l.batches * l.inH * l.inW : l.batches * l.outH * l.outW;
  const all = { quadPixels: P - (P % 4) };
  if (l.reverse || l.inId === undefined || l.outId === undefined) return undefined;
  if (!tensorsOverlap(ctx, l.inId, l.outId)) return all;
  if (l.batches !== 1 || ctx.arenaOffset(l.outId) > ctx.arenaOffset(l.inId)) return undefined;
  const d = ctx.arenaOffset(l.inId) - ctx.arenaOffset(l.outId);
  if (!l.gemm) return d >= quadWalkLag(l, gather) ? all : undefined;
  for (let qp = all.quadPixels; qp >= 0 && P - qp <= P * PAIR_TAIL_SHARE; qp -= 4) {
    if (d >= quadWalkLag(l, false, qp)) return { quadPixels: qp };
  }
  return undefined;
}

/** Whether the walker with the border quads `b` (rows and columns) keeps the lag the plan's
 * offsets give: always with the output apart from the input; over it, the output below the
 * input by at least the lag of that walk (its column quads run first, far ahead of raster
 * order). Call after quadFit accepted the walker. */
export function quadBordersFit(ctx: LowerContext, l: ScalarConvLayer, b: WalkBorders): boolean {
  if (l.inId === undefined || l.outId === undefined || !tensorsOverlap(ctx, l.inId, l.outId)) return true;
  const d = ctx.arenaOffset(l.inId) - ctx.arenaOffset(l.outId);
  return d >= 0 && d >= quadWalkLag(l, false, undefined, [], b);
}
