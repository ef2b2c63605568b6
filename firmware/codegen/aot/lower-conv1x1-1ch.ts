// 1x1 stride-1 int8 convs with one output channel on cores without DSP (FDT partitions of a
// 1x1 conv): tr_conv1x1_1ch_scalar.h, the weights in registers for the whole layer. lower-conv.ts
// asks here after lower-scalar.ts's blocked kernels and before the 4-channel GEMM
// (tr_gemm_scalar.h), whose per-channel tail reloads every weight per pixel pair (vww's 16
// partitions 8 -> 1 on qemu-riscv32-virt, issue 11). lower-scalar-depthwise.ts calls it first,
// for lower-scalar.ts, with the layer's rq32 source: in the reference arithmetic it then
// requantizes with tr_requant_rv32.h where rq32Rows proves it exact (vww's FDT partitions on
// qemu-riscv32-virt: 99k to 138k instructions each with tr_rq_t, 72k with the rq32 form and
// the weights hidden from constant folding, see the header).
import { intArray } from './c-emit.ts';
import type { LowerContext, Lowered } from './context.ts';
import { rq32Table, type Rq32Source } from './lower-scalar-depthwise.ts';

const INCLUDE = '#include "tr_conv1x1_1ch_scalar.h"\n';
/** Weights the kernel keeps in registers (TR_1CH_MAX_K). */
const MAX_K = 16;

export interface OneChannel1x1 {
  /** the tr_conv_s8_params_t name (bias_folded filled) */
  params: string;
  /** the filter's K weights (OHWI of one output channel) */
  weights: readonly number[];
  /** pixels (batches x height x width) and input channels */
  pixels: number; depth: number; outDepth: number;
  /** tr_requant mode literal */
  mode: string;
  /** For tr_requant_rv32.h's form (absent: the layer's own arithmetic). */
  rq32?: Rq32Source;
  input: string; output: string;
}

/** The kernel where it applies (no DSP speed kernels, one output channel, K <= 16), else undefined. */
export function lowerConv1x1OneChannel(ctx: LowerContext, i: number, d: OneChannel1x1): Lowered | undefined {
  if (!ctx.scalarBlockKernels || d.outDepth !== 1 || d.depth > MAX_K) return undefined;
  if (!ctx.decls.includes(INCLUDE)) ctx.decls.unshift(INCLUDE);
  const filter = ctx.name(i, 'filter_1ch');
  ctx.decls.push(intArray(filter, 'int8_t', d.weights));
  const rq = d.rq32 ? rq32Table(ctx, i, d.mode, d.rq32, 1, () => d.weights) : { mode: d.mode, table: 'NULL', sign: 1 };
  const spec = ctx.name(i, 'conv1x1_1ch');
  // noinline, noipa: one copy of the loop per layer with K a literal (as lower-conv.ts's others)
  ctx.decls.push(`static __attribute__((noinline, noipa)) TR_RV32_NOSCHED void ${spec}(const int8_t *in, int8_t *out) {\n` +
    `  tr_conv1x1_1ch_layer(&${d.params}, in, ${filter}, out, ${d.pixels}, ${d.depth}, ${rq.mode}, ${rq.table}, ${rq.sign});\n}\n`);
  return { statements: [`${spec}(${d.input}, ${d.output});`], kernels: ['tr_conv1x1_1ch_layer'] };
}
