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
    const int32_t zp, const int32_t lo, const int32_t hi, const int BORDER, const int32_t C0) {
  /* tap k of channel c: interior x + literal offset, border through its pointer */
#define TR_DW3_AT(K, C_) (BORDER ? tp[K] + (C_) : x + ((K) / 3) * SH + ((K) % 3) * SW + (C_))
  int32_t c = C0;
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

#if TR_SIMD_NATIVE
/* tr_rq_apply (tr_fixedpoint.h) of one channel for two accumulators *a, *b: the channel's
 * { k, mult, rsh } loaded once (two LDRD: LDM would need the registers GCC picks to ascend)
 * and kept for both. Written out because GCC keeps the
 * 64-bit sums of a pair's eight outputs live at once and spills them. */
static inline __attribute__((always_inline)) void tr_dw3_rq2(const tr_rq_t *q, int32_t *a, int32_t *b) {
  uint32_t kl, kh, m, sh, t, lo, hi;
  int32_t x = *a, y = *b;
  __asm__("ldrd %[kl], %[kh], [%[q]]\n\t"
          "ldrd %[m], %[sh], [%[q], #8]\n\t"
          "and %[t], %[x], #0x80000000\n\t"
          "subs %[lo], %[kl], %[t]\n\t"
          "sbc %[hi], %[kh], #0\n\t"
          "smlal %[lo], %[hi], %[x], %[m]\n\t"
          "asr %[x], %[hi], %[sh]\n\t"
          "and %[t], %[y], #0x80000000\n\t"
          "subs %[lo], %[kl], %[t]\n\t"
          "sbc %[hi], %[kh], #0\n\t"
          "smlal %[lo], %[hi], %[y], %[m]\n\t"
          "asr %[y], %[hi], %[sh]"
          : [x] "+r"(x), [y] "+r"(y), [kl] "=&r"(kl), [kh] "=&r"(kh), [m] "=&r"(m), [sh] "=&r"(sh), [t] "=&r"(t),
            [lo] "=&r"(lo), [hi] "=&r"(hi)
          : [q] "r"(q)
          : "cc", "memory");
  *a = x; *b = y;
}

/* Output zero point and int8 saturation of one requantized value (low byte; see tr_wide_rq). */
static inline __attribute__((always_inline)) int32_t tr_dw3_sat(int32_t v, const int32_t zp) { return __ssat(v + zp, 8); }

/* The activation's clamp [lo, hi] (literals) on four packed int8 outputs at once: SSUB8 sets
 * a lane's GE flag where the lane minus the bound is >= 0 (exact, before wrapping), SEL picks
 * per lane: 2 instructions per bound for four values, against a compare and a move each. */
static inline __attribute__((always_inline)) uint32_t tr_dw3_clamp4(uint32_t v, const int32_t lo, const int32_t hi) {
  uint32_t t;
  if (lo > -128) {
    const uint32_t l4 = (uint32_t)(uint8_t)lo * 0x01010101u;
    __asm__("ssub8 %[t], %[v], %[b]\n\tsel %[v], %[v], %[b]" : [v] "+r"(v), [t] "=&r"(t) : [b] "r"(l4) : "cc");
  }
  if (hi < 127) {
    const uint32_t h4 = (uint32_t)(uint8_t)hi * 0x01010101u;
    __asm__("ssub8 %[t], %[v], %[b]\n\tsel %[v], %[b], %[v]" : [v] "+r"(v), [t] "=&r"(t) : [b] "r"(h4) : "cc");
  }
  return v;
}
#endif

#if TR_SIMD_NATIVE
/* One window row of a pixel pair (tr_dw3x3w_pair): input column J (of 2 + ST_W) loaded and
 * sign-extended, then the tap of each pixel whose window holds it. Written out rather than
 * with .rept: GCC sizes an asm by its lines, and an underestimate pushes float literal pools
 * out of VLDR range (see tr_conv1x1_wide.h); columns no window reads are skipped by .if. */
#define TR_DW3_TAPS(ACC0, ACC1, ACC2, ACC3, TAP)                      \
  "ldrd %[wl], %[wh], [%[w], #(8 * (" TAP "))]\n\t"                  \
  "smlabb %[" ACC0 "], %[xl], %[wl], %[" ACC0 "]\n\t"                \
  "smlatt %[" ACC2 "], %[xl], %[wl], %[" ACC2 "]\n\t"                \
  "smlabb %[" ACC1 "], %[xh], %[wh], %[" ACC1 "]\n\t"                \
  "smlatt %[" ACC3 "], %[xh], %[wh], %[" ACC3 "]\n\t"
#define TR_DW3_COL(R, J)                                                              \
  ".if " #J " <= 2 + %c[ST] && (" #J " <= 2 || " #J " >= %c[ST])\n\t"                  \
  "ldr %[xh], [%[x], #(" #R " * %c[SH] + " #J " * %c[SW])]\n\t"                      \
  "sxtb16 %[xl], %[xh]\n\t"                                                          \
  "sxtb16 %[xh], %[xh], ror #8\n\t"                                                  \
  ".if " #J " <= 2\n\t" TR_DW3_TAPS("a0", "a1", "a2", "a3", "3 * " #R " + " #J) ".endif\n\t" \
  ".if " #J " >= %c[ST]\n\t" TR_DW3_TAPS("b0", "b1", "b2", "b3", "3 * " #R " + " #J " - %c[ST]") ".endif\n\t" \
  ".endif\n\t"
#define TR_DW3_ROW(R) TR_DW3_COL(R, 0) TR_DW3_COL(R, 1) TR_DW3_COL(R, 2) TR_DW3_COL(R, 3) TR_DW3_COL(R, 4)
#endif

/* Two horizontally adjacent interior pixels (B's window ST_W pixels right of A's at x): per row
 * the 2 + ST_W input columns are loaded and sign-extended once for both pixels (4 columns for
 * 6 taps at stride 1), and both pixels' requantization reads each channel's table once. */
static inline __attribute__((always_inline)) void tr_dw3x3w_pair(
    const tr_requant_t *r, const int32_t *bias, const int8_t *x, const uint32_t *fw, const int8_t *dense, int8_t *opa,
    int8_t *opb, const int32_t SH, const int32_t SW, const int32_t ST_W, const int32_t C, const int mode, const int32_t zp,
    const int32_t lo, const int32_t hi) {
  int32_t c = 0;
  for (; c + 4 <= C; c += 4, fw += 18) {
    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
    int32_t b0 = a0, b1 = a1, b2 = a2, b3 = a3;
#if TR_SIMD_NATIVE
    if (ST_W <= 2 && 2 * SH + (2 + ST_W) * SW + C <= 4095) {
      /* Assembly: GCC spills the eight accumulators of the C below (measured: 345
       * instructions per pair and group of 4 channels, against 126 here for the taps). Per
       * row, each of the 2 + ST_W columns is one LDR and two SXTB16, then one LDRD of the tap's
       * weight pairs and four 16x16 multiply-accumulates for each pixel whose window holds it;
       * every offset is an immediate (SH, SW, ST_W are literals; strides 1 and 2). */
      uint32_t xl, xh, wl, wh;
      __asm__(TR_DW3_ROW(0) TR_DW3_ROW(1) TR_DW3_ROW(2)
              : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1), [b2] "+r"(b2),
                [b3] "+r"(b3), [xl] "=&r"(xl), [xh] "=&r"(xh), [wl] "=&r"(wl), [wh] "=&r"(wh)
              : [x] "r"(x + c), [w] "r"(fw), [SH] "i"(SH), [SW] "i"(SW), [ST] "i"(ST_W)
              : "memory");
    } else
#endif
    {
#pragma GCC unroll 3
    for (int32_t ky = 0; ky < 3; ky++) {
#pragma GCC unroll 8
      for (int32_t j = 0; j < 3 + ST_W; j++) {
        if (j > 2 && j < ST_W) continue;   /* a column neither window reads (ST_W > 3) */
        const uint32_t xv = tr_read4(x + ky * SH + j * SW + c);
        const uint32_t xl = tr_sxtb16(xv), xh = tr_sxtb16_ror8(xv);
        if (j <= 2) {
          const uint32_t wl = fw[2 * (3 * ky + j)], wh = fw[2 * (3 * ky + j) + 1];
          a0 = tr_smlabb(xl, wl, a0); a2 = tr_smlatt(xl, wl, a2);
          a1 = tr_smlabb(xh, wh, a1); a3 = tr_smlatt(xh, wh, a3);
        }
        if (j >= ST_W) {
          const uint32_t wl = fw[2 * (3 * ky + j - ST_W)], wh = fw[2 * (3 * ky + j - ST_W) + 1];
          b0 = tr_smlabb(xl, wl, b0); b2 = tr_smlatt(xl, wl, b2);
          b1 = tr_smlabb(xh, wh, b1); b3 = tr_smlatt(xh, wh, b3);
        }
      }
    }
    }
    uint32_t pa, pb;
#if TR_SIMD_NATIVE
    if (mode == TR_RQ_SINGLE) {
      /* each channel's tr_rq_t read once for both pixels */
      const tr_rq_t *q = r->rq + c;
      tr_dw3_rq2(q, &a0, &b0); tr_dw3_rq2(q + 1, &a1, &b1); tr_dw3_rq2(q + 2, &a2, &b2); tr_dw3_rq2(q + 3, &a3, &b3);
      pa = tr_dw3_clamp4(tr_pack4(tr_dw3_sat(a0, zp), tr_dw3_sat(a1, zp), tr_dw3_sat(a2, zp), tr_dw3_sat(a3, zp)), lo, hi);
      pb = tr_dw3_clamp4(tr_pack4(tr_dw3_sat(b0, zp), tr_dw3_sat(b1, zp), tr_dw3_sat(b2, zp), tr_dw3_sat(b3, zp)), lo, hi);
    } else
#endif
    {
      pa = tr_pack4(tr_wide_rq(r, a0, c, mode, zp, lo, hi), tr_wide_rq(r, a1, c + 1, mode, zp, lo, hi),
                    tr_wide_rq(r, a2, c + 2, mode, zp, lo, hi), tr_wide_rq(r, a3, c + 3, mode, zp, lo, hi));
      pb = tr_pack4(tr_wide_rq(r, b0, c, mode, zp, lo, hi), tr_wide_rq(r, b1, c + 1, mode, zp, lo, hi),
                    tr_wide_rq(r, b2, c + 2, mode, zp, lo, hi), tr_wide_rq(r, b3, c + 3, mode, zp, lo, hi));
    }
    __builtin_memcpy(opa + c, &pa, 4);
    __builtin_memcpy(opb + c, &pb, 4);
  }
  if (c < C) {
    /* channels past the last group of 4: one pixel after the other */
    tr_dw3x3w_pixel(r, bias, 0, x, fw, dense, opa, SH, SW, C, mode, zp, lo, hi, 0, c);
    tr_dw3x3w_pixel(r, bias, 0, x + ST_W * SW, fw, dense, opb, SH, SW, C, mode, zp, lo, hi, 0, c);
  }
}

/* Output pixel (oy, ox) on its own: interior or border. */
static inline __attribute__((always_inline)) void tr_dw3x3w_at(
    const tr_dwconv_s8_params_t *p, const tr_requant_t *r, const int8_t *in_b, const uint32_t *fw, const int8_t *dense,
    int8_t *out_b, const int32_t oy, const int32_t ox, const int32_t out_w, const int32_t in_h, const int32_t in_w, const int32_t st_h, const int32_t st_w,
    const int32_t pt, const int32_t pl, const int32_t SH, const int32_t SW, const int32_t C, const int mode,
    const int32_t zp, const int32_t lo, const int32_t hi) {
  const int32_t iy0 = oy * st_h - pt, ix0 = ox * st_w - pl;
  int8_t *op = out_b + (oy * out_w + ox) * C;
  if (iy0 >= 0 && iy0 + 3 <= in_h && ix0 >= 0 && ix0 + 3 <= in_w) {
    tr_dw3x3w_pixel(r, p->bias_folded, 0, in_b + iy0 * SH + ix0 * SW, fw, dense, op, SH, SW, C, mode, zp, lo, hi, 0, 0);
  } else {
    const int8_t *tp[9];
    for (int32_t ky = 0; ky < 3; ky++) {
      const int32_t iy = iy0 + ky;
      for (int32_t kx = 0; kx < 3; kx++) {
        const int32_t ix = ix0 + kx;
        tp[ky * 3 + kx] = (iy >= 0 && iy < in_h && ix >= 0 && ix < in_w) ? in_b + iy * SH + ix * SW : p->pad_row;
      }
    }
    tr_dw3x3w_pixel(r, p->bias_folded, tp, 0, fw, dense, op, SH, SW, C, mode, zp, lo, hi, 1, 0);
  }
}

/* The whole layer over dense tensors. SH, SW: input row / pixel strides, ST_W: the horizontal
 * stride, C: channels, the requantization mode, output zero point and clamp bounds: literals at
 * the call. dense: the int8 filter (read only for channels past the last group of 4; NULL when
 * C % 4 == 0). With PAIRS interior pixels of a row go in pairs (tr_dw3x3w_pair), the rest one
 * at a time; a pair writes each group of channels of both pixels before reading the next,
 * which the one-pixel streaming lag (firmware/plan/streaming.ts) covers forwards. Backwards
 * (REVERSE, a literal: pixels from the last to the first, pairs from the right) the first
 * pixel's write may land in the second one's window; it lands on the channels just read there
 * only when C % 4 == 0 (no one-pixel tail) and the output lies a whole number of pixels from
 * the input, so the generator sets PAIRS with REVERSE only then (lower-depthwise.ts). */
static inline __attribute__((always_inline)) void tr_dw3x3_wide_layer(
    const tr_dwconv_s8_params_t *p, const int8_t *in, const uint32_t *fw, const int8_t *dense, int8_t *out,
    const int32_t SH, const int32_t SW, const int32_t ST_W, const int32_t C, const int mode, const int32_t zp, const int32_t lo,
    const int32_t hi, const int REVERSE, const int PAIRS) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t in_h = p->in.h, in_w = p->in.w, st_h = p->stride_h, pt = p->pad_top, pl = p->pad_left;
  const int32_t out_h = p->out.h, out_w = p->out.w;
  const int32_t *bias = p->bias_folded;
  /* interior columns [ox_lo, ox_hi): the window inside the input */
  int32_t ox_lo = (pl + ST_W - 1) / ST_W, ox_hi = in_w - 3 + pl >= 0 ? (in_w - 3 + pl) / ST_W + 1 : 0;
  if (ox_hi > out_w) ox_hi = out_w;
  if (ox_lo > ox_hi) ox_lo = ox_hi;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    for (int32_t i = 0; i < out_h; i++) {
      const int32_t oy = REVERSE ? out_h - 1 - i : i;
      const int32_t iy0 = oy * st_h - pt;
      const int rows_in = iy0 >= 0 && iy0 + 3 <= in_h;
      /* pairs cover [lo_p, hi_p) when the row is interior */
      const int32_t lo_p = rows_in && PAIRS ? ox_lo : out_w, hi_p = rows_in && PAIRS ? ox_hi : out_w;
      if (!REVERSE) {
        int32_t ox = 0;
        for (; ox < lo_p; ox++) tr_dw3x3w_at(p, &r, in_b, fw, dense, out_b, oy, ox, out_w, in_h, in_w, st_h, ST_W, pt, pl, SH, SW, C, mode, zp, lo, hi);
        for (; ox + 2 <= hi_p; ox += 2) {
          int8_t *op = out_b + (oy * out_w + ox) * C;
          tr_dw3x3w_pair(&r, bias, in_b + iy0 * SH + (ox * ST_W - pl) * SW, fw, dense, op, op + C, SH, SW, ST_W, C, mode, zp, lo, hi);
        }
        for (; ox < out_w; ox++) tr_dw3x3w_at(p, &r, in_b, fw, dense, out_b, oy, ox, out_w, in_h, in_w, st_h, ST_W, pt, pl, SH, SW, C, mode, zp, lo, hi);
      } else {
        int32_t ox = out_w - 1;
        for (; ox >= hi_p; ox--) tr_dw3x3w_at(p, &r, in_b, fw, dense, out_b, oy, ox, out_w, in_h, in_w, st_h, ST_W, pt, pl, SH, SW, C, mode, zp, lo, hi);
        for (; ox - 1 >= lo_p; ox -= 2) {
          int8_t *op = out_b + (oy * out_w + ox - 1) * C;
          tr_dw3x3w_pair(&r, bias, in_b + iy0 * SH + ((ox - 1) * ST_W - pl) * SW, fw, dense, op, op + C, SH, SW, ST_W, C, mode, zp, lo, hi);
        }
        for (; ox >= 0; ox--) tr_dw3x3w_at(p, &r, in_b, fw, dense, out_b, oy, ox, out_w, in_h, in_w, st_h, ST_W, pt, pl, SH, SW, C, mode, zp, lo, hi);
      }
    }
  }
}

#endif
