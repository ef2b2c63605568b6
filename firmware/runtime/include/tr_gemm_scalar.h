/* int8 GEMM kernels for cores without a DSP extension (RV32IM, Cortex-M0): the "speed"
 * variants of the 1x1 conv, general conv and fully-connected kernels there. Such a core has
 * no packed multiply, so a MAC is at least a MUL and an ADD; what blocking saves is the loads:
 * two pixels x four output channels per step, each input byte loaded once for four channels
 * and each weight byte once for two pixels (6 loads per 8 MACs instead of 2 per MAC). The
 * generator lays the weights out for it (kernel-layout.ts scalarBlockLayout): per block of 4
 * output channels, per input index k, the 4 channels' weights side by side, so one pointer
 * walks them with immediate offsets (channels past the last block keep their rows).
 * Results are those of the reference kernels (integer sums in any order). */
#ifndef TR_GEMM_SCALAR_H
#define TR_GEMM_SCALAR_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

/* Rows x0 and x1 (K values each) against the block's weights; acc[0..4) pixel 0, acc[4..8) pixel 1. */
static inline __attribute__((always_inline)) void tr_s4x2_dot(const int8_t *x0, const int8_t *x1, const int8_t *w,
                                                              const int32_t K, int32_t *acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], b0 = acc[4], b1 = acc[5], b2 = acc[6], b3 = acc[7];
  for (int32_t k = 0; k < K; k++, w += 4) {
    const int32_t p = x0[k], q = x1[k];
    const int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
    a0 += p * w0; a1 += p * w1; a2 += p * w2; a3 += p * w3;
    b0 += q * w0; b1 += q * w1; b2 += q * w2; b3 += q * w3;
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = b0; acc[5] = b1; acc[6] = b2; acc[7] = b3;
}

/* Two rows x0, x1 (PAIR = 0: x1 is a copy of x0 and o1 is not written), every channel. */
static inline __attribute__((always_inline)) void tr_s4x2_rows(
    const tr_requant_t *r, const int32_t *bias, const int8_t *x0, const int8_t *x1, const int8_t *filter,
    int8_t *o0, int8_t *o1, const int32_t K, const int32_t C, const int mode, const int PAIR) {
  const int32_t zp = r->zp, lo = r->lo, hi = r->hi;
  const int8_t *w = filter;
  int32_t oc = 0;
  for (; oc + 4 <= C; oc += 4, w += 4 * K) {
    int32_t acc[8] = { bias[oc], bias[oc + 1], bias[oc + 2], bias[oc + 3], bias[oc], bias[oc + 1], bias[oc + 2], bias[oc + 3] };
    tr_s4x2_dot(x0, x1, w, K, acc);
    for (int32_t j = 0; j < 4; j++) o0[oc + j] = tr_requant_m(r, acc[j], oc + j, mode, zp, lo, hi);
    if (PAIR) for (int32_t j = 0; j < 4; j++) o1[oc + j] = tr_requant_m(r, acc[4 + j], oc + j, mode, zp, lo, hi);
  }
  /* Channels past the last block of 4 (C % 4 of them). Written as a count from the block's end
   * rather than oc < C: with a literal C GCC would otherwise analyse the loop past the array end
   * (-Waggressive-loop-optimizations) for layers where the tail is empty. */
  for (int32_t t = C - oc; t > 0; t--, oc++, w += K) {
    int32_t a = bias[oc], b = bias[oc];
    for (int32_t k = 0; k < K; k++) { a += x0[k] * w[k]; b += x1[k] * w[k]; }
    o0[oc] = tr_requant_m(r, a, oc, mode, zp, lo, hi);
    if (PAIR) o1[oc] = tr_requant_m(r, b, oc, mode, zp, lo, hi);
  }
}

/* P rows of K inputs (dense) -> P rows of C outputs, in pairs; REVERSE walks from the last row
 * (an odd last row first), like tr_conv_spec.h. */
static inline __attribute__((always_inline)) void tr_s4_gemm(
    const tr_requant_t *r, const int32_t *bias, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t P, const int32_t K, const int32_t C, const int mode, const int REVERSE) {
  if (!REVERSE) {
    int32_t px = 0;
    for (; px + 2 <= P; px += 2) tr_s4x2_rows(r, bias, in + px * K, in + (px + 1) * K, filter, out + px * C, out + (px + 1) * C, K, C, mode, 1);
    if (px < P) tr_s4x2_rows(r, bias, in + px * K, in + px * K, filter, out + px * C, out + px * C, K, C, mode, 0);
  } else {
    int32_t px = P;
    if (P & 1) { px--; tr_s4x2_rows(r, bias, in + px * K, in + px * K, filter, out + px * C, out + px * C, K, C, mode, 0); }
    for (px -= 2; px >= 0; px -= 2) tr_s4x2_rows(r, bias, in + px * K, in + (px + 1) * K, filter, out + px * C, out + (px + 1) * C, K, C, mode, 1);
  }
}

static inline __attribute__((always_inline)) void tr_conv1x1_s4_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t P, const int32_t K, const int32_t C, const int mode, const int REVERSE) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  tr_s4_gemm(&r, p->bias_folded, in, filter, out, P, K, C, mode, REVERSE);
}

static inline __attribute__((always_inline)) void tr_fc_s4_layer(
    const tr_fc_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t B, const int32_t K, const int32_t C, const int mode) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  tr_s4_gemm(&r, p->bias_folded, in, filter, out, B, K, C, mode, 0);
}

#endif
