// A ROW_CHAIN's rows through the kernels the untiled build runs under optimize 'speed'.
// lower-row-chain.ts asks here first and keeps the library kernels (or its wide wrappers)
// where these decline.
// - Cores without a DSP extension (RV32IMAC, ctx.scalarBlockKernels): a depthwise conv over one
//   input channel (micro_speech's 1 -> 8 channel 10x8 layer) gets a row function (tr_row_chain.h
//   `row`, called with the row index) running tr_dwconv1in_rv32.h's row walk with the layer's
//   per-row biases (window rows in the padding) and unfolded biases computed here, not per call:
//   the untiled layer computes them once per inference, a chain would per row (about 2,600
//   instructions each on micro_speech's 25 rows). Convs, 3x3 depthwise convs and the pointwise
//   halves of pixel pairs get wrappers with the library signature around the untiled kernels
//   (quad walker, tr_dwconv_rv32.h, the FC-row kernel) on the driver's window params.
//   Requantization in tr_requant_rv32.h's form wherever rq32Rows proves it.
// - An FC end (`fc_row`): each row's slice of the weights in the untiled FC kernel's layout, its
//   MAC loop without bias and requantization (RV32: tr_row_chain_fc_rv32.h after
//   tr_fc_row_rv32.h; DSP cores: tr_row_chain_fc_deep.h, tr_fc_deep_wide.h's dot product); the
//   input-offset term folded into the bias the chain adds before its one requantization.
import { stageRowWindow, type RowChainStageGeometry } from '../../ir/row-chain.ts';
import { cInt, intArray } from './c-emit.ts';
import type { LowerContext } from './context.ts';
import { fcDeepWideLayout, rv32BlockLayout, rv32DepthwiseLayout, rv32Dw1inLayout, rv32QuadLayout, wordArray } from './kernel-layout.ts';
import { addI32 } from './lower-common.ts';
import { foldedBias } from './lower-conv.ts';
import { DW_ROW_MAX, rq32Table, type Rq32Source } from './lower-scalar-depthwise.ts';
import { RV32_MAX_KH } from './lower-scalar.ts';

const DW1IN_INCLUDE = '#include "tr_dwconv1in_rv32.h"\n';
const FC_RV32_INCLUDE = '#include "tr_row_chain_fc_rv32.h"\n';
const FC_DEEP_INCLUDE = '#include "tr_row_chain_fc_deep.h"\n';
/** Output channels and window columns tr_dwconv1in_rv32.h holds (TR_DW1IN_MAX_C, its unrolled
 * window row), as lower-scalar-depthwise.ts. */
const DW1IN_MAX_C = 32;
const DW1IN_MAX_KW = 16;
/** Rows ky0 / ky1 are stored as int8 (window heights of chains are far below). */
const MAX_KH = 127;

function include(ctx: LowerContext, text: string): void {
  if (!ctx.decls.includes(text)) ctx.decls.unshift(text);
}

/** The context with `name` giving a stage's own prefix: helpers that name their tables after the
 * op (requantTables, rq32Table) would give every stage of a chain the same names. */
export function stageNamed(ctx: LowerContext, name: (what: string) => string): LowerContext {
  return Object.create(ctx, { name: { value: (_op: number, what: string) => name(what) } }) as LowerContext;
}

export interface Dw1inStage {
  /** Names this stage's definitions (the chain's stage prefix). */
  name: (what: string) => string;
  /** Output channels' filters, [outC][kH * kW]. */
  ohwi: number[];
  g: RowChainStageGeometry;
  inZeroPoint: number;
  /** tr_fixedpoint.h mode of the layer's arithmetic and its tables (tr_requant_t's fields). */
  mode: string; rq: string; fscale: string; mult: string; shift: string;
  rq32: Rq32Source;
}

/**
 * The row function of a depthwise stage over one input channel, or undefined where the kernel
 * does not apply (the untiled build's conditions, lower-scalar-depthwise.ts
 * lowerScalarDepthwise1in: 2..32 channels, windows up to 16 columns; a chain's stage never
 * overlaps its input).
 */
export function dw1inRowFunction(ctx: LowerContext, opIndex: number, s: Dw1inStage): string | undefined {
  const { g } = s;
  const C = g.outC; const KH = g.kH; const KW = g.kW;
  if (!ctx.scalarBlockKernels || g.inC !== 1 || C < 2 || C > DW1IN_MAX_C || KW > DW1IN_MAX_KW || KH > MAX_KH) return undefined;
  include(ctx, DW1IN_INCLUDE);
  const T = KH * KW;
  const filter = s.name('filter_rv32');
  ctx.decls.push(intArray(filter, 'int8_t', rv32Dw1inLayout(s.ohwi, C, KH, KW)));
  // rq32Table names its table after the op: the stage's own prefix
  const rq = rq32Table(stageNamed(ctx, s.name), opIndex, s.mode, s.rq32, C, (c) => s.ohwi.slice(c * T, c * T + T));
  const inZp = s.inZeroPoint;
  // in_zp times the weights of window rows [0, ky0) and [ky1, KH), per channel (uint32 wrap as the kernel)
  const outside = (c: number, ky0: number, ky1: number) => {
    let sum = 0;
    for (let ky = 0; ky < KH; ky++) if (ky < ky0 || ky >= ky1) for (let kx = 0; kx < KW; kx++) sum += s.ohwi[c * T + ky * KW + kx]!;
    return Math.imul(inZp, sum);
  };
  const biasFolded = s.rq32.biasFolded;
  // every distinct window (rows in the padding above, rows present) once: its row biases
  const windows = new Map<string, number>();
  const ky: number[] = []; const rb: number[] = []; const rowWin: number[] = [];
  for (let r = 0; r < g.outH; r++) {
    const win = stageRowWindow(g, r);
    const ky0 = win.padTop; const ky1 = Math.max(ky0, ky0 + win.last - win.first + 1);
    const key = `${ky0}_${ky1}`;
    let k = windows.get(key);
    if (k === undefined) {
      k = windows.size;
      windows.set(key, k);
      ky.push(ky0, ky1);
      for (let c = 0; c < C; c++) rb.push(addI32(biasFolded[c]!, outside(c, ky0, ky1)));
    }
    rowWin.push(k);
  }
  const ball = Array.from({ length: C }, (_, c) => addI32(biasFolded[c]!, outside(c, KH, KH)));
  const [rbName, ballName, kyName, winName, rqName] = ['row_bias', 'bias_all', 'ky', 'row_win', 'requant'].map(s.name) as [string, string, string, string, string];
  ctx.decls.push(intArray(rbName, 'int32_t', rb), intArray(ballName, 'int32_t', ball), intArray(kyName, 'int8_t', ky),
    intArray(winName, 'uint8_t', rowWin),
    `static const tr_requant_t ${rqName} = { ${s.rq}, ${s.fscale}, ${s.mult}, ${s.shift}, ${cInt(s.rq32.zeroPoint)}, ${s.rq32.clampMin}, ${s.rq32.clampMax} };\n`);
  // the pixel-pair and quad blocks in functions of their own, as the untiled layer's
  const pair = C >= 8 ? s.name('dw1inrv_pair8') : 'NULL';
  const quad = C >= 8 ? s.name('dw1inrv_quad4') : 'NULL';
  if (C >= 8) {
    for (const [name, fn] of [[pair, 'tr_dw1in_pair8'], [quad, 'tr_dw1in_quad4']]) {
      ctx.decls.push(`static __attribute__((noinline, noipa)) TR_RV32_NOSCHED void ${name}(const int8_t *x, const int8_t *g, int32_t rows, ` +
        `const int32_t *b, int32_t *s) {\n  ${fn}(x, g, rows, b, s, ${KW}, ${g.inW}, ${g.strideW});\n}\n`);
    }
  }
  const [ox0, ox1] = insideOutputs(g.padLeft, g.strideW, g.inW, KW, g.outW);
  const fn = s.name('dw1inrow');
  // `in` is the window's first present row: window row 0 is ky0 rows above it
  ctx.decls.push(`static __attribute__((noinline, noipa)) TR_RV32_NOSCHED void ${fn}(int32_t row, const int8_t *in, int8_t *out) {\n` +
    `  const int32_t w = ${winName}[row], ky0 = ${kyName}[2 * w], ky1 = ${kyName}[2 * w + 1];\n` +
    `  tr_dw1in_rv32_row(&${rqName}, ${rq.table}, ${rbName} + w * ${C}, ${ballName}, in - ky0 * ${g.inW}, ${filter}, out, ky0, ky1, ` +
    `${ox0}, ${ox1}, ${g.outW}, ${g.inW}, ${g.padLeft}, ${cInt(inZp)}, ${KH}, ${KW}, ${g.inW}, ${g.strideW}, ${C}, ${rq.mode}, ${rq.sign}, ${pair}, ${quad});\n}\n`);
  return fn;
}

/** tr_inside_outputs (tr_kernels.h): the outputs whose window lies inside the input. */
function insideOutputs(pad: number, stride: number, inSize: number, extent: number, out: number): [number, number] {
  const lo = pad > 0 ? Math.floor((pad + stride - 1) / stride) : 0;
  let hi = inSize - extent + pad >= 0 ? Math.floor((inSize - extent + pad) / stride) + 1 : 0;
  if (hi > out) hi = out;
  return [Math.min(lo, hi), hi];
}

export interface FcEnd {
  name: (what: string) => string;
  /** The FC's weights as the model holds them, [units][rows * rowK]. */
  weights: number[];
  units: number; rows: number; rowK: number;
  bias: number[] | undefined;
  inZeroPoint: number; filterZeroPoint: number;
}

/** An FC end's row function and the bias the chain adds before requantizing (with the input
 * offset folded in), or undefined where none applies (optimize 'size', the reference kernels, a
 * filter offset: no pure dot product). */
export function fcEndRowFunction(ctx: LowerContext, e: FcEnd): { fn: string; bias: string; kernel: string } | undefined {
  const rv32 = ctx.scalarBlockKernels;
  if ((!rv32 && !ctx.wideKernels) || e.filterZeroPoint !== 0) return undefined;
  include(ctx, rv32 ? FC_RV32_INCLUDE : FC_DEEP_INCLUDE);
  const depth = e.rows * e.rowK;
  const laid: number[] = [];
  for (let r = 0; r < e.rows; r++) {
    const slice: number[] = [];
    for (let u = 0; u < e.units; u++) for (let k = 0; k < e.rowK; k++) slice.push(e.weights[u * depth + r * e.rowK + k]!);
    laid.push(...(rv32 ? rv32BlockLayout(slice, e.units, e.rowK) : fcDeepWideLayout(slice, e.units, e.rowK)));
  }
  const wName = e.name(rv32 ? 'fc_weights_rv32' : 'fc_weights_deep'); const bName = e.name('fc_bias_folded');
  ctx.decls.push(rv32 ? intArray(wName, 'int8_t', laid) : wordArray(wName, laid),
    intArray(bName, 'int32_t', foldedBias(e.weights, e.units, depth, e.bias, -e.inZeroPoint, 0)));
  const fn = e.name('fcrow');
  const perRow = laid.length / e.rows;
  // one copy of the loop with K and C literals (immediate weight offsets, the asm's group counts)
  const [attrs, kernel] = rv32 ? ['noinline, noipa)) TR_RV32_NOSCHED', 'tr_row_chain_fc_rv32'] : ['noinline, noipa))', 'tr_row_chain_fc_deep'];
  ctx.decls.push(`static __attribute__((${attrs} void ${fn}(int32_t row, const int8_t *x, int32_t *acc) {\n` +
    `  ${kernel}(x, ${wName} + row * ${perRow}, acc, ${e.rowK}, ${e.units});\n}\n`);
  return { fn, bias: bName, kernel };
}

const FC_ROW_INCLUDE = '#include "tr_fc_row_rv32.h"\n';

export interface PointwisePixel {
  name: (what: string) => string;
  /** The 1x1 filter, [outC][inC]. */
  weights: number[];
  inC: number; outC: number;
  inZeroPoint: number;
  mode: string; rq: string; fscale: string; mult: string; shift: string;
  /** Name of the stage's folded bias (bias + input_offset * sum of the channel's weights). */
  folded: string;
  rq32: Rq32Source;
}

/**
 * The pointwise half of a pixel pair on cores without a DSP extension: its one pixel is an FC
 * row of inC -> outC, so it runs the untiled FC's kernel (tr_fc_row_rv32.h: 16 channels per
 * pass, K and C literals, rq32 where proven) through a wrapper with the library signature the
 * driver calls per pixel (the params it passes are not read). Undefined where it does not apply.
 */
export function pointwisePixelFunction(ctx: LowerContext, opIndex: number, s: PointwisePixel): string | undefined {
  if (!ctx.scalarBlockKernels) return undefined;
  include(ctx, FC_ROW_INCLUDE);
  const blocked = s.name('weights_rv32');
  ctx.decls.push(intArray(blocked, 'int8_t', rv32BlockLayout(s.weights, s.outC, s.inC)));
  const rq = rq32Table(stageNamed(ctx, s.name), opIndex, s.mode, s.rq32, s.outC, (c) => s.weights.slice(c * s.inC, (c + 1) * s.inC));
  const params = s.name('fc_params');
  ctx.decls.push(`static const tr_fc_s8_params_t ${params} = { 1, ${s.inC}, ${s.outC}, ${s.inC}, ${s.outC}, ${cInt(-s.inZeroPoint)}, 0, ` +
    `${cInt(s.rq32.zeroPoint)}, ${s.rq32.clampMin}, ${s.rq32.clampMax}, 1, ${s.mult}, ${s.shift}, ${s.folded}, ${s.rq}, ${s.fscale} };\n`);
  const fn = s.name('pwpixel');
  ctx.decls.push(`TR_RVF_LAYER_FN ${fn}(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias, int8_t *out) {\n` +
    `  (void)p; (void)filter; (void)bias;\n` +
    `  tr_fc_row_rv32_layer(&${params}, in, ${blocked}, out, 1, ${s.inC}, ${s.outC}, ${rq.mode}, ${rq.table}, ${rq.sign});\n}\n`);
  return fn;
}

const CONV_QUAD_INCLUDE = '#include "tr_conv_quad_rv32.h"\n';

export interface ConvRows {
  name: (what: string) => string;
  /** The filter as OHWI rows of kH * kW * inC. */
  ohwi: number[];
  g: RowChainStageGeometry;
  mode: string;
  rq32: Rq32Source;
}

/**
 * A conv stage's rows on cores without a DSP extension: the untiled build's quad kernel
 * (tr_conv_quad_rv32.h's window walker: 4 pixels x 4 channels, sizes and strides literals, rq32
 * where proven) through a wrapper with the library signature, on the driver's per-row window
 * params (rows present, top padding). Not the walker's gathering variant: its 256-byte window
 * buffer would sit on the stack under the chain. Undefined where it does not apply.
 */
export function convRowsFunction(ctx: LowerContext, opIndex: number, s: ConvRows): string | undefined {
  const { g } = s;
  if (!ctx.scalarBlockKernels || g.kH > RV32_MAX_KH) return undefined;
  include(ctx, CONV_QUAD_INCLUDE);
  const K = g.kH * g.kW * g.inC;
  const filter = s.name('filter_rvq');
  ctx.decls.push(intArray(filter, 'int8_t', rv32QuadLayout(s.ohwi, g.outC, K, g.kH)));
  const rq = rq32Table(stageNamed(ctx, s.name), opIndex, s.mode, s.rq32, g.outC, (c) => s.ohwi.slice(c * K, (c + 1) * K));
  // the quads' own function: pixel stride, row stride, rows, row length, channels, output stride
  const quads = s.name('quads');
  ctx.decls.push(`TR_RVQ_QUADS(${quads}, ${filter}, ${g.strideW * g.inC}, ${g.inW * g.inC}, ${g.kH}, ${g.kW * g.inC}, ${g.outC}, ${g.outC}, ${rq.mode}, ${rq.table}, ${rq.sign})\n`);
  const fn = s.name('convq');
  ctx.decls.push(`TR_RVQ_LAYER_FN ${fn}(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias, int8_t *out) {\n` +
    `  (void)filter; (void)bias;\n` + // NULL below: no border quads (the driver passes each row its window)
    `  tr_conv_quad_rv32_layer(p, in, ${filter}, out, ${g.kH}, ${g.kW}, ${g.inC}, ${g.outC}, ${g.strideW}, ${g.inW * g.inC}, ${g.outC}, ${rq.mode}, ` +
    `${quads}, ${rq.table}, ${rq.sign}, NULL);\n}\n`);
  return fn;
}

const DW3X3_INCLUDE = '#include "tr_dwconv_rv32.h"\n';

export interface Dw3x3Stage {
  name: (what: string) => string;
  /** The filter as the model holds it: [1, 3, 3, C], tap-major. */
  filter: number[];
  g: RowChainStageGeometry;
  mode: string;
  rq32: Rq32Source;
  /** Called per output pixel (the first half of a pixel pair), else per output row. */
  pixels: boolean;
}

/**
 * A 3x3 depthwise stage (multiplier 1) on cores without a DSP extension: the untiled build's
 * tr_dwconv_rv32.h (channel-major weights, rq32 where proven) on the driver's window params
 * through a wrapper with the library signature: a row as the layer kernel's one-row band (its
 * unrolled row walk for rows of up to 24 pixels), a pixel as its raster-order variant (each
 * channel's weights loaded once per pixel, no walk to set up). The stage's output buffer is
 * never its input, so any order holds. Undefined where it does not apply.
 */
export function dw3x3Function(ctx: LowerContext, opIndex: number, s: Dw3x3Stage): string | undefined {
  const { g } = s;
  if (!ctx.scalarBlockKernels || g.kH !== 3 || g.kW !== 3 || g.outC !== g.inC) return undefined;
  include(ctx, DW3X3_INCLUDE);
  const C = g.outC;
  const layout = rv32DepthwiseLayout(s.filter, C);
  const filter = s.name('filter_rv32');
  ctx.decls.push(intArray(filter, 'int8_t', layout));
  const rq = rq32Table(stageNamed(ctx, s.name), opIndex, s.mode, s.rq32, C, (c) => layout.slice(9 * c, 9 * c + 9));
  const fn = s.name('dw3x3rv');
  const call = s.pixels
    ? `tr_dw3x3_rv32_raster(p, in, ${filter}, out, ${g.inW * C}, ${C}, ${g.strideW}, ${rq.mode}, 0, ${rq.table}, ${rq.sign})`
    : `tr_dw3x3_rv32_layer(p, in, ${filter}, out, ${g.inW * C}, ${C}, ${g.strideW}, 1, ${rq.mode}, 0, ${rq.table}, ${rq.sign}, ${g.outW >= 2 && g.outW <= DW_ROW_MAX ? 2 : 0})`;
  ctx.decls.push(`static __attribute__((noinline, noipa)) TR_RV32_NOSCHED void ${fn}(const tr_dwconv_s8_params_t *p, const int8_t *in, const int8_t *filter, ` +
    `const int32_t *bias, int8_t *out) {\n  (void)filter; (void)bias;\n  ${call};\n}\n`);
  return fn;
}
