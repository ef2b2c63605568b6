// Depthwise kernel selection on cores without a DSP extension (RV32IMAC, Cortex-M0) under
// optimize 'speed': the channel-major 3x3 kernel (tr_dwconv_rv32.h), the one-input-channel
// kernels (tr_dwconv1in_rv32.h, micro_speech's 1 -> 8 channel 10x8 layer; tr_conv1ch_rv32.h,
// one output channel: FDT's partitions of such layers, the 3x3 ones on tr_dwconv_rv32.h with
// C = 1; FDT's one-output-channel 1x1 partitions go to lower-conv1x1-1ch.ts) and the exact rv32
// requantization both use (tr_requant_rv32.h) where the generator can prove it applies.
// lower-scalar.ts calls in here; optimize 'size' never does (ctx.scalarBlockKernels).
import { intArray } from './c-emit.ts';
import { denseView, tensorsOverlap } from './lower-common.ts';
import type { LowerContext, Lowered } from './context.ts';
import { GENERIC_PER_MAC, PER_LAYER, PER_OUTPUT, RV32_MAX_KH, type ScalarConvLayer } from './lower-scalar.ts';
import { reverseWindowLag, windowLag } from '../../plan/streaming.ts';
import { rv32DepthwiseLayout, rv32Dw1inLayout } from './kernel-layout.ts';
import { multiplyByQuantizedMultiplier } from '../../ir/quant.ts';
import { lowerConv1x1OneChannel } from './lower-conv1x1-1ch.ts';

/** What the rv32 requantization needs of a layer: its per-channel multipliers and shifts, the
 * output zero point and clamp, and the folded biases (for the accumulator bounds). */
export interface Rq32Source {
  multipliers: ArrayLike<number>;
  shifts: ArrayLike<number>;
  zeroPoint: number; clampMin: number; clampMax: number;
  biasFolded: ArrayLike<number>;
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

/**
 * The per-channel table of tr_requant_rv32.h ({ mult, add = 1 + 2^r + zp * 2^(r+1), sh = r + 1 })
 * and whether its sign term is needed, or undefined where the single-mulh form is not provably
 * exact for this layer: it needs a right shift r in 1..30, a multiplier of 0 or >= 2^30, and for
 * every accumulator the weights allow (bias_folded + sum(x * w), x in [-128, 127]) 4 * acc and
 * mulh(4 * acc, M) + add (less 2 with the sign term) inside int32. `taps(c)` lists channel c's
 * weights. The sign term is dropped when the clamp's lower bound is at or above the zero point.
 */
export function rq32Rows(src: Rq32Source, channels: number, taps: (c: number) => ArrayLike<number>): { rows: string[]; sign: boolean } | undefined {
  const sign = src.clampMin < src.zeroPoint;
  const rows: string[] = [];
  for (let c = 0; c < channels; c++) {
    const m = BigInt(src.multipliers[c]!); const s = src.shifts[c]!;
    let hiSum = BigInt(src.biasFolded[c]!); let loSum = hiSum;
    for (const w of Array.from(taps(c))) {
      hiSum += BigInt(w > 0 ? 127 * w : -128 * w);
      loSum += BigInt(w > 0 ? -128 * w : 127 * w);
    }
    const k = constantChannel(src, c, loSum, hiSum);
    if (k !== undefined) { rows.push(`{ 0, ${k}, 0 }`); continue; }
    if (s > -1 || s < -30 || (m !== 0n && m < 2n ** 30n) || m >= 2n ** 31n) return undefined;
    const r = BigInt(-s);
    if (4n * loSum < INT32_MIN || 4n * hiSum > INT32_MAX) return undefined;
    const add = 1n + (1n << r) + BigInt(src.zeroPoint) * (1n << (r + 1n));
    // BigInt >> floors like mulh
    const hLo = (4n * loSum * m) >> 32n; const hHi = (4n * hiSum * m) >> 32n;
    if (add < INT32_MIN || add > INT32_MAX || hHi + add > INT32_MAX || hLo + add - (sign ? 2n : 0n) < INT32_MIN) return undefined;
    rows.push(`{ ${m}, ${add}, ${r + 1n} }`);
  }
  return { rows, sign };
}

/**
 * Channel c's output when every accumulator its weights allow gives the same one, else
 * undefined: dead channels (all-zero weights, or a multiplier so small that the whole range
 * rounds to one value; vww's have bias_folded near 2^30, where 4 * acc leaves int32). The
 * reference requantization (x -> MultiplyByQuantizedMultiplier(x) + zp, clamped) never
 * decreases as x grows when it does not shift left, so equal ends of the range mean a constant;
 * with a left shift (it wraps) only a single-valued range does. The row { 0, v, 0 } gives v
 * for any accumulator (mulh by 0 is 0, no shift).
 */
function constantChannel(src: Rq32Source, c: number, loSum: bigint, hiSum: bigint): number | undefined {
  if (loSum < INT32_MIN || hiSum > INT32_MAX) return undefined;
  const m = src.multipliers[c]!; const s = src.shifts[c]!;
  if (loSum !== hiSum && s > 0) return undefined;
  const out = (x: bigint) => Math.min(src.clampMax, Math.max(src.clampMin, multiplyByQuantizedMultiplier(Number(x), m, s) + src.zeroPoint));
  const v = out(loSum);
  return v === out(hiSum) ? v : undefined;
}

/** The reference arithmetic, whether as tr_rq_t's single rounding or as MultiplyByQuantizedMultiplier
 * itself (shifts outside tr_rq_t's range, e.g. dead channels); xnnpack's fp32 stays as it is. */
export function rq32Applies(mode: string): boolean {
  return mode === 'TR_RQ_SINGLE' || mode === 'TR_RQ_MBQM';
}

/** Emits the layer's tr_rq32_t table when rq32Rows allows it: the kernel's mode and SIGN literals
 * and the table's name; otherwise the layer's own mode and NULL. */
export function rq32Table(ctx: LowerContext, opIndex: number, mode: string, src: Rq32Source | undefined, channels: number,
  taps: (c: number) => ArrayLike<number>): { mode: string; table: string; sign: number } {
  const q = rq32Applies(mode) && src ? rq32Rows(src, channels, taps) : undefined;
  if (!q) return { mode, table: 'NULL', sign: 1 };
  const name = ctx.name(opIndex, 'rq32');
  ctx.decls.push(`static const tr_rq32_t ${name}[${channels}] = {\n  ${q.rows.join(',\n  ')}\n};\n`);
  return { mode: 'TR_RQ_RV32', table: name, sign: q.sign ? 1 : 0 };
}

function include(ctx: LowerContext, line: string): void {
  if (!ctx.decls.includes(line)) ctx.decls.unshift(line);
}

export interface ScalarDepthwiseLayer {
  opIndex: number;
  /** Name of the layer's tr_dwconv_s8_params_t (bias_folded filled). */
  params: string;
  /** The filter as the model holds it: [1, kH, kW, C], tap-major. */
  filter: number[];
  inH: number; inW: number; C: number; outH: number; outW: number; batches: number;
  strideH: number; strideW: number; padTop: number; padLeft: number;
  kH: number; kW: number; multiplier: number; dilationH: number; dilationW: number;
  /** The plan puts the output above the input: the kernel must run backwards. */
  reverse: boolean;
  inId: number; outId: number;
  mode: string;
  /** For the rv32 requantization (absent: the layer's own arithmetic). */
  rq32?: Rq32Source;
}

/** Estimated instructions per output of tr_dwconv_rv32.h (9 loads, 9 MUL, 9 ADD, requantization
 * and pointer steps; border pixels about twice that) and of the raster-order 3x3 kernel it
 * replaces on these cores (measured with bench:speed before: 9.5-10.5 instructions per MAC).
 * 25: the requantization, clamp and store of tr_fixedpoint.h's single-rounding form (the
 * kernel's worst case; with tr_requant_rv32.h a quad of stride-1 outputs counts 121
 * instructions for 36 MACs in its assembly). Used to choose, never reported. */
const DW_RV32_PER_OUTPUT = 9 * 3 + 25;
const DW_RASTER_PER_OUTPUT = 9 * 9.5;

/**
 * The band of output rows for the channel-major 3x3 kernel (tr_dwconv_rv32.h), or undefined
 * for its raster-order variant. It writes channel by channel within a band, not in the raster
 * order a streaming overlap of its output with its input relies on (firmware/plan/streaming.ts).
 * A depthwise output byte depends on its own channel only: with output and input a whole number
 * of pixels apart, every write lands on the same channel of an input pixel, so the pixel-order
 * lag (unit of one pixel) holds channel by channel and the whole map is one band, walked
 * forwards when the output sits below the input, backwards when above. Otherwise: one row per
 * band when they are apart by at least the lag of a one-row unit (bottom-up when above), else
 * the raster-order variant (a unit of one pixel like the kernel it replaces). Pixel pairs only
 * store later than the one-pixel order, never earlier. The checks use the plan's real offsets.
 */
export function dwBand(ctx: LowerContext, l: ScalarDepthwiseLayer): number | undefined {
  if (!tensorsOverlap(ctx, l.inId, l.outId)) return l.outH;
  if (l.batches !== 1) return undefined;
  // bytes the output starts above (> 0) or below (< 0) the input
  const d = ctx.arenaOffset(l.outId) - ctx.arenaOffset(l.inId);
  const lag = (unitPixels: number) => {
    const w = {
      inH: l.inH, inW: l.inW, outH: l.outH, outW: l.outW, filterH: 3, filterW: 3, strideH: l.strideH, strideW: l.strideW,
      dilationH: 1, dilationW: 1, padTop: l.padTop, padLeft: l.padLeft, inPixelBytes: l.C, outPixelBytes: l.C, unitPixels,
    };
    return l.reverse ? reverseWindowLag(w) : windowLag(w);
  };
  // the direction is the one lower-conv.ts gave (l.reverse: the output above the input)
  if ((d > 0) !== l.reverse) return undefined;
  const apart = Math.abs(d);
  if (apart % l.C === 0 && apart >= lag(1)) return l.outH;
  if (apart >= lag(l.outW)) return 1;
  return undefined;
}

/**
 * tr_dwconv_rv32.h's COLS walk (interior rows column by column, four rows per block) for maps
 * at least as tall as wide whose rows are too wide for dwRows (the clipped left and right
 * columns run as blocks too, only the top and bottom rows pixel by pixel): the per-row set-up
 * and the border dispatch are paid per column instead. It writes column by column, so only when
 * the plan keeps the output apart from the input; and the kernel's column paths need at most one
 * clipped window column on either side and never both.
 */
function dwColumns(ctx: LowerContext, l: ScalarDepthwiseLayer): boolean {
  if (tensorsOverlap(ctx, l.inId, l.outId) || l.reverse || l.outW > l.outH) return false;
  return l.inW >= 2 && l.padLeft <= 1 && (l.outW - 1) * l.strideW - l.padLeft + 2 <= l.inW;
}

/** Output pixels per row tr_dw3x3_rv32_row unrolls (TR_DW_ROW_MAX). */
export const DW_ROW_MAX = 24;

/**
 * tr_dw3x3_rv32_row: every interior row in one unrolled pass, each input byte loaded once and
 * the stores where the one-pixel order has them, so any band dwBand allows holds for it, over
 * overlapping plans too (FDT's aww 25 x 5, vww's 24 x 24 to 3 x 3). Rows up to DW_ROW_MAX
 * pixels: it beats the column walk there (bench:speed on qemu-riscv32-virt, untiled depthwise
 * layers: aww 3.82 -> 3.61, vww 4.21 -> 3.85 instructions per MAC); wider rows keep the column
 * walk (the unrolled code grows with the row).
 */
function dwRows(l: ScalarDepthwiseLayer): boolean {
  return l.outW >= 2 && l.outW <= DW_ROW_MAX;
}

export function lowerScalarDepthwise(ctx: LowerContext, l: ScalarDepthwiseLayer): Lowered | undefined {
  if (!ctx.scalarBlockKernels) return undefined;
  if (l.kH !== 3 || l.kW !== 3 || l.multiplier !== 1 || l.dilationH !== 1 || l.dilationW !== 1) return undefined;
  const band = dwBand(ctx, l);
  if (DW_RV32_PER_OUTPUT >= DW_RASTER_PER_OUTPUT) return undefined;
  include(ctx, '#include "tr_dwconv_rv32.h"\n');
  const filter = ctx.name(l.opIndex, 'filter_rv32');
  const layout = rv32DepthwiseLayout(l.filter, l.C);
  ctx.decls.push(intArray(filter, 'int8_t', layout));
  const rq = rq32Table(ctx, l.opIndex, l.mode, l.rq32, l.C, (c) => layout.slice(9 * c, 9 * c + 9));
  const spec = ctx.name(l.opIndex, 'dw3x3rv');
  const fn = band === undefined ? 'tr_dw3x3_rv32_raster' : 'tr_dw3x3_rv32_layer';
  // the interior walk (tr_dw3x3_rv32_layer's WALK): columns, unrolled rows, or pixel by pixel
  const walk = band === undefined ? undefined : dwRows(l) ? 2 : dwColumns(ctx, l) ? 1 : 0;
  const cols = walk === undefined ? '' : `, ${walk}`;
  // noinline: one copy of the loop per layer with its strides as literals (immediate offsets)
  ctx.decls.push(`static __attribute__((noinline, noipa)) TR_RV32_NOSCHED void ${spec}(const int8_t *in, int8_t *out) {\n` +
    `  ${fn}(&${l.params}, in, ${filter}, out, ${l.inW * l.C}, ${l.C}, ${l.strideW}, ${band === undefined ? '' : `${band}, `}${rq.mode}, ` +
    `${l.reverse ? 1 : 0}, ${rq.table}, ${rq.sign}${cols});\n}\n`);
  return {
    statements: [`${spec}(${ctx.ptr(l.inId)}, ${ctx.ptr(l.outId, { write: true })});`],
    kernels: [fn],
  };
}

/** Window rows / output channels tr_dwconv1in_rv32.h handles (TR_DW1IN_MAX_C; the unrolled
 * window row: 16 taps). */
const DW1IN_MAX_C = 32;
const DW1IN_MAX_KW = 16;

/**
 * A depthwise conv over one input channel that lower-conv.ts runs as a conv (inC = 1, outC
 * channels): tr_dwconv1in_rv32.h, pixel pairs x 8 channels per weight and input load, when
 * the plan keeps its output apart from its input (its order is the conv's pixel-pair raster
 * order, but nothing needs it to overlap: the output is outC times the input's bytes per pixel).
 * Cost: counted in its assembly (riscv64-unknown-elf-gcc 12.2 -O2, micro_speech's 10x8 stride-2
 * window): a window row of the pair block is 340 instructions for 128 MACs (2.66 per MAC), of a
 * single pixel 206 for 64 (3.2), against the 8-channel conv's 89 per two k for 16 (2.78, more
 * with its window walk; lower-scalar.ts PER_K), so it is taken wherever it fits. Measured with
 * bench:speed: micro_speech's layer 2.80 instructions per MAC (4.07 with tr_conv_rv32.h).
 */
export function lowerScalarDepthwise1in(ctx: LowerContext, l: ScalarConvLayer): Lowered | undefined {
  // a residual block's rows (rowFn) pass each row's params at run time: these functions name
  // their params from file scope
  if (l.rowFn) return undefined;
  if (ctx.scalarBlockKernels && l.outC === 1) return l.gemm ? lowerGemm1ch(ctx, l) : lowerConv1ch(ctx, l);
  if (!ctx.scalarBlockKernels || l.gemm || l.reverse || l.inC !== 1 || l.outC < 2 || l.outC > DW1IN_MAX_C) return undefined;
  if (l.dilationH !== 1 || l.dilationW !== 1 || l.kW > DW1IN_MAX_KW || l.inId === undefined || l.outId === undefined) return undefined;
  if (tensorsOverlap(ctx, l.inId, l.outId)) return undefined;
  include(ctx, '#include "tr_dwconv1in_rv32.h"\n');
  const filter = ctx.name(l.opIndex, 'filter_rv32');
  ctx.decls.push(intArray(filter, 'int8_t', rv32Dw1inLayout(l.ohwi, l.outC, l.kH, l.kW)));
  const T = l.kH * l.kW;
  const rq = rq32Table(ctx, l.opIndex, l.mode, l.rq32, l.outC, (c) => l.ohwi.slice(c * T, c * T + T));
  const spec = ctx.name(l.opIndex, 'dw1inrv');
  // the pixel-pair block in a function of its own (its 16 sums need every register), the
  // window row's width and strides as literals
  const pair = l.outC >= 8 ? ctx.name(l.opIndex, 'dw1inrv_pair8') : 'NULL';
  const quad = l.outC >= 8 ? ctx.name(l.opIndex, 'dw1inrv_quad4') : 'NULL';
  if (l.outC >= 8) {
    for (const [name, fn] of [[pair, 'tr_dw1in_pair8'], [quad, 'tr_dw1in_quad4']]) {
      ctx.decls.push(`static __attribute__((noinline, noipa)) TR_RV32_NOSCHED void ${name}(const int8_t *x, const int8_t *g, int32_t rows, ` +
        `const int32_t *b, int32_t *s) {\n  ${fn}(x, g, rows, b, s, ${l.kW}, ${l.inW}, ${l.strideW});\n}\n`);
    }
  }
  ctx.decls.push(`static __attribute__((noinline, noipa)) TR_RV32_NOSCHED void ${spec}(const int8_t *in, int8_t *out) {\n` +
    `  tr_dw1in_rv32_layer(&${l.params}, in, ${filter}, out, ${rq.table}, ${l.kH}, ${l.kW}, ${l.inW}, ${l.strideW}, ${l.outC}, ` +
    `${rq.mode}, ${rq.sign}, ${pair}, ${quad});\n}\n`);
  return { statements: [`${spec}(${l.inPtr}, ${l.outPtr});`], kernels: ['tr_dw1in_rv32_layer'] };
}

/**
 * A 1x1 conv with one output channel (FDT's partitions of a 1x1 conv, vww's 8 -> 1):
 * tr_conv1x1_1ch_scalar.h with the layer's rq32 source, so that it requantizes in
 * tr_requant_rv32.h's form where rq32Rows proves it (lower-conv.ts's own call has no source).
 * Never over its input (streaming.ts gives one-output-channel convs no overlap).
 */
function lowerGemm1ch(ctx: LowerContext, l: ScalarConvLayer): Lowered | undefined {
  if (l.reverse || (l.inId !== undefined && l.outId !== undefined && tensorsOverlap(ctx, l.inId, l.outId))) return undefined;
  return lowerConv1x1OneChannel(ctx, l.opIndex, {
    params: l.params, weights: l.ohwi, pixels: l.batches * l.inH * l.inW, depth: l.inC, outDepth: 1, mode: l.mode,
    ...(l.rq32 ? { rq32: l.rq32 } : {}), input: l.inPtr, output: l.outPtr,
  });
}

/**
 * A 3x3 window over one input and one output channel (vww's FDT partitions of its stride-2
 * depthwise layer): the channel-major 3x3 depthwise kernel (tr_dwconv_rv32.h) with C = 1, so
 * its walks serve it as they serve the untiled layer's channels (rows of up to DW_ROW_MAX
 * pixels in one unrolled pass, each input byte loaded once; tr_conv1ch_rv32.h reloads the
 * bytes its four-pixel blocks share and takes the edges pixel by pixel). lower-conv.ts lowers
 * such a layer as a conv (a depthwise over one input channel): its tr_conv_s8_params_t has
 * every field the kernel reads (dense views, bias_folded with the input offset folded over
 * the 9 taps as the depthwise kernels fold it), copied into a tr_dwconv_s8_params_t in the
 * wrapper; the OHWI filter of one channel is the kernel's channel-major layout. Never over its
 * input (one-output-channel convs do not stream), so the whole map is one band.
 */
function lowerDw3x3OneChannel(ctx: LowerContext, l: ScalarConvLayer): Lowered | undefined {
  if (l.kH !== 3 || l.kW !== 3 || l.inId === undefined || l.outId === undefined || tensorsOverlap(ctx, l.inId, l.outId)) return undefined;
  const d: ScalarDepthwiseLayer = {
    opIndex: l.opIndex, params: l.params, filter: l.ohwi, inH: l.inH, inW: l.inW, C: 1, outH: l.outH, outW: l.outW, batches: l.batches,
    strideH: l.strideH, strideW: l.strideW, padTop: l.padTop, padLeft: l.padLeft, kH: 3, kW: 3, multiplier: 1, dilationH: 1, dilationW: 1,
    reverse: false, inId: l.inId, outId: l.outId, mode: l.mode, ...(l.rq32 ? { rq32: l.rq32 } : {}),
  };
  include(ctx, '#include "tr_dwconv_rv32.h"\n');
  const filter = ctx.name(l.opIndex, 'filter_rv32');
  ctx.decls.push(intArray(filter, 'int8_t', l.ohwi));
  const rq = rq32Table(ctx, l.opIndex, l.mode, l.rq32, 1, () => l.ohwi);
  const walk = dwRows(d) ? 2 : dwColumns(ctx, d) ? 1 : 0;
  // one function for every layer of the same literals (vww's 16 partitions share one): with
  // the filter a constant it sees, GCC multiplied by shift-and-add sequences and each copy of
  // the unrolled row walk took about 4 KB
  // the geometry as literals (the walks unroll by it), the rest from the layer's params
  const geometry = [l.batches, l.inH, l.inW, l.outH, l.outW, l.strideH, l.strideW, l.padTop, l.padLeft];
  const args = `${l.inW}, 1, ${l.strideW}, ${l.outH}, ${rq.mode}, 0, ${rq.mode === 'TR_RQ_RV32' ? 'q' : 'NULL'}, ${rq.sign}, ${walk}`;
  const spec = `tr_dw1ch_rv32_${geometry.join('_')}_${rq.mode.slice(6).toLowerCase()}_${rq.sign}_${walk}`;
  const def = `static __attribute__((noinline, noipa)) TR_RV32_NOSCHED void ${spec}(const tr_conv_s8_params_t *c, const int8_t *f, ` +
    `const tr_rq32_t *q, const int8_t *in, int8_t *out) {\n` +
    `  const tr_dwconv_s8_params_t p = { ${denseView([l.batches, l.inH, l.inW, 1])}, ${denseView([l.batches, l.outH, l.outW, 1])}, 3, 3, 1, ` +
    `${l.strideH}, ${l.strideW}, 1, 1, ${l.padTop}, ${l.padLeft}, c->input_offset, ` +
    `c->output_offset, c->act_min, c->act_max, c->out_mult, c->out_shift, c->bias_folded, c->pad_row, c->rq, c->fscale, NULL };\n` +
    `  (void)q;\n  tr_dw3x3_rv32_layer(&p, in, f, out, ${args});\n}\n`;
  if (!ctx.decls.includes(def)) ctx.decls.push(def);
  return { statements: [`${spec}(&${l.params}, ${filter}, ${rq.table}, ${l.inPtr}, ${l.outPtr});`], kernels: ['tr_dw3x3_rv32_layer'] };
}

const CONV1CH_RV32_INCLUDE = '#include "tr_conv1ch_rv32.h"\n';
/** Instructions per tap of tr_conv1ch_rv32.h's four-pixel block (1 weight and 4 input loads,
 * 4 MUL, 4 ADD), per pixel: estimated like PER_K. */
const CONV1CH_PER_TAP = 13 / 4;
/** Filter columns tr_conv1ch_rv32.h holds (TR_RV1_MAX_KW). */
const RV32_1CH_MAX_KW = 16;

/**
 * One input and one output channel (FDT's partitions of a depthwise conv over one input
 * channel): tr_conv1ch_rv32.h, four pixels per weight load. Its order is not the pixel-pair
 * raster order, but streaming.ts never lets a one-output-channel conv overlap its input.
 */
export function lowerConv1ch(ctx: LowerContext, l: ScalarConvLayer): Lowered | undefined {
  if (l.gemm || l.reverse || l.inC !== 1 || l.outC !== 1 || l.dilationH !== 1 || l.dilationW !== 1 || l.kH > RV32_MAX_KH || l.kW > RV32_1CH_MAX_KW) return undefined;
  const dw = lowerDw3x3OneChannel(ctx, l);
  if (dw) return dw;
  const pixels = l.batches * l.outH * l.outW;
  const macs = pixels * l.kH * l.kW;
  // GENERIC_PER_MAC was measured with windows of hundreds of taps, where the requantization
  // per output vanished in it; with 9 taps (vww's partitions) it is paid per output as here
  // (bench:speed, vww FDT on qemu-riscv32-virt: 32,442,706 instructions with this kernel on its
  // 3x3 partitions, 32,860,160 without)
  if (PER_LAYER + pixels * PER_OUTPUT + macs * CONV1CH_PER_TAP >= GENERIC_PER_MAC.conv * macs + pixels * PER_OUTPUT) return undefined;
  include(ctx, CONV1CH_RV32_INCLUDE);
  const filter = ctx.name(l.opIndex, 'filter_rv32');
  ctx.decls.push(intArray(filter, 'int8_t', l.ohwi));
  const rq = rq32Table(ctx, l.opIndex, l.mode, l.rq32, 1, () => l.ohwi);
  const spec = ctx.name(l.opIndex, 'conv1ch');
  // noinline: one copy of the loop per layer with its window and strides as literals
  ctx.decls.push(`static __attribute__((noinline, noipa)) TR_RV32_NOSCHED void ${spec}(const int8_t *in, int8_t *out) {\n` +
    `  tr_conv1ch_rv32_layer(&${l.params}, in, ${filter}, out, ${l.kH}, ${l.kW}, ${l.inW}, ${l.strideW}, ${rq.mode}, ${rq.table}, ${rq.sign});\n}\n`);
  return { statements: [`${spec}(${l.inPtr}, ${l.outPtr});`], kernels: ['tr_conv1ch_rv32_layer'] };
}
