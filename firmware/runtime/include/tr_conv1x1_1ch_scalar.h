/* int8 1x1 conv with ONE output channel on cores without a DSP extension (RV32IM, Cortex-M0):
 * FDT partitions of a 1x1 conv (vww's 8 -> 16 split into 16 partitions of 8 -> 1). The blocked
 * GEMMs (tr_gemm_scalar.h, tr_conv_rv32.h) share input loads across output channels; with one
 * channel there is nothing to share, and their per-channel tail reloads every weight per pixel
 * pair. Here the K weights (K a literal, at most TR_1CH_MAX_K) stay in registers for the whole
 * layer: per pixel K byte loads, K MUL, K ADD and the requantization. Pixels in address order,
 * one at a time (such layers never stream over their input: firmware/plan/streaming.ts). The
 * sums are the reference kernel's (integer, any order). */
#ifndef TR_CONV1X1_1CH_SCALAR_H
#define TR_CONV1X1_1CH_SCALAR_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

#define TR_1CH_MAX_K 16

static inline __attribute__((always_inline)) void tr_conv1x1_1ch_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out, const int32_t P,
    const int32_t K, const int mode) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t zp = r.zp, lo = r.lo, hi = r.hi, bias = p->bias_folded[0];
  int32_t w[TR_1CH_MAX_K];
#pragma GCC unroll 16
  for (int32_t k = 0; k < K; k++) w[k] = filter[k];
  for (int32_t px = 0; px < P; px++, in += K) {
    int32_t acc = bias;
#pragma GCC unroll 16
    for (int32_t k = 0; k < K; k++) acc += in[k] * w[k];
    out[px] = tr_requant_m(&r, acc, 0, mode, zp, lo, hi);
  }
}

#endif
