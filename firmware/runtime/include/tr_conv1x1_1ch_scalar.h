/* int8 1x1 conv with ONE output channel on cores without a DSP extension (RV32IM, Cortex-M0):
 * FDT partitions of a 1x1 conv (vww's 8 -> 16 split into 16 partitions of 8 -> 1). The blocked
 * GEMMs (tr_gemm_scalar.h, tr_conv_rv32.h) share input loads across output channels; with one
 * channel there is nothing to share, and their per-channel tail reloads every weight per pixel
 * pair. Here the K weights (K a literal, at most TR_1CH_MAX_K) stay in registers for the whole
 * layer: per pixel K byte loads, K MUL, K ADD and the requantization, four pixels per turn of
 * the loop (its pointer steps and branch shared). Pixels in address order (such layers never
 * stream over their input: firmware/plan/streaming.ts). The sums are the reference kernel's
 * (integer, any order).
 *
 * mode TR_RQ_RV32: tr_requant_rv32.h's one-mulh form with the generator's one-row table
 * (rq32Rows proves it exact for the layer), its constants in registers. It takes 4 * acc: the
 * weights and the bias are held times 4 (registers, not ROM), so the sums come out times 4
 * with no shift per pixel (4 * acc fits int32: the same proof). */
#ifndef TR_CONV1X1_1CH_SCALAR_H
#define TR_CONV1X1_1CH_SCALAR_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_requant_rv32.h"

#define TR_1CH_MAX_K 16

static inline __attribute__((always_inline)) void tr_conv1x1_1ch_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out, const int32_t P,
    const int32_t K, const int mode, const tr_rq32_t *rq32, const int SIGN) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t zp = r.zp, lo = r.lo, hi = r.hi;
  /* times 4 for the rq32 form (uint32: wrap-around, as the kernels' int32 sums) */
  const int32_t scale = mode == TR_RQ_RV32 ? 4 : 1;
  const int32_t bias = (int32_t)((uint32_t)p->bias_folded[0] * (uint32_t)scale);
  const int32_t qm = mode == TR_RQ_RV32 ? rq32[0].mult : 0, qa = mode == TR_RQ_RV32 ? rq32[0].add : 0, qs = mode == TR_RQ_RV32 ? rq32[0].sh : 0;
#define TR_1CH_OUT(A) (mode == TR_RQ_RV32 ? (int8_t)tr_rq32_clamp(tr_rq32_value((A), qm, qa, qs, SIGN), lo, hi) \
                                          : tr_requant_m(&r, (A), 0, mode, zp, lo, hi))
  int32_t w[TR_1CH_MAX_K];
  /* the empty asm hides the weights' values: the filter is a constant the compiler sees, and
   * it multiplied by each weight with shift-and-add sequences (3 to 5 instructions instead of
   * one MUL; vww's 8 -> 1 partitions on qemu-riscv32-virt: 94k-99k instructions each so, 72k
   * with the asm and four pixels per turn) */
#pragma GCC unroll 16
  for (int32_t k = 0; k < K; k++) { w[k] = filter[k] * scale; __asm__("" : "+r"(w[k])); }
  int32_t px = 0;
  for (; px + 4 <= P; px += 4, in += 4 * K) {
    int32_t a0 = bias, a1 = bias, a2 = bias, a3 = bias;
#pragma GCC unroll 16
    for (int32_t k = 0; k < K; k++) {
      a0 += in[k] * w[k]; a1 += in[K + k] * w[k]; a2 += in[2 * K + k] * w[k]; a3 += in[3 * K + k] * w[k];
    }
    out[px] = TR_1CH_OUT(a0); out[px + 1] = TR_1CH_OUT(a1); out[px + 2] = TR_1CH_OUT(a2); out[px + 3] = TR_1CH_OUT(a3);
  }
  for (; px < P; px++, in += K) {
    int32_t a = bias;
#pragma GCC unroll 16
    for (int32_t k = 0; k < K; k++) a += in[k] * w[k];
    out[px] = TR_1CH_OUT(a);
  }
#undef TR_1CH_OUT
}

#endif
