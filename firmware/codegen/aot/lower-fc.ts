// The DSP "speed" kernel for FULLY_CONNECTED and 1x1 convs with deep inputs or few outputs
// (tr_fc_deep_wide.h), beside lower-conv.ts (which validates the op, folds the bias and emits
// the params struct, then asks here before its widening 1x1 kernel, tr_conv1x1_wide.h).
import { cInt } from './c-emit.ts';
import { tensorsOverlap } from './lower-common.ts';
import type { LowerContext, Lowered } from './context.ts';
import { fcDeepWideLayout, conv1x1PairsLayout, wordArray } from './kernel-layout.ts';

const FC_DEEP_WIDE_INCLUDE = '#include "tr_fc_deep_wide.h"\n';
const PAIRS_INCLUDE = '#include "tr_conv1x1_pairs.h"\n';
/** Deepest input tr_conv1x1_pairs.h takes (TR_PAIRS_MAX_K: its pair of widened pixels). */
const PAIRS_MAX_K = 256;

/**
 * Estimated Cortex-M4 instructions per group of 4 inputs of one row, counted from each
 * kernel's inner loop (not measured per layer): tr_conv1x1_wide.h widens the group once
 * (LDR, 2 SXTB16, STRD, loop: ~6), then 46 instructions per 4 groups for each block of 4
 * channels and ~6 (C loop: 2 LDRD, 2 SMLAD, loop) for each channel past the blocks;
 * tr_fc_deep_wide.h pays per block LDR + 2 SXTB16 + the weight loads + 2 SMLAD a channel
 * (54 per 4 groups for 4 channels; 1, 2, 3 channels: 6, 8, 11, plus the loop's share).
 */
export function wideRowCost(C: number): number {
  return 6 + 11.5 * Math.floor(C / 4) + 6 * (C % 4);
}
export function deepRowCost(C: number): number {
  return 13.5 * Math.floor(C / 4) + [0, 6.5, 8.5, 11.5][C % 4]!;
}

/**
 * Estimated Cortex-M4 instructions per output of a 1x1 conv with K inputs (G = ceil(K / 4)
 * groups), read off the compiled loops of vww's 8 -> 16 layer (not measured per layer):
 * tr_conv1x1_wide.h per block of 4 channels of a pixel 11.5 per group plus ~58 (bias, four
 * requantizations each loading its constants, pack, store), and the pixel's widening (~6 per
 * group) shared by its C outputs; tr_conv1x1_pairs.h per block of 2 channels of a pixel pair
 * 11 per group plus ~53 (the constants loaded once for both pixels), widening the same.
 */
export function wideOutputCost(K: number, C: number): number {
  const G = Math.ceil(K / 4);
  return (11.5 * G + 58) / 4 + 6 * G / C;
}
export function pairsOutputCost(K: number, C: number): number {
  const G = Math.ceil(K / 4);
  return (11 * G + 53) / 4 + 6 * G / C;
}

/** A 1x1 conv's or FC's GEMM: rows of `depth` int8 inputs times `outDepth` weight rows. */
export interface DeepGemm {
  kind: 'fc' | 'conv1x1';
  /** the tr_fc_s8_params_t / tr_conv_s8_params_t name (bias_folded filled) */
  params: string;
  /** weights as outDepth rows of depth */
  weights: readonly number[];
  rows: number; depth: number; outDepth: number;
  /** whether tr_conv1x1_wide.h could take the layer (its stack buffer and channel limits) */
  wideFits: boolean;
  /** tr_requant mode literal (TR_RQ_SINGLE, TR_RQ_FP32, TR_RQ_MBQM) */
  mode: string;
  outZeroPoint: number; clampMin: number | string; clampMax: number | string;
  inId: number; outId: number;
}

/**
 * tr_fc_deep_wide.h where it applies and beats the widening kernel (or that one cannot take
 * the layer): DSP speed kernels, an output apart from the input (each block's outputs are
 * written while the row is still read), and — when tr_conv1x1_wide.h fits — a lower
 * estimated cost. Undefined otherwise.
 */
export function lowerDeepGemm(ctx: LowerContext, i: number, d: DeepGemm): Lowered | undefined {
  if (!ctx.wideKernels || tensorsOverlap(ctx, d.inId, d.outId)) return undefined;
  // 1x1 convs with 1-3 outputs (FDT partitions) go to tr_conv1x1_pairs.h (below).
  if (d.kind === 'conv1x1' && d.outDepth < 4) return undefined;
  if (d.wideFits && deepRowCost(d.outDepth) >= wideRowCost(d.outDepth)) return undefined;
  if (!ctx.decls.includes(FC_DEEP_WIDE_INCLUDE)) ctx.decls.unshift(FC_DEEP_WIDE_INCLUDE);
  const wide = ctx.name(i, d.kind === 'fc' ? 'weights_deep' : 'filter_deep');
  ctx.decls.push(wordArray(wide, fcDeepWideLayout(d.weights, d.outDepth, d.depth)));
  const spec = ctx.name(i, d.kind === 'fc' ? 'fcd' : 'conv1x1d');
  const layer = d.kind === 'fc' ? 'tr_fc_deep_layer' : 'tr_conv1x1_deep_layer';
  // noinline, noipa: as for the 1x1 "speed" conv (lower-conv.ts)
  ctx.decls.push(`static __attribute__((noinline, noipa)) void ${spec}(const int8_t *in, int8_t *out) {\n` +
    `  ${layer}(&${d.params}, in, ${wide}, out, ${d.rows}, ${d.depth}, ${d.outDepth}, ${d.mode}, ` +
    `${cInt(d.outZeroPoint)}, ${d.clampMin}, ${d.clampMax});\n}\n`);
  return {
    statements: [`${spec}(${ctx.ptr(d.inId)}, ${ctx.ptr(d.outId, { write: true })});`],
    kernels: [layer],
  };
}

/**
 * tr_conv1x1_pairs.h for a 1x1 conv with up to 256 input channels where it beats the
 * widening kernel's estimate: pixels in pairs, each pair's inputs read before its outputs are
 * written, within the two-pixel lag firmware/plan/streaming.ts gives 1x1 convs, so the output
 * may stream over the input. Forwards only (the caller does not offer it a reversed layer).
 * Undefined otherwise.
 */
export function lowerConv1x1Pairs(ctx: LowerContext, i: number, d: DeepGemm): Lowered | undefined {
  if (!ctx.wideKernels || d.kind !== 'conv1x1' || d.depth > PAIRS_MAX_K) return undefined;
  // 1-3 outputs (FDT partitions; the widening kernel needs 4): it still beats the int8 GEMM
  // (vww's 16 partitions 8 -> 1 on the Cortex-M4: 58.2k -> 47.2k instructions each, measured)
  if (d.outDepth >= 4 && pairsOutputCost(d.depth, d.outDepth) >= wideOutputCost(d.depth, d.outDepth)) return undefined;
  if (!ctx.decls.includes(PAIRS_INCLUDE)) ctx.decls.unshift(PAIRS_INCLUDE);
  const wide = ctx.name(i, 'filter_pairs');
  ctx.decls.push(wordArray(wide, conv1x1PairsLayout(d.weights, d.outDepth, d.depth)));
  const spec = ctx.name(i, 'conv1x1p');
  // noinline, noipa: as for the 1x1 "speed" conv (lower-conv.ts)
  ctx.decls.push(`static __attribute__((noinline, noipa)) void ${spec}(const int8_t *in, int8_t *out) {\n` +
    `  uint32_t xw[${Math.ceil(d.depth / 4) * 4}];\n` +
    `  tr_conv1x1_pairs_layer(&${d.params}, in, ${wide}, out, xw, ${d.rows}, ${d.depth}, ${d.outDepth}, ${d.mode}, ` +
    `${cInt(d.outZeroPoint)}, ${d.clampMin}, ${d.clampMax});\n}\n`);
  return {
    statements: [`${spec}(${ctx.ptr(d.inId)}, ${ctx.ptr(d.outId, { write: true })});`],
    kernels: ['tr_conv1x1_pairs_layer'],
  };
}
