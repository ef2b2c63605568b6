/* DEPTHWISE_CONV_2D int8 3x3, depth multiplier 1, no dilation, specialised per layer, for
 * cores with the DSP extension: the "speed" variant of tr_dwconv_spec.h. The generator stores
 * the filter pre-widened (kernel-layout.ts dw3x3WideLayout): per group of 4 channels c0..c3,
 * per tap, the words (w[c0], w[c2]) and (w[c1], w[c3]) — the lanes SXTB16 / SXTB16 ROR 8 give
 * the input word of the same 4 channels. A tap of a group is then LDR, 2 SXTB16, LDRD and 4
 * 16x16 multiply-accumulates (SMLABB/SMLATT: the lanes are different channels, SMLAD would add
 * them): 8 instructions per 4 MACs against 10 when every weight word is sign-extended again.
 * Interior pixels read the taps at literal offsets from one pointer; border pixels through
 * nine tap pointers, taps in the padding pointing at pad_row (the input zero point, which
 * the folded bias cancels), so they need no separate slow path. Requantization with SSAT and
 * one word store per group (tr_conv1x1_wide.h). Channels past the last group of 4 use the
 * dense int8 filter. Pixels in raster order (or reversed with REVERSE), all channels of a
 * pixel at once: the write order firmware/plan/streaming.ts assumes for this kernel. Results
 * are those of tr_depthwise_conv2d_s8. */
#ifndef TR_DWCONV3X3_WIDE_H
#define TR_DWCONV3X3_WIDE_H
#include "tr_conv1x1_wide.h"

static inline __attribute__((always_inline)) void tr_dw3x3w_pixel(
    const tr_requant_t *r, const int32_t *bias, const int8_t *const *tp, const int8_t *x, const uint32_t *fw,
    const int8_t *dense, int8_t *op, const int32_t SH, const int32_t SW, const int32_t C, const int mode,
    const int32_t zp, const int32_t lo, const int32_t hi, const int BORDER) {
  /* tap k of channel c: interior x + literal offset, border through its pointer */
#define TR_DW3_AT(K, C_) (BORDER ? tp[K] + (C_) : x + ((K) / 3) * SH + ((K) % 3) * SW + (C_))
  int32_t c = 0;
  for (; c + 4 <= C; c += 4, fw += 18) {
    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
#define TR_DW3_TAP(K)                                                                     \
    {                                                                                     \
      const uint32_t xv = tr_read4(TR_DW3_AT(K, c));                                      \
      const uint32_t xl = tr_sxtb16(xv), xh = tr_sxtb16_ror8(xv);                         \
      const uint32_t wl = fw[2 * (K)], wh = fw[2 * (K) + 1];                              \
      a0 = tr_smlabb(xl, wl, a0); a2 = tr_smlatt(xl, wl, a2);                             \
      a1 = tr_smlabb(xh, wh, a1); a3 = tr_smlatt(xh, wh, a3);                             \
    }
    TR_DW3_TAP(0) TR_DW3_TAP(1) TR_DW3_TAP(2) TR_DW3_TAP(3) TR_DW3_TAP(4) TR_DW3_TAP(5) TR_DW3_TAP(6) TR_DW3_TAP(7) TR_DW3_TAP(8)
#undef TR_DW3_TAP
    const uint32_t packed = tr_pack4(tr_wide_rq(r, a0, c, mode, zp, lo, hi), tr_wide_rq(r, a1, c + 1, mode, zp, lo, hi),
                                     tr_wide_rq(r, a2, c + 2, mode, zp, lo, hi), tr_wide_rq(r, a3, c + 3, mode, zp, lo, hi));
    __builtin_memcpy(op + c, &packed, 4);
  }
  for (; c < C; c++) {
    int32_t acc = bias[c];
    for (int32_t k = 0; k < 9; k++) acc += (int32_t)*TR_DW3_AT(k, c) * dense[k * C + c];
    op[c] = (int8_t)tr_wide_rq(r, acc, c, mode, zp, lo, hi);
  }
#undef TR_DW3_AT
}

/* Output pixel (oy, ox): interior or border. */
static inline __attribute__((always_inline)) void tr_dw3x3w_at(
    const tr_dwconv_s8_params_t *p, const tr_requant_t *r, const int8_t *in_b, const uint32_t *fw, const int8_t *dense,
    int8_t *out_b, const int32_t oy, const int32_t ox, const int32_t out_w, const int32_t in_h, const int32_t in_w, const int32_t st_h, const int32_t st_w,
    const int32_t pt, const int32_t pl, const int32_t SH, const int32_t SW, const int32_t C, const int mode,
    const int32_t zp, const int32_t lo, const int32_t hi) {
  const int32_t iy0 = oy * st_h - pt, ix0 = ox * st_w - pl;
  int8_t *op = out_b + (oy * out_w + ox) * C;
  if (iy0 >= 0 && iy0 + 3 <= in_h && ix0 >= 0 && ix0 + 3 <= in_w) {
    tr_dw3x3w_pixel(r, p->bias_folded, 0, in_b + iy0 * SH + ix0 * SW, fw, dense, op, SH, SW, C, mode, zp, lo, hi, 0);
  } else {
    const int8_t *tp[9];
    for (int32_t ky = 0; ky < 3; ky++) {
      const int32_t iy = iy0 + ky;
      for (int32_t kx = 0; kx < 3; kx++) {
        const int32_t ix = ix0 + kx;
        tp[ky * 3 + kx] = (iy >= 0 && iy < in_h && ix >= 0 && ix < in_w) ? in_b + iy * SH + ix * SW : p->pad_row;
      }
    }
    tr_dw3x3w_pixel(r, p->bias_folded, tp, 0, fw, dense, op, SH, SW, C, mode, zp, lo, hi, 1);
  }
}

/* The whole layer over dense tensors. SH, SW: input row / pixel strides, C: channels, the
 * requantization mode, output zero point and clamp bounds: literals at the call. dense: the
 * int8 filter (read only for channels past the last group of 4; NULL when C % 4 == 0).
 * REVERSE (a literal) walks the pixels from the last to the first (tr_dwconv_spec.h). */
static inline __attribute__((always_inline)) void tr_dw3x3_wide_layer(
    const tr_dwconv_s8_params_t *p, const int8_t *in, const uint32_t *fw, const int8_t *dense, int8_t *out,
    const int32_t SH, const int32_t SW, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi,
    const int REVERSE) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t in_h = p->in.h, in_w = p->in.w, st_h = p->stride_h, st_w = p->stride_w, pt = p->pad_top, pl = p->pad_left;
  const int32_t out_h = p->out.h, out_w = p->out.w;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    if (!REVERSE) {
      for (int32_t oy = 0; oy < out_h; oy++)
        for (int32_t ox = 0; ox < out_w; ox++)
          tr_dw3x3w_at(p, &r, in_b, fw, dense, out_b, oy, ox, out_w, in_h, in_w, st_h, st_w, pt, pl, SH, SW, C, mode, zp, lo, hi);
    } else {
      for (int32_t oy = out_h - 1; oy >= 0; oy--)
        for (int32_t ox = out_w - 1; ox >= 0; ox--)
          tr_dw3x3w_at(p, &r, in_b, fw, dense, out_b, oy, ox, out_w, in_h, in_w, st_h, st_w, pt, pl, SH, SW, C, mode, zp, lo, hi);
    }
  }
}

#endif
