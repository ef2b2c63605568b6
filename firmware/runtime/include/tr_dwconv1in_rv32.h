/* int8 DEPTHWISE_CONV_2D over ONE input channel (depth multiplier C: micro_speech's first
 * layer, 10x8 window, stride 2, 1 -> 8 channels), run as a conv of one input channel, for cores
 * without a DSP extension (RV32IMAC). Every output channel reads the same input bytes, so the
 * kernel walks pixels and keeps a block of channels x pixels of accumulators in registers:
 * per tap one input load serves every channel of the block and one weight load every pixel
 * (4 pixels x 4 channels: per tap 4 weight loads and the pixels' input bytes, 16 MUL, 16 ADD;
 * with stride 2 the pixels' windows overlap and the unrolled window row loads each input byte
 * once; then 2 pixels x 8 channels, then single pixels).
 *
 * Weights (kernel-layout.ts rv32Dw1inLayout): channel groups of NB (the last one holds the
 * C % NB left over), each [KH][KW][group] so a tap's weights are consecutive bytes at
 * immediate offsets.
 *
 * Padding: bias_folded (bias + input_offset * sum(w)) counts every tap as (x - in_zp) * w.
 * Window rows in the vertical padding are dropped and in_zp times their weights' sum added to
 * the row's bias (per output row and channel); pixels whose window crosses the left or right
 * edge go through a one-pixel path that sums (x - in_zp) * w over the inside taps from the
 * unfolded bias. Results are those of the reference kernel (integer sums in any order, int32
 * wrap-around).
 *
 * Order: output rows top to bottom, within a row pixel blocks left to right, every channel of a
 * block after the block's windows were read: the raster order of pixel pairs (P <= 2) that
 * firmware/plan/streaming.ts assumes of a conv; lower-scalar-depthwise.ts still only takes the
 * kernel when the plan keeps the output apart from the input. */
#ifndef TR_DWCONV1IN_RV32_H
#define TR_DWCONV1IN_RV32_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_requant_rv32.h"

/* Output channels the per-call bias tables hold (the generator checks: RV32_DW1IN_MAX_C). */
#define TR_DW1IN_MAX_C 32

/* see tr_conv_rv32.h: the pre-allocation scheduler would hoist the loads and spill */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-schedule-insns")
#endif

#define TR_DW1IN_AI static inline __attribute__((always_inline))

/* Channel c's output from its sum: the 4x rv32 requantization (tr_requant_rv32.h) or one of
 * tr_fixedpoint.h's arithmetics. */
TR_DW1IN_AI int8_t tr_dw1in_out(const tr_requant_t *r, const tr_rq32_t *rq32, int32_t acc, int32_t c, const int mode,
                                const int SIGN, int32_t zp, int32_t lo, int32_t hi) {
  if (mode == TR_RQ_RV32) return tr_rq32((int32_t)((uint32_t)acc << 2), &rq32[c], lo, hi, SIGN);
  return tr_requant_m(r, acc, c, mode, zp, lo, hi);
}

/* Two pixels (STW input bytes apart) x 8 channels over `rows` window rows from x (input) and
 * g (the block's weights at that row), both windows inside the input columns: the 16 sums from
 * the biases b[0..7] into s[0..7] (first pixel) and s[8..15]. The sums are named scalars and
 * each tap's weight is loaded right before its two MULs: 16 sums, the tap's two input bytes, a
 * weight and a product fit the 27 registers. The generator wraps it in a noinline function of
 * its own per layer (tr_dw1in_pair8_fn), so nothing of the layer's loops competes for them:
 * inlined into the layer, GCC 12 spilled 3 sums (390 instructions per window row of 128 MACs
 * against 333 without the spills). */
typedef void (*tr_dw1in_pair8_fn)(const int8_t *x, const int8_t *g, int32_t rows, const int32_t *b, int32_t *s);
#define TR_DW1IN_TAP(J) { const int32_t w = g[kx * 8 + J]; a##J += x0 * w; e##J += x1 * w; }
TR_DW1IN_AI void tr_dw1in_pair8(const int8_t *x, const int8_t *g, const int32_t rows, const int32_t *b, int32_t *s,
                                const int32_t KW, const int32_t SH, const int32_t STW) {
  int32_t a0 = b[0], a1 = b[1], a2 = b[2], a3 = b[3], a4 = b[4], a5 = b[5], a6 = b[6], a7 = b[7];
  int32_t e0 = a0, e1 = a1, e2 = a2, e3 = a3, e4 = a4, e5 = a5, e6 = a6, e7 = a7;
  const int8_t *const x_end = x + rows * SH;
  for (; x != x_end; x += SH, g += KW * 8) {
    /* a window row unrolled (KW, STW literals): immediate offsets */
#pragma GCC unroll 16
    for (int32_t kx = 0; kx < KW; kx++) {
      const int32_t x0 = x[kx], x1 = x[STW + kx];
      TR_DW1IN_TAP(0) TR_DW1IN_TAP(1) TR_DW1IN_TAP(2) TR_DW1IN_TAP(3)
      TR_DW1IN_TAP(4) TR_DW1IN_TAP(5) TR_DW1IN_TAP(6) TR_DW1IN_TAP(7)
    }
  }
  s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = a4; s[5] = a5; s[6] = a6; s[7] = a7;
  s[8] = e0; s[9] = e1; s[10] = e2; s[11] = e3; s[12] = e4; s[13] = e5; s[14] = e6; s[15] = e7;
}
#undef TR_DW1IN_TAP

/* Four pixels x 4 channels (half of an 8-channel group: g points at its first channel, the
 * group's stride of 8 stays): the 16 sums from b[0..3] into s[4p + j]. Per tap 4 weight loads
 * and the four pixels' input bytes (with stride 2, 14 distinct bytes per window row of 8 taps),
 * 16 MUL, 16 ADD: 322 instructions per window row of 128 MACs in its assembly against the pair
 * block's 340. Wrapped per layer like tr_dw1in_pair8. */
typedef void (*tr_dw1in_quad4_fn)(const int8_t *x, const int8_t *g, int32_t rows, const int32_t *b, int32_t *s);
#define TR_DW1IN_TAP4(J) { const int32_t w = g[kx * 8 + J]; a##J += x0 * w; b##J += x1 * w; c##J += x2 * w; d##J += x3 * w; }
TR_DW1IN_AI void tr_dw1in_quad4(const int8_t *x, const int8_t *g, const int32_t rows, const int32_t *bb, int32_t *s,
                                const int32_t KW, const int32_t SH, const int32_t STW) {
  int32_t a0 = bb[0], a1 = bb[1], a2 = bb[2], a3 = bb[3];
  int32_t b0 = a0, b1 = a1, b2 = a2, b3 = a3, c0 = a0, c1 = a1, c2 = a2, c3 = a3, d0 = a0, d1 = a1, d2 = a2, d3 = a3;
  const int8_t *const x_end = x + rows * SH;
  for (; x != x_end; x += SH, g += KW * 8) {
#pragma GCC unroll 16
    for (int32_t kx = 0; kx < KW; kx++) {
      const int32_t x0 = x[kx], x1 = x[STW + kx], x2 = x[2 * STW + kx], x3 = x[3 * STW + kx];
      TR_DW1IN_TAP4(0) TR_DW1IN_TAP4(1) TR_DW1IN_TAP4(2) TR_DW1IN_TAP4(3)
    }
  }
  s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = b0; s[5] = b1; s[6] = b2; s[7] = b3;
  s[8] = c0; s[9] = c1; s[10] = c2; s[11] = c3; s[12] = d0; s[13] = d1; s[14] = d2; s[15] = d3;
}
#undef TR_DW1IN_TAP4

/* One pixel x NB channels (NB <= 8), the window inside the input columns, rows ky0 .. ky1 - 1
 * inside the input rows; rb: the row's biases. */
TR_DW1IN_AI void tr_dw1in_one(const tr_requant_t *r, const tr_rq32_t *rq32, const int32_t *rb, const int8_t *x,
                              const int8_t *g, int8_t *o, const int32_t c0, const int32_t ky0, const int32_t ky1,
                              const int32_t KW, const int32_t SH, const int32_t NB,
                              const int mode, const int SIGN, int32_t zp, int32_t lo, int32_t hi) {
  int32_t a[8];
#pragma GCC unroll 8
  for (int32_t j = 0; j < NB; j++) a[j] = rb[c0 + j];
  x += ky0 * SH;
  g += ky0 * KW * NB;
  for (int32_t ky = ky0; ky < ky1; ky++, x += SH, g += KW * NB) {
#pragma GCC unroll 16
    for (int32_t kx = 0; kx < KW; kx++) {
      const int32_t x0 = x[kx];
#pragma GCC unroll 8
      for (int32_t j = 0; j < NB; j++) a[j] += x0 * g[kx * NB + j];
    }
  }
#pragma GCC unroll 8
  for (int32_t j = 0; j < NB; j++) o[c0 + j] = tr_dw1in_out(r, rq32, a[j], c0 + j, mode, SIGN, zp, lo, hi);
}

/* One pixel x NB channels over the inside taps [ky0, ky1) x [kx0, kx1): (x - in_zp) * w from
 * the unfolded biases `ball`. */
TR_DW1IN_AI void tr_dw1in_edge(const tr_requant_t *r, const tr_rq32_t *rq32, const int32_t *ball, const int8_t *x,
                               const int8_t *g, int8_t *o, const int32_t c0, const int32_t ky0, const int32_t ky1,
                               const int32_t kx0, const int32_t kx1, const int32_t in_zp, const int32_t KW, const int32_t SH,
                               const int32_t NB, const int mode, const int SIGN, int32_t zp, int32_t lo, int32_t hi) {
  int32_t a[8];
#pragma GCC unroll 8
  for (int32_t j = 0; j < NB; j++) a[j] = ball[c0 + j];
  for (int32_t ky = ky0; ky < ky1; ky++) {
    const int8_t *xr = x + ky * SH, *gr = g + ky * KW * NB;
    for (int32_t kx = kx0; kx < kx1; kx++) {
      const int32_t v = xr[kx] - in_zp;
#pragma GCC unroll 8
      for (int32_t j = 0; j < NB; j++) a[j] += v * gr[kx * NB + j];
    }
  }
#pragma GCC unroll 8
  for (int32_t j = 0; j < NB; j++) o[c0 + j] = tr_dw1in_out(r, rq32, a[j], c0 + j, mode, SIGN, zp, lo, hi);
}

/* One output row: pixel quads and pairs inside the input columns ([ox0, ox1), the generator's
 * pair8 / quad4 instances), single pixels, and the edge pixels from the unfolded biases `ball`;
 * window rows ky0 .. ky1 - 1 inside the input, xrow the input row of window row 0 (may lie above
 * the input: only rows from ky0 on are read), rb the row's biases (in_zp times the weights of
 * the window rows in the padding added). The layer walks its rows with it; a row chain calls
 * it per row with both biases as constant tables (codegen/aot/lower-row-chain-rows.ts). */
TR_DW1IN_AI void tr_dw1in_rv32_row(const tr_requant_t *r, const tr_rq32_t *rq32, const int32_t *rb, const int32_t *ball,
                                   const int8_t *xrow, const int8_t *filter, int8_t *orow, const int32_t ky0, const int32_t ky1,
                                   const int32_t ox0, const int32_t ox1, const int32_t out_w, const int32_t in_w, const int32_t pl,
                                   const int32_t in_zp, const int32_t KH, const int32_t KW, const int32_t SH, const int32_t STW,
                                   const int32_t C, const int mode, const int SIGN, tr_dw1in_pair8_fn pair8, tr_dw1in_quad4_fn quad4) {
  const int32_t zp = r->zp, lo = r->lo, hi = r->hi;
  const int32_t NBT = C % 8, GT = C - NBT; /* the last group's channels and first channel */
  for (int32_t ox = 0; ox < out_w;) {
    const int32_t ix0 = ox * STW - pl;
    int8_t *o = orow + ox * C;
    if (ox >= ox0 && ox + 3 < ox1 && GT) {
      /* four pixels: each 8-channel group in two halves of 4 channels, the channels left
       * over one pixel at a time */
      for (int32_t c0 = 0; c0 < GT; c0 += 4) {
        int32_t sums[16];
        quad4(xrow + ix0 + ky0 * SH, filter + (c0 & ~7) * KH * KW + ky0 * KW * 8 + (c0 & 4), ky1 - ky0, rb + c0, sums);
#pragma GCC unroll 4
        for (int32_t q = 0; q < 4; q++)
#pragma GCC unroll 4
          for (int32_t j = 0; j < 4; j++) o[q * C + c0 + j] = tr_dw1in_out(r, rq32, sums[4 * q + j], c0 + j, mode, SIGN, zp, lo, hi);
      }
      if (NBT)
        for (int32_t q = 0; q < 4; q++)
          tr_dw1in_one(r, rq32, rb, xrow + ix0 + q * STW, filter + GT * KH * KW, o + q * C, GT, ky0, ky1, KW, SH, NBT, mode, SIGN, zp, lo, hi);
      ox += 4;
      continue;
    }
    if (ox >= ox0 && ox + 1 < ox1) {
      /* a pixel pair: blocks of 8 channels, the channels left over one pixel at a time */
      for (int32_t c0 = 0; c0 < GT; c0 += 8) {
        int32_t sums[16];
        pair8(xrow + ix0 + ky0 * SH, filter + c0 * KH * KW + ky0 * KW * 8, ky1 - ky0, rb + c0, sums);
#pragma GCC unroll 8
        for (int32_t j = 0; j < 8; j++) {
          o[c0 + j] = tr_dw1in_out(r, rq32, sums[j], c0 + j, mode, SIGN, zp, lo, hi);
          o[C + c0 + j] = tr_dw1in_out(r, rq32, sums[8 + j], c0 + j, mode, SIGN, zp, lo, hi);
        }
      }
      if (NBT) {
        tr_dw1in_one(r, rq32, rb, xrow + ix0, filter + GT * KH * KW, o, GT, ky0, ky1, KW, SH, NBT, mode, SIGN, zp, lo, hi);
        tr_dw1in_one(r, rq32, rb, xrow + ix0 + STW, filter + GT * KH * KW, o + C, GT, ky0, ky1, KW, SH, NBT, mode, SIGN, zp, lo, hi);
      }
      ox += 2;
      continue;
    }
    if (ox >= ox0 && ox < ox1) {
      for (int32_t c0 = 0; c0 < GT; c0 += 8)
        tr_dw1in_one(r, rq32, rb, xrow + ix0, filter + c0 * KH * KW, o, c0, ky0, ky1, KW, SH, 8, mode, SIGN, zp, lo, hi);
      if (NBT)
        tr_dw1in_one(r, rq32, rb, xrow + ix0, filter + GT * KH * KW, o, GT, ky0, ky1, KW, SH, NBT, mode, SIGN, zp, lo, hi);
      ox++;
      continue;
    }
    int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > in_w ? in_w - ix0 : KW;
    if (kx1 < kx0) kx1 = kx0;
    for (int32_t c0 = 0; c0 < GT; c0 += 8)
      tr_dw1in_edge(r, rq32, ball, xrow + ix0, filter + c0 * KH * KW, o, c0, ky0, ky1, kx0, kx1, in_zp, KW, SH, 8, mode, SIGN, zp, lo, hi);
    if (NBT)
      tr_dw1in_edge(r, rq32, ball, xrow + ix0, filter + GT * KH * KW, o, GT, ky0, ky1, kx0, kx1, in_zp, KW, SH, NBT, mode, SIGN, zp, lo, hi);
    ox++;
  }
}

/* The whole layer; KH, KW, SH (input row stride = in.w), STW, C (output channels), mode and
 * SIGN literals at the call (the generator emits one small function per layer around it), and
 * pair8 / quad4 the layer's tr_dw1in_pair8 / tr_dw1in_quad4 instances (unused below 8 channels). */
TR_DW1IN_AI void tr_dw1in_rv32_layer(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
                                     const tr_rq32_t *rq32, const int32_t KH, const int32_t KW, const int32_t SH,
                                     const int32_t STW, const int32_t C, const int mode, const int SIGN, tr_dw1in_pair8_fn pair8,
                                     tr_dw1in_quad4_fn quad4) {
  const int32_t in_h = p->in.h, in_w = p->in.w, out_h = p->out.h, out_w = p->out.w, osh = p->out.sh;
  const int32_t sth = p->stride_h, pt = p->pad_top, pl = p->pad_left, in_zp = -p->input_offset;
  const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, zp, lo, hi };
  const int32_t NBT = C % 8, GT = C - NBT; /* the last group's channels and first channel */
  /* per channel: the unfolded bias (the reference's bias; edge pixels sum (x - in_zp) * w) */
  int32_t ball[TR_DW1IN_MAX_C], rb[TR_DW1IN_MAX_C];
  for (int32_t c = 0; c < C; c++) {
    const int32_t nb = c < GT ? 8 : NBT;
    const int8_t *g = filter + (c < GT ? (c / 8) * 8 : GT) * KH * KW + c % 8;
    uint32_t all = 0;
    for (int32_t t = 0; t < KH * KW; t++) all += (uint32_t)g[t * nb];
    ball[c] = (int32_t)((uint32_t)p->bias_folded[c] + (uint32_t)in_zp * all);
  }
  int32_t rb_ky0 = -1, rb_ky1 = -1;
  /* output columns whose window lies inside the input columns: [ox0, ox1) */
  int32_t ox0, ox1;
  tr_inside_outputs(pl, STW, in_w, KW, out_w, &ox0, &ox1);
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    for (int32_t oy = 0; oy < out_h; oy++) {
      const int32_t iy0 = oy * sth - pt;
      int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + KH > in_h ? in_h - iy0 : KH;
      if (ky1 < ky0) ky1 = ky0;
      /* the row's biases: window rows in the padding read in_zp (recomputed when those rows
       * change: the border rows only) */
      if (ky0 != rb_ky0 || ky1 != rb_ky1) {
        for (int32_t c = 0; c < C; c++) {
          const int32_t nb = c < GT ? 8 : NBT;
          const int8_t *g = filter + (c < GT ? (c / 8) * 8 : GT) * KH * KW + c % 8;
          uint32_t outside = 0;
          for (int32_t ky = 0; ky < KH; ky++)
            if (ky < ky0 || ky >= ky1)
              for (int32_t kx = 0; kx < KW; kx++) outside += (uint32_t)g[(ky * KW + kx) * nb];
          rb[c] = (int32_t)((uint32_t)p->bias_folded[c] + (uint32_t)in_zp * outside);
        }
        rb_ky0 = ky0; rb_ky1 = ky1;
      }
      const int8_t *xrow = in_b + iy0 * SH;
      int8_t *orow = out_b + oy * osh;
      tr_dw1in_rv32_row(&r, rq32, rb, ball, xrow, filter, orow, ky0, ky1, ox0, ox1, out_w, in_w, pl, in_zp, KH, KW, SH, STW, C,
                        mode, SIGN, pair8, quad4);
    }
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#endif
