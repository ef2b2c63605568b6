/* DEPTHWISE_CONV_2D int8 3x3 (depth multiplier 1, no dilation), specialised per layer: the
 * generator emits one small function per such layer that calls tr_dw3x3_layer() with the
 * layer's strides and channel count as literals, so every tap of an interior pixel is a load
 * at an immediate offset from one pointer and the requantization arithmetic is fixed (no
 * registers spent on strides, no spills). Border pixels go to the library kernel's
 * per-pixel path (tr_depthwise_conv2d_s8_fast_pixel). Needs the optimized-variant fields
 * (bias_folded, pad_row, filter_packed). Results are those of tr_depthwise_conv2d_s8. */
#ifndef TR_DWCONV_SPEC_H
#define TR_DWCONV_SPEC_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_simd.h"

static inline __attribute__((always_inline)) void tr_dw3x3_interior(
    const tr_dwconv_s8_params_t *p, const tr_requant_t *r, const int8_t *x, const int8_t *dense_filter, int8_t *op,
    const int32_t SH, const int32_t SW, const int32_t C, const int mode) {
  const int8_t *const x0 = x;
  const int32_t zp = r->zp, lo = r->lo, hi = r->hi;
  const int8_t *f = p->filter_packed;
  const int32_t *bias = p->bias_folded;
  /* without the DSP extension the per-channel loop below is cheaper (tr_simd.h) */
  for (int32_t c = 0; !TR_SIMD_SCALAR && c + 4 <= C; c += 4, f += 36, x += 4) {
    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
#define TR_DW_TAP(OFF, K)                                                         \
    {                                                                             \
      const uint32_t xv = tr_read4(x + (OFF)), wv = tr_read4(f + 4 * (K));        \
      const uint32_t xl = tr_sxtb16(xv), wl = tr_sxtb16(wv);                      \
      const uint32_t xh = tr_sxtb16_ror8(xv), wh = tr_sxtb16_ror8(wv);            \
      a0 = tr_smlabb(xl, wl, a0); a2 = tr_smlatt(xl, wl, a2);                     \
      a1 = tr_smlabb(xh, wh, a1); a3 = tr_smlatt(xh, wh, a3);                     \
    }
    TR_DW_TAP(0, 0) TR_DW_TAP(SW, 1) TR_DW_TAP(2 * SW, 2)
    TR_DW_TAP(SH, 3) TR_DW_TAP(SH + SW, 4) TR_DW_TAP(SH + 2 * SW, 5)
    TR_DW_TAP(2 * SH, 6) TR_DW_TAP(2 * SH + SW, 7) TR_DW_TAP(2 * SH + 2 * SW, 8)
#undef TR_DW_TAP
    /* one word store per group: a single aliasing point for the compiler */
    const uint32_t packed = (uint32_t)(uint8_t)tr_requant_m(r, a0, c, mode, zp, lo, hi) |
                            ((uint32_t)(uint8_t)tr_requant_m(r, a1, c + 1, mode, zp, lo, hi) << 8) |
                            ((uint32_t)(uint8_t)tr_requant_m(r, a2, c + 2, mode, zp, lo, hi) << 16) |
                            ((uint32_t)(uint8_t)tr_requant_m(r, a3, c + 3, mode, zp, lo, hi) << 24);
    __builtin_memcpy(op + c, &packed, 4);
  }
  /* channels past the last group of four (FDT tiles often have 5 or 6), or all of them
   * without the DSP extension: dense filter */
  for (int32_t c = TR_SIMD_SCALAR ? 0 : (C & ~3); c < C; c++) {
    const int8_t *fd = dense_filter + c;
    int32_t acc = bias[c];
    acc += (int32_t)x0[c] * fd[0] + (int32_t)x0[SW + c] * fd[C] + (int32_t)x0[2 * SW + c] * fd[2 * C];
    acc += (int32_t)x0[SH + c] * fd[3 * C] + (int32_t)x0[SH + SW + c] * fd[4 * C] + (int32_t)x0[SH + 2 * SW + c] * fd[5 * C];
    acc += (int32_t)x0[2 * SH + c] * fd[6 * C] + (int32_t)x0[2 * SH + SW + c] * fd[7 * C] + (int32_t)x0[2 * SH + 2 * SW + c] * fd[8 * C];
    op[c] = tr_requant_m(r, acc, c, mode, zp, lo, hi);
  }
}

/* Layer geometry read once (stores to int8 outputs may alias the params, so the compiler would
 * reload them per pixel). */
typedef struct { int32_t st_h, st_w, pt, pl, in_h, in_w, osh, osw; } tr_dw3x3_geom_t;

/* One output pixel: the interior path or the library's per-pixel path at the borders. */
static inline __attribute__((always_inline)) void tr_dw3x3_at(
    const tr_dwconv_s8_params_t *p, const tr_requant_t *r, const tr_dw3x3_geom_t *g, const int8_t *in_b, const int8_t *filter,
    int8_t *out_b, const int32_t oy, const int32_t ox, const int32_t SH, const int32_t SW, const int32_t C, const int mode) {
  const int32_t iy0 = oy * g->st_h - g->pt, ix0 = ox * g->st_w - g->pl;
  int8_t *op = out_b + oy * g->osh + ox * g->osw;
  if (iy0 >= 0 && iy0 + 3 <= g->in_h && ix0 >= 0 && ix0 + 3 <= g->in_w) {
    tr_dw3x3_interior(p, r, in_b + iy0 * SH + ix0 * SW, filter, op, SH, SW, C, mode);
  } else {
    tr_depthwise_conv2d_s8_fast_pixel(p, in_b, iy0, ix0, filter, op);
  }
}

/* The whole layer. SH, SW: input row / pixel strides, C: channels, all literals at the call.
 * REVERSE (a literal) walks the pixels from the last to the first, so the output may lie above
 * the input it overwrites (firmware/plan/streaming.ts); forward order allows it below. */
static inline __attribute__((always_inline)) void tr_dw3x3_layer(
    const tr_dwconv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t SH, const int32_t SW, const int32_t C, const int mode, const int REVERSE) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const tr_dw3x3_geom_t g = { p->stride_h, p->stride_w, p->pad_top, p->pad_left, p->in.h, p->in.w, p->out.sh, p->out.sw };
  const int32_t out_h = p->out.h, out_w = p->out.w;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    if (!REVERSE) {
      for (int32_t oy = 0; oy < out_h; oy++)
        for (int32_t ox = 0; ox < out_w; ox++) tr_dw3x3_at(p, &r, &g, in_b, filter, out_b, oy, ox, SH, SW, C, mode);
    } else {
      for (int32_t oy = out_h - 1; oy >= 0; oy--)
        for (int32_t ox = out_w - 1; ox >= 0; ox--) tr_dw3x3_at(p, &r, &g, in_b, filter, out_b, oy, ox, SH, SW, C, mode);
    }
  }
}
#endif
