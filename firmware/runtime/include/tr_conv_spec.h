/* CONV_2D int8 1x1 / stride 1 / no padding over dense tensors, specialised per layer: a GEMM
 * of P pixels x K input channels by C output channels (OHWI filter = C rows of K). The
 * generator emits one small function per such layer calling tr_conv1x1_layer() with P, K, C
 * and the requantization mode as literals, so the dot-product loops have constant trip
 * counts (short ones unrolled) and no per-pixel geometry is computed. Two pixels x two
 * channels per SMLAD block (tr_dot2x2_s8). Needs bias_folded. Results are those of
 * tr_conv2d_s8. */
#ifndef TR_CONV_SPEC_H
#define TR_CONV_SPEC_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_simd.h"

/* tr_dot2x2_s8 with K a literal: unrolled by two at most (GCC fully unrolls e.g. K = 64,
 * which spills and costs more than the loop). */
static inline __attribute__((always_inline)) void tr_conv_spec_dot2x2(const int8_t *x0, const int8_t *x1, const int8_t *w0,
                                                                      const int8_t *w1, const int32_t K, int32_t *acc) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
  int32_t k = 0;
#pragma GCC unroll 2
  for (; k + 4 <= K; k += 4) {
    const uint32_t wa = tr_read4(w0 + k), wb = tr_read4(w1 + k);
    const uint32_t wal = tr_sxtb16(wa), wah = tr_sxtb16_ror8(wa);
    const uint32_t wbl = tr_sxtb16(wb), wbh = tr_sxtb16_ror8(wb);
    uint32_t xv = tr_read4(x0 + k);
    uint32_t xl = tr_sxtb16(xv), xh = tr_sxtb16_ror8(xv);
    a00 = tr_smlad(xl, wal, a00); a00 = tr_smlad(xh, wah, a00);
    a01 = tr_smlad(xl, wbl, a01); a01 = tr_smlad(xh, wbh, a01);
    xv = tr_read4(x1 + k);
    xl = tr_sxtb16(xv); xh = tr_sxtb16_ror8(xv);
    a10 = tr_smlad(xl, wal, a10); a10 = tr_smlad(xh, wah, a10);
    a11 = tr_smlad(xl, wbl, a11); a11 = tr_smlad(xh, wbh, a11);
  }
  for (; k < K; k++) {
    const int32_t p0 = x0[k], p1 = x1[k], q0 = w0[k], q1 = w1[k];
    a00 += p0 * q0; a01 += p0 * q1; a10 += p1 * q0; a11 += p1 * q1;
  }
  acc[0] = a00; acc[1] = a01; acc[2] = a10; acc[3] = a11;
}

/* Pixels px and px + 1, every output channel. */
static inline __attribute__((always_inline)) void tr_conv1x1_pair(
    const tr_requant_t *r, const int32_t *bias, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t px, const int32_t K, const int32_t C, const int mode) {
  const int32_t zp = r->zp, lo = r->lo, hi = r->hi;
  const int8_t *x0 = in + px * K, *x1 = x0 + K;
  int8_t *o0 = out + px * C, *o1 = o0 + C;
  const int8_t *w = filter;
  int32_t oc = 0;
  for (; oc + 2 <= C; oc += 2, w += 2 * K) {
    int32_t acc[4] = { bias[oc], bias[oc + 1], bias[oc], bias[oc + 1] };
    /* measured on Cortex-M4 (QEMU instruction counts): GCC's own unrolling wins from
     * K = 128 up, two-way unrolling below; without the DSP extension tr_dot2x2_s8 is the
     * plain scalar loop (tr_simd.h) */
    if (K >= 128 || TR_SIMD_SCALAR) tr_dot2x2_s8(x0, x1, w, w + K, K, acc);
    else tr_conv_spec_dot2x2(x0, x1, w, w + K, K, acc);
    const int8_t v0 = tr_requant_m(r, acc[0], oc, mode, zp, lo, hi), v1 = tr_requant_m(r, acc[1], oc + 1, mode, zp, lo, hi);
    const int8_t v2 = tr_requant_m(r, acc[2], oc, mode, zp, lo, hi), v3 = tr_requant_m(r, acc[3], oc + 1, mode, zp, lo, hi);
    o0[oc] = v0; o0[oc + 1] = v1; o1[oc] = v2; o1[oc + 1] = v3;
  }
  for (; oc < C; oc++, w += K) {
    o0[oc] = tr_requant_m(r, tr_dot1_s8(x0, w, K, bias[oc]), oc, mode, zp, lo, hi);
    o1[oc] = tr_requant_m(r, tr_dot1_s8(x1, w, K, bias[oc]), oc, mode, zp, lo, hi);
  }
}

/* Pixel px, every output channel. */
static inline __attribute__((always_inline)) void tr_conv1x1_single(
    const tr_requant_t *r, const int32_t *bias, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t px, const int32_t K, const int32_t C, const int mode) {
  const int8_t *x0 = in + px * K;
  for (int32_t oc = 0; oc < C; oc++)
    out[px * C + oc] = tr_requant_m(r, tr_dot1_s8(x0, filter + oc * K, K, bias[oc]), oc, mode, r->zp, r->lo, r->hi);
}

/* The whole layer. REVERSE (a literal) walks the pixels from the last to the first, so the
 * output may lie above the input it overwrites (firmware/plan/streaming.ts: a streaming plan
 * then puts it at least the reverse lag above); forward order allows it below. */
static inline __attribute__((always_inline)) void tr_conv1x1_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t P, const int32_t K, const int32_t C, const int mode, const int REVERSE) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t *bias = p->bias_folded;
  if (!REVERSE) {
    int32_t px = 0;
    for (; px + 2 <= P; px += 2) tr_conv1x1_pair(&r, bias, in, filter, out, px, K, C, mode);
    for (; px < P; px++) tr_conv1x1_single(&r, bias, in, filter, out, px, K, C, mode);
  } else {
    int32_t px = P;
    if (P & 1) tr_conv1x1_single(&r, bias, in, filter, out, --px, K, C, mode);
    for (px -= 2; px >= 0; px -= 2) tr_conv1x1_pair(&r, bias, in, filter, out, px, K, C, mode);
  }
}

#endif
