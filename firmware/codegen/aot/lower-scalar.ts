// Kernel selection for int8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED on cores without a
// DSP extension (RV32IMAC, Cortex-M0) under optimize 'speed': the register-blocked kernels of
// tr_conv_quad_rv32.h, tr_fc_row_rv32.h, tr_conv_rv32.h (and lower-scalar-depthwise.ts's depthwise and
// one-input-channel ones) compete per layer with the library's kernels by a small
// cost model (estimated instructions of the layer from instruction counts of each kernel's
// inner loop in the generated assembly; used to choose, never reported as a measurement).
// lower-conv.ts asks here first and falls back to its own kernels (tr_gemm_scalar.h for 1x1
// convs and FC, the generic ones otherwise) when this returns undefined. The quad kernel's
// border quads (pixels whose windows reach into the padding, run over the taps inside:
// quadBorders) are planned here too, and counted by its cost estimate.
import { intArray } from './c-emit.ts';
import { tensorsOverlap } from './lower-common.ts';
import type { LowerContext, Lowered } from './context.ts';
import { quadBordersFit, quadFit, quadWalkLag, type WalkBorders } from './rv32-quad-walk.ts';
import { rv32BlockLayout, rv32QuadLayout } from './kernel-layout.ts';
import { lowerScalarDepthwise1in, rq32Applies, rq32Rows, rq32Table, type Rq32Source } from './lower-scalar-depthwise.ts';
export { GENERIC_PER_MAC, PER_LAYER, PER_OUTPUT, RV32_MAX_KH };
// the quad kernel's cost terms and border gate, for its row form (rv32-quad-rows.ts)
export { BORDER_MIN_SAVING, QUAD_PAIR_PER_K, QUAD_PER_BLOCK, QUAD_PER_K, QUAD_SINGLE_PER_K };

const CONV_RV32_INCLUDE = '#include "tr_conv_rv32.h"\n';
/** Filter rows the window walker holds (TR_RV_MAX_KH in tr_conv_rv32.h). */
const RV32_MAX_KH = 16;

/** Requantization arithmetic of a layer (tr_fixedpoint.h TR_RQ_*) as the instance suffix. */
export type RqMode = 'TR_RQ_SINGLE' | 'TR_RQ_FP32' | 'TR_RQ_MBQM';
const SUFFIX: Record<RqMode, string> = { TR_RQ_SINGLE: 'single', TR_RQ_FP32: 'fp32', TR_RQ_MBQM: 'mbqm' };

/**
 * Instructions per input index k of one dot-product call, by channel block and [one pixel,
 * a pixel pair] (tr_conv_rv32.h, riscv64-unknown-elf-gcc 12.2 -O2 -march=rv32imac): counted in
 * the assembly for the 8-channel blocks (8 x 2: 89 per two k — 2 input and 8 weight loads,
 * 16 MUL, 16 ADD per k, pointer steps and the branch per two k; 8 x 1: 53 per two k),
 * estimated the same way for the 4-channel block and the single channels.
 */
const PER_K = { b8: [26.5, 44.5], b4: [16, 26], b1: [7, 11] } as const;
/** Per output: requantization, clamp and store (about 25 counted for the single-rounding
 * arithmetic; soft-float fp32 costs far more on these cores, but equally for every variant). */
const PER_OUTPUT = 25;
/** The same under tr_requant_rv32.h's form in the quad and FC-row kernels, counted in their -O2
 * assembly (1x1 64 -> 64 quads, a 64 -> 64 FC row): slli, mulh, add, sra, two clamp branches,
 * sb per output, and the channel's three constants loaded with their address per 4 pixels
 * (quads: 8.5 per output), 2 (pairs: 10) or 1 (FC rows: 10 to 11 with a few spill reloads);
 * the sign term adds srli, slli, sub. */
const PER_OUTPUT_RQ32 = 10;
const PER_OUTPUT_RQ32_SIGN = 3;

/** Per-output cost of the layer's requantization in the quad and FC-row kernels: the rq32 form
 * where they will take it (rq32Table's condition: the reference arithmetic (rq32Applies) and
 * rq32Rows' proof over every channel's taps), else tr_rq_t's. */
function perOutputCost(mode: RqMode, src: Rq32Source | undefined, channels: number, taps: (c: number) => ArrayLike<number>): number {
  const q = rq32Applies(mode) && src !== undefined ? rq32Rows(src, channels, taps) : undefined;
  return q ? PER_OUTPUT_RQ32 + (q.sign ? PER_OUTPUT_RQ32_SIGN : 0) : PER_OUTPUT;
}
/** Per dot-product call: accumulators in and out, pointers. */
const PER_CALL = 24;
/** Per layer: the call of the shared instance, its set-up and the channel-block loop around the
 * calls (measured on aww's 64 -> 12 FC: 3,859 instructions against 3,068 estimated without it). */
const PER_LAYER = 800;
/** The generic fast kernels on these cores (measured with bench:speed before the blocked
 * kernels existed: 5.1 instructions per MAC on resnet's 3x3 convs, 4.2 on toycar's FC). */
const GENERIC_PER_MAC = { conv: 5.1, fc: 4.2 };

/** Estimated instructions of one pixel (pair = false) or pixel pair over all C channels,
 * with `runs` dot-product calls per channel block covering K inputs in all. */
function blockedCost(K: number, C: number, runs: number, pair: boolean): number {
  const i = pair ? 1 : 0;
  const b8 = Math.floor(C / 8); const b4 = C - 8 * b8 >= 4 ? 1 : 0; const b1 = C - 8 * b8 - 4 * b4;
  const blocks = b8 + b4 + b1;
  return K * (b8 * PER_K.b8[i] + b4 * PER_K.b4[i] + b1 * PER_K.b1[i]) + blocks * runs * PER_CALL + C * (pair ? 2 : 1) * PER_OUTPUT;
}

export interface ScalarConvLayer {
  opIndex: number;
  /** Name of the layer's tr_conv_s8_params_t (bias_folded and pad_row filled). */
  params: string;
  /** The filter as OHWI rows of kH * kW * inC. */
  ohwi: number[];
  batches: number; inH: number; inW: number; inC: number; outH: number; outW: number; outC: number;
  kH: number; kW: number; strideH: number; strideW: number; dilationH: number; dilationW: number;
  padTop: number; padLeft: number;
  /** A 1x1 stride-1 conv on the same map: a GEMM over flattened pixels. */
  gemm: boolean;
  /** The plan puts the output above the input: the kernel must run backwards. */
  reverse: boolean;
  mode: RqMode;
  inPtr: string; outPtr: string;
  /** The input and output tensors (the quad kernel checks the plan's overlap of the two);
   * for the quad kernel and the depthwise ones (lower-scalar-depthwise.ts) the rv32 requantization. */
  rq32?: Rq32Source; inId?: number; outId?: number;
  /** A row of a residual block (lower-residual.ts): the name of the quad kernel's function,
   * which then takes the library kernels' signature (tr_conv_s8_fn) and the row's params (the
   * walker: tr_conv_quad_row_rv32.h's row form, its params a tr_rvq_row_params_t). With
   * `gemm` false (the GEMM's pixel count is a literal of the whole map); the one-input-channel
   * kernels decline it, the others ignore it. */
  rowFn?: string;
  /** The input's zero point: what a padding tap reads (the quad kernel's border quads leave
   * such taps out and take them off the bias instead; absent: no border quads). */
  inZeroPoint?: number;
}

/** A conv layer's geometry: what the walks, their cost and their lags read. */
export type ConvGeometry = Pick<ScalarConvLayer, 'batches' | 'inH' | 'inW' | 'inC' | 'outH' | 'outW' | 'outC' | 'kH' | 'kW' |
  'strideH' | 'strideW' | 'dilationH' | 'dilationW' | 'padTop' | 'padLeft' | 'gemm' | 'reverse'>;

/** Channel c's taps of a conv (its KH x KW x CIN OHWI row): what the rq32 proof bounds. */
function convTaps(l: ScalarConvLayer): (c: number) => number[] {
  const K = l.kH * l.kW * l.inC;
  return (c) => l.ohwi.slice(c * K, c * K + K);
}

/** Pairs and single pixels tr_conv_rv32_layer walks, and the runs of the single ones. */
function convWalk(l: ScalarConvLayer): { pairs: number; singles: number; singleRuns: number } {
  let pairs = 0; let singles = 0; let singleRuns = 0;
  for (let ox = 0; ox < l.outW;) {
    const ix0 = ox * l.strideW - l.padLeft;
    const inside0 = ix0 >= 0 && ix0 + l.kW <= l.inW;
    if (inside0 && ox + 1 < l.outW && ix0 + l.strideW + l.kW <= l.inW) { pairs++; ox += 2; continue; }
    singles++; singleRuns += l.kH * ((ix0 < 0 ? 1 : 0) + 1 + (ix0 + l.kW > l.inW ? 1 : 0));
    ox++;
  }
  const rows = l.batches * l.outH;
  return { pairs: pairs * rows, singles: singles * rows, singleRuns: singleRuns * rows };
}

/** Estimated instructions of the layer under tr_conv_rv32.h. */
export function rv32ConvCost(l: ScalarConvLayer): number {
  const K = l.kH * l.kW * l.inC;
  if (l.gemm) {
    const P = l.batches * l.inH * l.inW;
    return PER_LAYER + Math.floor(P / 2) * blockedCost(K, l.outC, 1, true) + (P % 2) * blockedCost(K, l.outC, 1, false);
  }
  const w = convWalk(l);
  const avgRuns = w.singles ? w.singleRuns / w.singles : l.kH;
  return PER_LAYER + w.pairs * blockedCost(K, l.outC, 1, true) + w.singles * blockedCost(K, l.outC, avgRuns, false);
}

function include(ctx: LowerContext, line = CONV_RV32_INCLUDE): void {
  if (!ctx.decls.includes(line)) ctx.decls.unshift(line);
}

const CONV_QUAD_RV32_INCLUDE = '#include "tr_conv_quad_rv32.h"\n';
/** Instructions per input index k of a quad's 4-channel block (16 MACs), counted in the -O2
 * assembly: 168 per four k in the 1x1 instances of aww and vww, 250 per six k in resnet's 3x3
 * ones (16 loads, 32 MUL/ADD per k, pointer steps and the branch, a few spills). */
const QUAD_PER_K = 42;
/** The same for a pair's block (8 MACs): 135 per six k in the 3x3 16 -> 16 instance. */
const QUAD_PAIR_PER_K = 22.5;
/** A single pixel's, per 4 channels: 28 per k for 8 channels (1 input and 8 weight loads, 16
 * MUL/ADD, 3 pointer steps) in the 3x3 instances. Measured with bench:speed on resnet with the
 * quad kernel forced: 6.96 / 7.03 / 7.44 M instructions on ops 2 / 5 / 9 against 7.06 / 7.24 /
 * 7.82 M estimated with 16 here (the pair kernel: 7.27 M on op 5, 7.17 M on op 9). */
const QUAD_SINGLE_PER_K = 14;
/** Per 4-channel block of a quad or a single pixel: the bias into the accumulators, the
 * block's pointers (estimated). */
const QUAD_PER_BLOCK = 12;

/** Quads, pairs and single pixels tr_conv_quad_rv32_layer walks (or the gathering variant,
 * over the flattened map), and the runs of the single ones. */
function quadWalk(l: ConvGeometry, gather: boolean, borders?: BorderPlan):
  { quads: number; pairs: number; singles: number; singleRuns: number; edges: number; edgeShare: number } {
  if (l.gemm || gather) {
    const P = l.gemm ? l.inH * l.inW : l.outH * l.outW;
    return { quads: l.batches * Math.floor(P / 4), pairs: l.batches * (P % 4 >= 2 ? 1 : 0), singles: l.batches * (P % 2), singleRuns: l.batches * (P % 2), edges: 0, edgeShare: 0 };
  }
  let quads = 0; let pairs = 0; let singles = 0; let singleRuns = 0;
  for (let oy = 0; oy < l.outH; oy++) {
    const iy0 = oy * l.strideH - l.padTop;
    const rowsInside = iy0 >= 0 && iy0 + l.kH <= l.inH;
    for (let ox = 0; ox < l.outW;) {
      const ix0 = ox * l.strideW - l.padLeft;
      if (rowsInside && ix0 >= 0 && ox + 4 <= l.outW && ix0 + 3 * l.strideW + l.kW <= l.inW) { quads++; ox += 4; continue; }
      if (rowsInside && ix0 >= 0 && ox + 2 <= l.outW && ix0 + l.strideW + l.kW <= l.inW) { pairs++; ox += 2; continue; }
      singles++; singleRuns += l.kH * ((ix0 < 0 ? 1 : 0) + 1 + (ix0 + l.kW > l.inW ? 1 : 0));
      ox++;
    }
  }
  // border quads (borderPlan): `edges` of them, reading `edgeShare` windows' worth of taps in
  // all; their four pixels no longer single
  let edges = 0; let edgeShare = 0;
  if (borders) {
    const side = (n: number, count: number, k: number) => { if (n) { edges += count; edgeShare += count * (k - n) / k; } };
    const colQuads = (borders.v1 - borders.v0) / 4;
    side(borders.top, borders.rowQuads, l.kH); side(borders.bottom, borders.rowQuads, l.kH);
    side(borders.left, colQuads, l.kW); side(borders.right, colQuads, l.kW);
    const freed = Math.min(singles, 4 * edges);
    singleRuns -= freed * (singleRuns / Math.max(singles, 1));
    singles -= freed;
  }
  const b = l.batches;
  return { quads: quads * b, pairs: pairs * b, singles: singles * b, singleRuns: singleRuns * b, edges: edges * b, edgeShare: edgeShare * b };
}

/** rv32ConvCost falls short of the pair kernel's measured instructions (bench:speed: resnet's
 * ops 5 and 9, 7.27 and 7.17 M against 6.95 and 7.00 M estimated; aww's 1x1 layers 1.865 M
 * against 1.639 M), while rv32QuadCost is within 5 % of the quad kernel's: the quad-or-pair
 * choice scales the pair estimate by this much. */
const PAIR_MEASURED_OVER_ESTIMATE = 1.04;

/** Windows tr_conv_quad_i2c_rv32_layer gathers at most (TR_RVQ_I2C_MAX_K). */
const RV32_I2C_MAX_K = 64;
/** Per gathered window tap: the bounds checks and the copy loop (estimated), and per value. */
const GATHER_PER_TAP = 6;
const GATHER_PER_VALUE = 2;

/** Estimated instructions of the layer under tr_conv_quad_rv32.h: the walker over the input
 * (`gather` false) or the gathering variant (tr_conv_quad_i2c_rv32_layer). */
export function rv32QuadCost(l: ConvGeometry, gather = false, perOutput = PER_OUTPUT, borders?: BorderPlan): number {
  const K = l.kH * l.kW * l.inC;
  const blocks = Math.ceil(l.outC / 4);
  const w = quadWalk(l, gather, borders);
  const quad = blocks * (K * QUAD_PER_K + QUAD_PER_BLOCK) + 4 * l.outC * perOutput;
  const pair = blocks * (K * QUAD_PAIR_PER_K + QUAD_PER_BLOCK) + 2 * l.outC * perOutput;
  const runs = w.singles ? w.singleRuns / w.singles : 1;
  const single = blocks * (K * QUAD_SINGLE_PER_K + QUAD_PER_BLOCK + runs * 8) + l.outC * perOutput;
  const gathers = gather ? l.batches * l.outH * l.outW * l.kH * l.kW * (GATHER_PER_TAP + GATHER_PER_VALUE * l.inC) : 0;
  const edges = w.edges * (blocks * QUAD_PER_BLOCK + 4 * l.outC * perOutput) + w.edgeShare * blocks * K * QUAD_PER_K;
  return PER_LAYER + w.quads * quad + w.pairs * pair + w.singles * single + gathers + edges;
}

const CONV_QUAD_ROW_RV32_INCLUDE = '#include "tr_conv_quad_row_rv32.h"\n';

/** A residual block row's quad walker (rowFn, not gathering): what its per-window units
 * (rv32-quad-rows.ts) build on — the layer's weights, its quads function, the requantization
 * literals (mode, table, sign) and the estimated instructions per output. */
export interface QuadRowKernel { filter: string; quads: string; rq: string; perOutput: number }
/** lowerScalarConv's result; `quadRow` when a row function runs the quad walker. */
export type ScalarConvLowered = Lowered & { quadRow?: QuadRowKernel };

/** The quad kernel: one noinline function per layer with the sizes and strides as literals;
 * `gather`: the variant that gathers the windows (tr_conv_quad_i2c_rv32_layer). */
function lowerQuad(ctx: LowerContext, l: ScalarConvLayer, gather: boolean, quadPixels: number, perOutput: number, bordersPlan?: BorderPlan): ScalarConvLowered {
  include(ctx, CONV_QUAD_RV32_INCLUDE);
  const K = l.kH * l.kW * l.inC;
  const filter = ctx.name(l.opIndex, 'filter_rvq');
  ctx.decls.push(intArray(filter, 'int8_t', rv32QuadLayout(l.ohwi, l.outC, K, l.gemm || gather ? 1 : l.kH)));
  const spec = ctx.name(l.opIndex, 'convq');
  const window = `${l.kH}, ${l.kW}, ${l.inC}, ${l.outC}, ${l.strideW}, ${l.inW * l.inC}`;
  const fn = l.gemm ? 'tr_conv1x1_quad_rv32_layer' : gather ? 'tr_conv_quad_i2c_rv32_layer' : 'tr_conv_quad_rv32_layer';
  const args = l.gemm ? `${l.batches * l.inH * l.inW}, ${quadPixels}, ${K}, ${l.outC}` : gather ? window : `${window}, ${l.outC}`;
  // the quads' own function: pixel stride, row stride, rows, row length, channels, output stride
  const quads = ctx.name(l.opIndex, 'quads');
  const geom = l.gemm || gather ? [K, 0, 1, K] : [l.strideW * l.inC, l.inW * l.inC, l.kH, l.kW * l.inC];
  const rq = rq32Table(ctx, l.opIndex, l.mode, l.rq32, l.outC, convTaps(l));
  ctx.decls.push(`TR_RVQ_QUADS(${quads}, ${filter}, ${geom.join(', ')}, ${l.outC}, ${l.outC}, ${rq.mode}, ${rq.table}, ${rq.sign})\n`);
  // the walker's border quads as costed (bordersPlan; none in a residual block's rows, whose
  // params — sizes, padding — the driver passes per row: their row form below takes units per
  // row window, rv32-quad-rows.ts)
  const borders = l.gemm || gather ? undefined : quadBorders(ctx, l, bordersPlan, filter, `${rq.mode}, ${rq.table}, ${rq.sign}`);
  const tail = `${rq.mode}, ${quads}, ${rq.table}, ${rq.sign}${borders === undefined ? '' : `, ${borders}`}`;
  if (l.rowFn && !gather && !l.gemm) {
    // one output row (tr_conv_quad_row_rv32.h): the params the driver passes are a
    // tr_rvq_row_params_t naming the window's units; widths and left padding literals
    include(ctx, CONV_QUAD_ROW_RV32_INCLUDE);
    ctx.decls.push(`TR_RVQ_LAYER_FN ${l.rowFn}(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias, int8_t *out) {\n` +
      `  (void)filter; (void)bias;\n  tr_conv_quad_row_rv32_layer(p, in, ${filter}, out, ${window}, ${l.outC}, ${l.inW}, ${l.outW}, ${l.padLeft}, ` +
      `${rq.mode}, ${quads}, ${rq.table}, ${rq.sign});\n}\n`);
    return {
      statements: [`${l.rowFn}(p, in, filter, bias, out);`], kernels: ['tr_conv_quad_row_rv32_layer'],
      quadRow: { filter, quads, rq: `${rq.mode}, ${rq.table}, ${rq.sign}`, perOutput },
    };
  }
  if (l.rowFn) {
    ctx.decls.push(`TR_RVQ_LAYER_FN ${l.rowFn}(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias, int8_t *out) {\n` +
      `  (void)filter; (void)bias;\n  ${fn}(p, in, ${filter}, out, ${args}, ${tail});\n}\n`);
    return { statements: [`${l.rowFn}(p, in, filter, bias, out);`], kernels: [fn] };
  }
  ctx.decls.push(`TR_RVQ_LAYER_FN ${spec}(const int8_t *in, int8_t *out) {\n  ${fn}(&${l.params}, in, ${filter}, out, ${args}, ${tail});\n}\n`);
  return { statements: [`${spec}(${l.inPtr}, ${l.outPtr});`], kernels: [fn] };
}

/** Output index o's window along one axis (stride st, leading pad pad, window k over an input
 * of size size): its first input index and how many of its taps lie in the padding before
 * (clip) and after (clipEnd). */
function clips(o: number, st: number, pad: number, k: number, size: number): { clip: number; clipEnd: number } {
  const first = o * st - pad;
  return { clip: Math.max(0, -first), clipEnd: Math.max(0, first + k - size) };
}

/** Which border quads tr_conv_quad_rv32.h runs for a layer walked over its input (see
 * quadBorders): per side the taps left out (rows above / below, columns left / right; 0: none),
 * the output row or column, and the inside rows the column quads cover (v0 .. v1 - 1). */
interface BorderPlan { top: number; bottom: number; left: number; right: number; v0: number; v1: number; rowQuads: number }

/**
 * Candidates: the first (last) output row gets border quads when its windows have rows in the padding above
 * (below) only and the row holds quads of windows inside the input columns; the first (last)
 * output column when its windows have columns in the padding on the left (right) only and at
 * least four output rows have windows inside the input rows, and only with `columns` (column
 * quads write out of raster order: layerBorders checks them against the plan).
 */
function borderCandidates(l: ConvGeometry, columns: boolean): BorderPlan {
  let rowQuads = 0;
  for (let ox = 0; ox + 4 <= l.outW;) {
    const ix0 = ox * l.strideW - l.padLeft;
    if (ix0 >= 0 && ix0 + 3 * l.strideW + l.kW <= l.inW) { rowQuads++; ox += 4; } else ox++;
  }
  const rows = (o: number) => clips(o, l.strideH, l.padTop, l.kH, l.inH);
  const cols = (o: number) => clips(o, l.strideW, l.padLeft, l.kW, l.inW);
  const t = rows(0); const b = rows(l.outH - 1);
  const top = rowQuads > 0 && t.clip > 0 && t.clipEnd === 0 ? t.clip : 0;
  const bottom = rowQuads > 0 && l.outH > 1 && b.clipEnd > 0 && b.clip === 0 ? b.clipEnd : 0;
  // the inside rows (contiguous), four at a time
  let v0 = 0; while (v0 < l.outH && rows(v0).clip > 0) v0++;
  let end = v0; while (end < l.outH && rows(end).clipEnd === 0) end++;
  const v1 = v0 + 4 * Math.floor((end - v0) / 4);
  const lc = cols(0); const rc = cols(l.outW - 1);
  const colQuads = columns && v1 > v0;
  const left = colQuads && lc.clip > 0 && lc.clipEnd === 0 ? lc.clip : 0;
  const right = colQuads && l.outW > 1 && rc.clipEnd > 0 && rc.clip === 0 ? rc.clipEnd : 0;
  return { top, bottom, left, right, v0: left || right ? v0 : 0, v1: left || right ? v1 : 0, rowQuads };
}

/**
 * The border quads of tr_conv_quad_rv32.h (tr_rvq_borders_t) for a layer walked over its
 * input, the sides of plan p (layerBorders), or 'NULL' without one: each side its own TR_RVQ_QUADS_CLIP instance
 * over the same weights, with bias_folded plus the input zero point times the weights of the
 * taps it leaves out (what reading them from pad_row adds). `tail`: the instances' mode, table
 * and sign literals.
 */
function quadBorders(ctx: LowerContext, l: ScalarConvLayer, p: BorderPlan | undefined, filter: string, tail: string): string {
  const zp = l.inZeroPoint;
  if (p === undefined || zp === undefined || l.rq32 === undefined) return 'NULL';
  if (!p.top && !p.bottom && !p.left && !p.right) return 'NULL';
  const L = l.kW * l.inC; const IN_SH = l.inW * l.inC;
  const bias = (side: string, out: (ky: number, kx: number) => boolean): string => {
    const name = ctx.name(l.opIndex, `bias_${side}`);
    ctx.decls.push(intArray(name, 'int32_t', clipBias(l, zp, out)));
    return name;
  };
  const inst = (side: string, pxs: number, ky0: number, ky1: number, c0: number, len: number, ops: number): string => {
    const name = ctx.name(l.opIndex, `quads_${side}`);
    ctx.decls.push(`TR_RVQ_QUADS_CLIP(${name}, ${filter}, ${pxs}, ${IN_SH}, ${l.kH}, ${ky0}, ${ky1}, ${c0}, ${len}, ${L}, ${l.outC}, ${ops}, ${tail})\n`);
    return name;
  };
  const fns = ['NULL', 'NULL', 'NULL', 'NULL']; const biases = ['NULL', 'NULL', 'NULL', 'NULL']; const xoffs = [0, 0, 0, 0];
  const at = [-1, -1, -1, -1];
  if (p.top) {
    fns[0] = inst('top', l.strideW * l.inC, p.top, l.kH, 0, L, l.outC);
    biases[0] = bias('top', (ky) => ky < p.top); xoffs[0] = p.top * IN_SH; at[0] = 0;
  }
  if (p.bottom) {
    fns[1] = inst('bottom', l.strideW * l.inC, 0, l.kH - p.bottom, 0, L, l.outC);
    biases[1] = bias('bottom', (ky) => ky >= l.kH - p.bottom); at[1] = l.outH - 1;
  }
  // columns: four output rows a quad (stride_h input rows apart), an output row between pixels
  const pxs = l.strideH * IN_SH; const ops = l.outW * l.outC;
  if (p.left) {
    fns[2] = inst('left', pxs, 0, l.kH, p.left * l.inC, (l.kW - p.left) * l.inC, ops);
    biases[2] = bias('left', (_, kx) => kx < p.left); xoffs[2] = p.left * l.inC; at[2] = 0;
  }
  if (p.right) {
    fns[3] = inst('right', pxs, 0, l.kH, 0, (l.kW - p.right) * l.inC, ops);
    biases[3] = bias('right', (_, kx) => kx >= l.kW - p.right); at[3] = l.outW - 1;
  }
  const name = ctx.name(l.opIndex, 'borders');
  ctx.decls.push(`static const tr_rvq_borders_t ${name} = { ${[...fns, ...biases, ...xoffs, ...at, p.v0, p.v1].join(', ')} };\n`);
  return `&${name}`;
}

/** bias_folded (l.rq32) plus the input zero point zp times channel c's weights at the taps
 * `out(ky, kx)` leaves out: what reading those taps from pad_row would add, for a quad that
 * reads only the others. */
export function clipBias(l: ScalarConvLayer, zp: number, out: (ky: number, kx: number) => boolean): number[] {
  const K = l.kH * l.kW * l.inC;
  return Array.from(l.rq32!.biasFolded, (v, c) => {
    let sum = v;
    for (let ky = 0; ky < l.kH; ky++) for (let kx = 0; kx < l.kW; kx++) {
      if (!out(ky, kx)) continue;
      for (let ci = 0; ci < l.inC; ci++) sum += zp * l.ohwi[c * K + (ky * l.kW + kx) * l.inC + ci]!;
    }
    return sum | 0;
  });
}

/** Estimated instructions a side's border quads must save to be worth their code (1.3 to 1.7 KB
 * a side in resnet's 3x3 layers, which save 36 to 300 thousand each). Also keeps the compile
 * time of small layers where it was: with every side (no threshold) the 150-odd layers of
 * aot-rv32-kernels' test graph took riscv64-unknown-elf-gcc 65 s instead of 38 s (user time),
 * past the build's 180 s timeout on a loaded machine; with this one 36 s. */
const BORDER_MIN_SAVING = 20000;

/** borderCandidates less the sides that save under BORDER_MIN_SAVING by rv32QuadCost. */
function borderPlan(l: ConvGeometry, columns: boolean, perOutput: number): BorderPlan {
  const p = borderCandidates(l, columns);
  const full = rv32QuadCost(l, false, perOutput, p);
  const kept = { ...p };
  for (const side of ['top', 'bottom', 'left', 'right'] as const) {
    if (p[side] && rv32QuadCost(l, false, perOutput, { ...p, [side]: 0 }) - full < BORDER_MIN_SAVING) kept[side] = 0;
  }
  if (!kept.left && !kept.right) { kept.v0 = 0; kept.v1 = 0; }
  return kept;
}

/**
 * borderPlan against the plan's offsets. Column quads run before the walk, out of raster
 * order, and row quads are 4-pixel units where the walk had single pixels: over an overlapping
 * plan a side is kept only where the walk with it still has the lag the plan gives
 * (rv32-quad-walk.ts quadBordersFit) — first with the column quads (the sides that save most;
 * they need the output below the input by about the bytes the column quads write, which the
 * aot build gives where the arena has room: quadWalkerGap), then without them.
 */
function layerBorders(ctx: LowerContext, l: ScalarConvLayer, perOutput: number): BorderPlan {
  for (const columns of quadColumnsApart(ctx, l) ? [true] : [true, false]) {
    const p = borderPlan(l, columns, perOutput);
    if (columns && !p.left && !p.right && !quadColumnsApart(ctx, l)) continue;
    for (const [top, bottom] of [[p.top, p.bottom], [p.top, 0], [0, p.bottom], [0, 0]] as const) {
      const q = { ...p, top, bottom };
      if (quadBordersFit(ctx, l, walkBorders(l, q))) return q;
    }
  }
  return { ...borderPlan(l, false, perOutput), top: 0, bottom: 0 };
}

/** The write order of plan p's border quads (rv32-quad-walk.ts). */
function walkBorders(l: ConvGeometry, p: BorderPlan): WalkBorders {
  return { edgeRows: [p.top ? 0 : -1, p.bottom ? l.outH - 1 : -1].filter((y) => y >= 0), left: p.left > 0, right: p.right > 0, v0: p.v0, v1: p.v1 };
}

/** Output and input apart: every border quad keeps its order's lag. */
function quadColumnsApart(ctx: LowerContext, l: ScalarConvLayer): boolean {
  return l.inId !== undefined && l.outId !== undefined && !tensorsOverlap(ctx, l.inId, l.outId);
}

/**
 * The gap (bytes the output starts below the input it streams over) at which the quad walker
 * runs every border quad its layer would get with the output apart from the input (border
 * rows and columns: borderPlan), or undefined for a layer the walker does not take (1x1 convs
 * on the same map, dilated or reversed ones, windows over RV32_MAX_KH rows, batches). What
 * the aot build asks the plan for where the arena has room (firmware/build/stream-gaps.ts):
 * resnet's first conv under FDT needs 14,848 B for its column quads, the planner's lag is 13,417.
 */
export function quadWalkerGap(l: ConvGeometry): number | undefined {
  if (l.gemm || l.reverse || l.batches !== 1 || l.dilationH !== 1 || l.dilationW !== 1 || l.kH > RV32_MAX_KH) return undefined;
  return quadWalkLag(l, false, undefined, [], walkBorders(l, borderPlan(l, true, PER_OUTPUT_RQ32)));
}

/** The blocked conv when it fits the layer and the cost model prefers it, else undefined. */
export function lowerScalarConv(ctx: LowerContext, l: ScalarConvLayer): ScalarConvLowered | undefined {
  if (!ctx.scalarBlockKernels) return undefined;
  // one input channel (depthwise convs run as convs, FDT's partitions): lower-scalar-depthwise.ts
  const dw1in = lowerScalarDepthwise1in(ctx, l);
  if (dw1in) return dw1in;
  if (!l.gemm && (l.reverse || l.dilationH !== 1 || l.dilationW !== 1 || l.kH > RV32_MAX_KH)) return undefined;
  const macs = l.batches * l.outH * l.outW * l.outC * l.kH * l.kW * l.inC;
  const pairCost = rv32ConvCost(l);
  // GENERIC_PER_MAC was measured on layers of long windows; the requantization per output
  // comes on top (vww's 1x1 8 -> 16: 7.61 instructions per MAC measured under tr_gemm_scalar.h)
  const generic = GENERIC_PER_MAC.conv * macs + l.batches * l.outH * l.outW * l.outC * PER_OUTPUT;
  // the plan's offsets against the units each variant walks (rv32-quad-walk.ts)
  const fit = quadFit(ctx, l, false);
  const fitGathered = l.gemm || l.kH * l.kW * l.inC > RV32_I2C_MAX_K ? undefined : quadFit(ctx, l, true);
  if (fit || fitGathered) {
    const perOutput = perOutputCost(l.mode, l.rq32, l.outC, convTaps(l));
    const borders = fit && !l.gemm && !l.rowFn && l.inZeroPoint !== undefined && l.rq32 !== undefined ? layerBorders(ctx, l, perOutput) : undefined;
    const direct = fit ? rv32QuadCost(l, false, perOutput, borders) : Infinity;
    const gathered = fitGathered ? rv32QuadCost(l, true, perOutput) : Infinity;
    const best = Math.min(direct, gathered);
    if (best < PAIR_MEASURED_OVER_ESTIMATE * pairCost && best < generic) return lowerQuad(ctx, l, gathered < direct, (gathered < direct ? fitGathered : fit)!.quadPixels, perOutput, borders);
  }
  if (pairCost >= generic) return undefined;
  include(ctx);
  const blocked = ctx.name(l.opIndex, 'filter_rv32');
  ctx.decls.push(intArray(blocked, 'int8_t', rv32BlockLayout(l.ohwi, l.outC, l.kH * l.kW * l.inC)));
  const suffix = SUFFIX[l.mode];
  if (l.gemm) {
    const fn = `tr_conv1x1_rv32_${suffix}`;
    return {
      statements: [`${fn}(&${l.params}, ${l.inPtr}, ${blocked}, ${l.outPtr}, ${l.batches * l.inH * l.inW}, ${l.inC}, ${l.outC}, ${l.reverse ? 1 : 0});`],
      kernels: [fn],
    };
  }
  const fn = `tr_conv_rv32_${suffix}`;
  return {
    statements: [`${fn}(&${l.params}, ${l.inPtr}, ${blocked}, ${l.outPtr}, ${l.kH}, ${l.kW}, ${l.inC}, ${l.outC});`],
    kernels: [fn],
  };
}

export interface ScalarFcLayer {
  opIndex: number;
  /** Name of the layer's tr_fc_s8_params_t (bias_folded filled). */
  params: string;
  weights: number[];
  batches: number; depth: number; outDepth: number;
  mode: RqMode;
  inPtr: string; outPtr: string;
  /** For the rv32 requantization of tr_fc_row_rv32.h (absent: the layer's own arithmetic). */
  rq32?: Rq32Source;
}

const FC_ROW_RV32_INCLUDE = '#include "tr_fc_row_rv32.h"\n';
/** Instructions per input k of tr_fc_row_rv32.h by pass (16, 8, 4, 1 channels): 200 per four
 * k in the -O2 assembly of the 16-channel pass (4 + 64 loads, 128 MUL/ADD, 4 pointer/branch),
 * 103 of the 8-channel one; the others estimated the same way. Per pass: the bias in, the
 * pointers (estimated). */
const FC_ROW_PER_K = { b16: 50, b8: 25.75, b4: 13.75, b1: 4 } as const;
const FC_ROW_PER_BLOCK = 12;

/** Estimated instructions of the layer under tr_fc_row_rv32.h. */
function fcRowCost(l: ScalarFcLayer, perOutput: number): number {
  const C = l.outDepth;
  const b16 = Math.floor(C / 16); const b8 = C - 16 * b16 >= 8 ? 1 : 0;
  const b4 = C - 16 * b16 - 8 * b8 >= 4 ? 1 : 0; const b1 = C - 16 * b16 - 8 * b8 - 4 * b4;
  return PER_LAYER + l.batches * (l.depth * (b16 * FC_ROW_PER_K.b16 + b8 * FC_ROW_PER_K.b8 + b4 * FC_ROW_PER_K.b4 + b1 * FC_ROW_PER_K.b1) +
    (b16 + b8 + b4 + b1) * FC_ROW_PER_BLOCK + C * perOutput);
}

/** The blocked fully-connected kernel when the cost model prefers it, else undefined: one row
 * (batch 1) per-layer tr_fc_row_rv32.h, several rows the pixel pairs of tr_conv_rv32.h. */
export function lowerScalarFc(ctx: LowerContext, l: ScalarFcLayer): Lowered | undefined {
  if (!ctx.scalarBlockKernels) return undefined;
  const P = l.batches;
  const cost = PER_LAYER + Math.floor(P / 2) * blockedCost(l.depth, l.outDepth, 1, true) + (P % 2) * blockedCost(l.depth, l.outDepth, 1, false);
  const taps = (c: number) => l.weights.slice(c * l.depth, (c + 1) * l.depth);
  const rowCost = fcRowCost(l, perOutputCost(l.mode, l.rq32, l.outDepth, taps));
  // the generic kernel's estimate with the requantization per output on top (see lowerScalarConv)
  const generic = GENERIC_PER_MAC.fc * P * l.depth * l.outDepth + P * l.outDepth * PER_OUTPUT;
  if (Math.min(cost, rowCost) >= generic) return undefined;
  const blocked = ctx.name(l.opIndex, 'weights_rv32');
  ctx.decls.push(intArray(blocked, 'int8_t', rv32BlockLayout(l.weights, l.outDepth, l.depth)));
  if (rowCost < cost) {
    include(ctx, FC_ROW_RV32_INCLUDE);
    const spec = ctx.name(l.opIndex, 'fcrow');
    const rq = rq32Table(ctx, l.opIndex, l.mode, l.rq32, l.outDepth, taps);
    // one copy of the loop per layer with K and C literals (immediate weight offsets)
    ctx.decls.push(`TR_RVF_LAYER_FN ${spec}(const int8_t *in, int8_t *out) {\n` +
      `  tr_fc_row_rv32_layer(&${l.params}, in, ${blocked}, out, ${l.batches}, ${l.depth}, ${l.outDepth}, ${rq.mode}, ${rq.table}, ${rq.sign});\n}\n`);
    return { statements: [`${spec}(${l.inPtr}, ${l.outPtr});`], kernels: ['tr_fc_row_rv32_layer'] };
  }
  include(ctx);
  const fn = `tr_fc_rv32_${SUFFIX[l.mode]}`;
  return {
    statements: [`${fn}(&${l.params}, ${l.inPtr}, ${blocked}, ${l.outPtr}, ${l.batches}, ${l.depth}, ${l.outDepth});`],
    kernels: [fn],
  };
}

// depthwise kernels: lower-scalar-depthwise.ts
export { lowerScalarDepthwise, dwBand } from './lower-scalar-depthwise.ts';
export type { ScalarDepthwiseLayer } from './lower-scalar-depthwise.ts';
