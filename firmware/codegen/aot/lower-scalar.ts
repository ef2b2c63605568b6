// Kernel selection for int8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED on cores without a
// DSP extension (RV32IMAC, Cortex-M0) under optimize 'speed': the register-blocked kernels of
// tr_conv_rv32.h, tr_conv1ch_rv32.h (and lower-scalar-depthwise.ts's depthwise ones) compete per layer with the library's kernels by a small
// cost model (estimated instructions of the layer from instruction counts of each kernel's
// inner loop in the generated assembly; used to choose, never reported as a measurement).
// lower-conv.ts asks here first and falls back to its own kernels (tr_gemm_scalar.h for 1x1
// convs and FC, the generic ones otherwise) when this returns undefined.
import { intArray } from './c-emit.ts';
import type { LowerContext, Lowered } from './context.ts';
import { rv32BlockLayout } from './kernel-layout.ts';
import { lowerScalarDepthwise1in, type Rq32Source } from './lower-scalar-depthwise.ts';
export { GENERIC_PER_MAC, PER_LAYER, PER_OUTPUT, RV32_MAX_KH };

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
  /** For the depthwise kernels (lower-scalar-depthwise.ts): rv32 requantization, tensor ids. */
  rq32?: Rq32Source; inId?: number; outId?: number;
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

/** The blocked conv when it fits the layer and the cost model prefers it, else undefined. */
export function lowerScalarConv(ctx: LowerContext, l: ScalarConvLayer): Lowered | undefined {
  if (!ctx.scalarBlockKernels) return undefined;
  // one input channel (depthwise convs run as convs, FDT's partitions): lower-scalar-depthwise.ts
  const dw1in = lowerScalarDepthwise1in(ctx, l);
  if (dw1in) return dw1in;
  if (!l.gemm && (l.reverse || l.dilationH !== 1 || l.dilationW !== 1 || l.kH > RV32_MAX_KH)) return undefined;
  const macs = l.batches * l.outH * l.outW * l.outC * l.kH * l.kW * l.inC;
  if (rv32ConvCost(l) >= GENERIC_PER_MAC.conv * macs) return undefined;
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
}

/** The blocked fully-connected kernel when the cost model prefers it, else undefined. */
export function lowerScalarFc(ctx: LowerContext, l: ScalarFcLayer): Lowered | undefined {
  if (!ctx.scalarBlockKernels) return undefined;
  const P = l.batches;
  const cost = PER_LAYER + Math.floor(P / 2) * blockedCost(l.depth, l.outDepth, 1, true) + (P % 2) * blockedCost(l.depth, l.outDepth, 1, false);
  if (cost >= GENERIC_PER_MAC.fc * P * l.depth * l.outDepth) return undefined;
  include(ctx);
  const blocked = ctx.name(l.opIndex, 'weights_rv32');
  ctx.decls.push(intArray(blocked, 'int8_t', rv32BlockLayout(l.weights, l.outDepth, l.depth)));
  const fn = `tr_fc_rv32_${SUFFIX[l.mode]}`;
  return {
    statements: [`${fn}(&${l.params}, ${l.inPtr}, ${blocked}, ${l.outPtr}, ${l.batches}, ${l.depth}, ${l.outDepth});`],
    kernels: [fn],
  };
}

// depthwise kernels: lower-scalar-depthwise.ts
export { lowerScalarDepthwise, dwBand } from './lower-scalar-depthwise.ts';
export type { ScalarDepthwiseLayer } from './lower-scalar-depthwise.ts';
