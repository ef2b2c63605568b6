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
// planner's lag exactly (quads to the end: 9,280).
import type { LowerContext } from './context.ts';
import { tensorsOverlap } from './lower-common.ts';
import { walkLag, type WindowGeometry } from '../../plan/streaming.ts';
import type { ScalarConvLayer } from './lower-scalar.ts';

/**
 * The pixel counts of the units tr_conv_quad_rv32.h computes, in output raster order (batch
 * 1): the walker over the input (`gather` false: tr_conv_quad_rv32_layer), the gathering
 * variant (tr_conv_quad_i2c_rv32_layer: quads over the flattened map), or the 1x1 kernel
 * (tr_conv1x1_quad_rv32_layer: quads over the first `quadPixels` pixels, then pairs, then one).
 * `edgeRows`: the output rows (or -1) where the walker runs border quads (lower-scalar.ts
 * quadBorders: quads of windows inside the input columns, single pixels elsewhere).
 */
export function quadUnits(l: ScalarConvLayer, gather: boolean, quadPixels?: number, edgeRows: readonly number[] = []): number[] {
  const units: number[] = [];
  if (l.gemm) {
    const P = l.inH * l.inW;
    const QP = quadPixels ?? P - (P % 4);
    let px = 0;
    for (; px + 4 <= QP; px += 4) units.push(4);
    for (; px + 2 <= P; px += 2) units.push(2);
    if (px < P) units.push(1);
    return units;
  }
  if (gather) {
    const P = l.outH * l.outW;
    for (let px = 0; px < P; px += 4) {
      const n = Math.min(4, P - px);
      if (n === 4) units.push(4);
      else { if (n >= 2) units.push(2); if (n % 2) units.push(1); }
    }
    return units;
  }
  for (let oy = 0; oy < l.outH; oy++) {
    const iy0 = oy * l.strideH - l.padTop;
    const rowsInside = iy0 >= 0 && iy0 + l.kH <= l.inH;
    const edge = edgeRows.includes(oy);
    for (let ox = 0; ox < l.outW;) {
      const ix0 = ox * l.strideW - l.padLeft;
      if ((rowsInside || edge) && ix0 >= 0 && ox + 4 <= l.outW && ix0 + 3 * l.strideW + l.kW <= l.inW) { units.push(4); ox += 4; continue; }
      if (rowsInside && ix0 >= 0 && ox + 2 <= l.outW && ix0 + l.strideW + l.kW <= l.inW) { units.push(2); ox += 2; continue; }
      units.push(1); ox++;
    }
  }
  return units;
}

function geometry(l: ScalarConvLayer): WindowGeometry {
  return {
    inH: l.inH, inW: l.inW, outH: l.outH, outW: l.outW, filterH: l.kH, filterW: l.kW, strideH: l.strideH, strideW: l.strideW,
    dilationH: 1, dilationW: 1, padTop: l.padTop, padLeft: l.padLeft, inPixelBytes: l.inC, outPixelBytes: l.outC, unitPixels: 4,
  };
}

/** The lag (bytes the output must start below the input) of the walk quadUnits gives. */
export function quadWalkLag(l: ScalarConvLayer, gather: boolean, quadPixels?: number, edgeRows: readonly number[] = []): number {
  return walkLag(geometry(l), quadUnits(l, gather, quadPixels, edgeRows));
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

/** Whether the walker with border quads on output rows topOy / bottomOy (-1: none) keeps the
 * lag the plan's offsets give (always, with the output apart from the input). Call after
 * quadFit accepted the walker. */
export function quadEdgeRowsFit(ctx: LowerContext, l: ScalarConvLayer, topOy: number, bottomOy: number): boolean {
  if (l.inId === undefined || l.outId === undefined || !tensorsOverlap(ctx, l.inId, l.outId)) return true;
  const d = ctx.arenaOffset(l.inId) - ctx.arenaOffset(l.outId);
  return d >= quadWalkLag(l, false, undefined, [topOy, bottomOy].filter((y) => y >= 0));
}
