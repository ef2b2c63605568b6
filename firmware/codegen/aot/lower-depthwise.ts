// DEPTHWISE_CONV_2D kernel selection for optimize 'speed' on DSP cores, beside lower-conv.ts
// (which validates the op, folds the bias and emits the params struct, then asks here first).
import { cInt } from './c-emit.ts';
import type { LowerContext, Lowered } from './context.ts';
import { dw1chWideLayout, dw3x3WideLayout, wordArray } from './kernel-layout.ts';

const DW1CH_WIDE_INCLUDE = '#include "tr_dwconv1ch_wide.h"\n';
const DW3X3_WIDE_INCLUDE = '#include "tr_dwconv3x3_wide.h"\n';
/** Largest padded window (KH x KW rounded up to 4) tr_dwconv1ch_wide.h keeps on the stack
 * (3 bytes a value: the window and its widened copy), as for the general conv. */
const DW1CH_WIDE_MAX_K = 1024;

/** A depthwise conv over one input channel, already lowered to a conv's params (lower-conv.ts asConv). */
export interface Depthwise1ch {
  /** the tr_conv_s8_params_t name (bias_folded and pad_row filled) */
  params: string;
  /** the filter as C rows of kH x kW taps (OHWI with one input channel) */
  ohwi: readonly number[];
  kH: number; kW: number; outC: number; dilationH: number; dilationW: number;
  /** tr_requant mode literal (TR_RQ_SINGLE, TR_RQ_FP32, TR_RQ_MBQM) */
  mode: string;
  outZeroPoint: number; clampMin: number | string; clampMax: number | string;
  input: string; output: string;
}

/**
 * tr_dwconv1ch_wide.h for a one-input-channel depthwise conv (micro_speech's first layer and
 * its FDT partitions of 1-3 channels), or undefined where it does not apply (not the DSP speed
 * kernels, dilation, a window too large for the stack buffers).
 */
export function lowerDepthwise1ch(ctx: LowerContext, i: number, d: Depthwise1ch): Lowered | undefined {
  const kW4 = Math.ceil(d.kW / 4) * 4;
  if (!ctx.wideKernels || d.dilationH !== 1 || d.dilationW !== 1 || d.kH * kW4 > DW1CH_WIDE_MAX_K) return undefined;
  if (!ctx.decls.includes(DW1CH_WIDE_INCLUDE)) ctx.decls.unshift(DW1CH_WIDE_INCLUDE);
  const filter = ctx.name(i, 'filter_wide');
  ctx.decls.push(wordArray(filter, dw1chWideLayout(d.ohwi, d.outC, d.kH, d.kW)));
  const spec = ctx.name(i, 'dw1chw');
  const k = d.kH * kW4;
  // noinline, noipa: as for the 1x1 "speed" conv (lower-conv.ts). From 4 channels the kernel
  // widens every window into xw and never uses gbuf; below 4 the reverse (one element keeps
  // the unused buffer valid C).
  const wide = d.outC >= 4;
  ctx.decls.push(`static __attribute__((noinline, noipa)) void ${spec}(const int8_t *in, int8_t *out) {\n` +
    `  int8_t gbuf[${wide ? 4 : k}] __attribute__((aligned(4)));\n  uint32_t xw[${wide ? k / 2 : 1}];\n` +
    `  tr_dw1ch_wide_layer(&${d.params}, in, ${filter}, out, gbuf, xw, ${d.kH}, ${kW4}, ${d.outC}, ${d.mode}, ` +
    `${cInt(d.outZeroPoint)}, ${d.clampMin}, ${d.clampMax});\n}\n`);
  return { statements: [`${spec}(${d.input}, ${d.output});`], kernels: ['tr_dw1ch_wide_layer'] };
}

/** A 3x3 depthwise conv with depth multiplier 1, no dilation and >= 4 channels (lower-conv.ts spec3x3). */
export interface Depthwise3x3 {
  /** the tr_dwconv_s8_params_t name (bias_folded and pad_row filled) */
  params: string;
  /** the [1, 3, 3, C] filter */
  filter: ArrayLike<number>;
  /** the int8 filter's C expression for the channels past the last group of 4, or 'NULL' */
  dense: string;
  inW: number; inC: number; strideW: number;
  mode: string;
  outZeroPoint: number; clampMin: number | string; clampMax: number | string;
  /** walk the pixels backwards (the plan puts the output above the input it overwrites) */
  reverse: boolean;
  /** backwards, the output lies a whole number of pixels above the input (see below) */
  pixelAligned: boolean;
  input: string; output: string;
}


/**
 * optimize 'speed' on DSP cores (tr_dwconv3x3_wide.h): the filter pre-widened per group of four
 * channels, interior pixels in horizontal pairs, border pixels through tap pointers instead of
 * the library's slow path. The horizontal stride is a literal, so the pair's shared columns are
 * loads at immediate offsets.
 */
export function lowerDepthwise3x3Wide(ctx: LowerContext, i: number, d: Depthwise3x3): Lowered {
  if (!ctx.decls.includes(DW3X3_WIDE_INCLUDE)) ctx.decls.unshift(DW3X3_WIDE_INCLUDE);
  const wide = ctx.name(i, 'filter_wide');
  ctx.decls.push(wordArray(wide, dw3x3WideLayout(d.filter, d.inC)));
  const spec = ctx.name(i, 'dw3x3w');
  // A pixel pair writes each group of channels of both pixels before reading the next group.
  // Forwards that stays within the one-pixel lag firmware/plan/streaming.ts gives this op (the
  // second pixel's write lands below the first one's window wherever the first one's own write
  // may); backwards the first pixel's write can reach the second one's window (random cases
  // of test/codegen/aot-streaming fail). With the output a whole number of pixels above the
  // input and no channel tail, that write lands on the same channels of an input pixel, which
  // both pixels have just read: pairs are safe then (aww's FDT plan, issue 11), one pixel at a
  // time otherwise.
  const pairs = !d.reverse || (d.pixelAligned && d.inC % 4 === 0);
  ctx.decls.push(`static __attribute__((noinline, noipa)) void ${spec}(const int8_t *in, int8_t *out) {\n` +
    `  tr_dw3x3_wide_layer(&${d.params}, in, ${wide}, ${d.dense}, out, ${d.inW * d.inC}, ${d.inC}, ${d.strideW}, ${d.inC}, ${d.mode}, ` +
    `${cInt(d.outZeroPoint)}, ${d.clampMin}, ${d.clampMax}, ${d.reverse ? 1 : 0}, ${pairs ? 1 : 0});\n}\n`);
  return { statements: [`${spec}(${d.input}, ${d.output});`], kernels: ['tr_dw3x3_wide_layer'] };
}
