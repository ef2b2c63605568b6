/* int8 CONV_2D (any window, no dilation), 1x1 conv and FULLY_CONNECTED for cores without a
 * DSP extension (RV32IMAC, Cortex-M0): the optimize 'speed' kernels there. Such a core has no
 * packed multiply, so a MAC costs a MUL and an ADD at best; what register blocking saves is
 * the loads and the loop overhead. Two output pixels x eight output channels per step: one
 * input byte load serves 8 channels, one weight byte load serves 2 pixels (10 loads per 16
 * MACs), 16 accumulators + 2 inputs + 1 weight + 4 pointers fit RV32's 31 registers (counted
 * in riscv64-unknown-elf-gcc 12.2 -O2 assembly: 89 instructions per 32 MACs in the 8 x 2 inner
 * loop, the loop bound its only stack access; 2.78 per MAC, see tr_rv_dot8x2_rows).
 *
 * Two pixels, not four: the streaming plan (firmware/plan/streaming.ts) lets a conv's output
 * overwrite its input with a lag of 2 output pixels (reads of a pair may come before its
 * writes), so pairs need no new lag.
 *
 * No im2col: the window of a pixel is kernel_h rows of kernel_w * in.c contiguous bytes
 * (NHWC, dense pixels), each run against its slice of the filter row. Taps in the padding
 * read pad_row (copies of the input zero point: they add 0 on top of bias_folded, where the
 * generator folded the input offset in).
 *
 * Weights (generator: kernel-layout.ts rv32BlockLayout): the OHWI rows (K = kernel_h *
 * kernel_w * in.c values each) in blocks of 8 output channels, then one block of 4 when at
 * least 4 are left, then the remaining rows unchanged; within a block, per k, the block's
 * channels' weights side by side, so one pointer walks them with immediate offsets.
 * Results are those of the reference kernels (integer sums in any order, int32 wrap-around). */
#ifndef TR_CONV_RV32_H
#define TR_CONV_RV32_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

#define TR_RV_AI static inline __attribute__((always_inline))

/* GCC's pre-allocation scheduler (on at -O2 for RISC-V) hoists all 16 weight loads of an
 * unrolled step ahead of the multiplies and then spills accumulators: measured on
 * riscv64-unknown-elf-gcc 12.2, 877 stack accesses in the 1x1 instance with it, 532 without,
 * and none but the loop bound left in the 8 x 2 inner loop. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-schedule-insns")
#endif

/* One input index of the 8 x 2 block: acc a0..a7 (pixel 0, input P) and b0..b7 (pixel 1,
 * input Q) += the 8 channels' weights at W. */
#define TR_RV_STEP8X2(P, Q, W)                                                     \
  {                                                                                \
    const int32_t p = (P), q = (Q);                                                \
    int32_t t;                                                                     \
    t = (W)[0]; a0 += p * t; b0 += q * t; t = (W)[1]; a1 += p * t; b1 += q * t;    \
    t = (W)[2]; a2 += p * t; b2 += q * t; t = (W)[3]; a3 += p * t; b3 += q * t;    \
    t = (W)[4]; a4 += p * t; b4 += q * t; t = (W)[5]; a5 += p * t; b5 += q * t;    \
    t = (W)[6]; a6 += p * t; b6 += q * t; t = (W)[7]; a7 += p * t; b7 += q * t;    \
  }

/* acc[0..8) += pixel 0's inputs . the 8 channels' weights, acc[8..16) the same for pixel 1,
 * over nrows window rows of L inputs each (row r at x0s[r] / x1s[r]), the weights of the rows
 * one after the other (w: 8 interleaved per input). The accumulators stay in registers across
 * the rows (a call per row would load and store all 16 of them: about 20 % more on 10x4
 * windows). Two inputs per loop turn halve the pointer and branch overhead; an odd L ends with
 * one. */
TR_RV_AI void tr_rv_dot8x2_rows(const int8_t *const *x0s, const int8_t *const *x1s, const int32_t nrows, const int8_t *w,
                                const int32_t L, int32_t *acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
  int32_t b0 = acc[8], b1 = acc[9], b2 = acc[10], b3 = acc[11], b4 = acc[12], b5 = acc[13], b6 = acc[14], b7 = acc[15];
  for (int32_t row = 0; row < nrows; row++) {
    const int8_t *x0 = x0s[row], *x1 = x1s[row];
    const int8_t *const wend = w + 8 * (L & ~1);
    while (w != wend) {
      TR_RV_STEP8X2(x0[0], x1[0], w)
      TR_RV_STEP8X2(x0[1], x1[1], w + 8)
      x0 += 2; x1 += 2; w += 16;
    }
    if (L & 1) { TR_RV_STEP8X2(x0[0], x1[0], w) w += 8; }
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5; acc[6] = a6; acc[7] = a7;
  acc[8] = b0; acc[9] = b1; acc[10] = b2; acc[11] = b3; acc[12] = b4; acc[13] = b5; acc[14] = b6; acc[15] = b7;
}
#undef TR_RV_STEP8X2

/* acc[0..8) += x0 . w-column (one pixel: a fully-connected row, an odd or border pixel). */
TR_RV_AI void tr_rv_dot8x1(const int8_t *x0, const int8_t *w, int32_t n, int32_t *acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
#define TR_RV_STEP8X1(P, W)                                                        \
  {                                                                                \
    const int32_t p = (P);                                                         \
    a0 += p * (W)[0]; a1 += p * (W)[1]; a2 += p * (W)[2]; a3 += p * (W)[3];        \
    a4 += p * (W)[4]; a5 += p * (W)[5]; a6 += p * (W)[6]; a7 += p * (W)[7];        \
  }
  const int8_t *const wend = w + 8 * (n & ~1);
  while (w != wend) {
    TR_RV_STEP8X1(x0[0], w)
    TR_RV_STEP8X1(x0[1], w + 8)
    x0 += 2; w += 16;
  }
  if (n & 1) TR_RV_STEP8X1(x0[0], w)
#undef TR_RV_STEP8X1
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5; acc[6] = a6; acc[7] = a7;
}

/* The block of 4 channels (w: n x 4 interleaved): acc[0..4) pixel 0, acc[4..8) pixel 1
 * (PAIR = 0: pixel 0 only). */
TR_RV_AI void tr_rv_dot4(const int8_t *x0, const int8_t *x1, const int8_t *w, int32_t n, int32_t *acc, const int PAIR) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], b0 = acc[4], b1 = acc[5], b2 = acc[6], b3 = acc[7];
  for (const int8_t *const wend = w + 4 * n; w != wend; w += 4) {
    const int32_t p = *x0++;
    const int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
    a0 += p * w0; a1 += p * w1; a2 += p * w2; a3 += p * w3;
    if (PAIR) { const int32_t q = *x1++; b0 += q * w0; b1 += q * w1; b2 += q * w2; b3 += q * w3; }
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
  if (PAIR) { acc[4] = b0; acc[5] = b1; acc[6] = b2; acc[7] = b3; }
}

/* One channel's row (w: n contiguous): acc[0] pixel 0, acc[1] pixel 1 (PAIR = 0: pixel 0 only). */
TR_RV_AI void tr_rv_dot1(const int8_t *x0, const int8_t *x1, const int8_t *w, int32_t n, int32_t *acc, const int PAIR) {
  int32_t a = acc[0], b = acc[1];
  for (int32_t k = 0; k < n; k++) { a += x0[k] * w[k]; if (PAIR) b += x1[k] * w[k]; }
  acc[0] = a;
  if (PAIR) acc[1] = b;
}

/* One channel's requantization constants as locals (tr_requant_m on `r` then reads them at
 * index 0): int8 stores may alias anything, so read through the params they would be
 * reloaded after every output. Also used by tr_dwconv_rv32.h. */
typedef struct {
  tr_rq_t q;
  float fs;
  int32_t m, s;
  tr_requant_t r;
} tr_rv_channel_rq_t;
#define TR_RV_CHANNEL_RQ(L, SRC, C, MODE)                                           \
  do {                                                                             \
    (L).q = (tr_rq_t){ 0, 0, 0 }; (L).fs = 0.0f; (L).m = 0; (L).s = 0;            \
    if ((MODE) == TR_RQ_SINGLE) (L).q = (SRC)->rq[C];                              \
    else if ((MODE) == TR_RQ_FP32) (L).fs = (SRC)->fscale[C];                      \
    else { (L).m = (SRC)->mult[C]; (L).s = (SRC)->shift[C]; }                      \
    (L).r = (tr_requant_t){ &(L).q, &(L).fs, &(L).m, &(L).s, (SRC)->zp, (SRC)->lo, (SRC)->hi }; \
  } while (0)

/* Channel c of one pixel (PAIR = 0) or two: the channel's constants read once for both. */
TR_RV_AI void tr_rv_requant(const tr_requant_t *r, const int32_t a0, const int32_t a1, const int32_t c, int8_t *o0, int8_t *o1,
                            const int mode, const int32_t zp, const int32_t lo, const int32_t hi, const int PAIR) {
  tr_rv_channel_rq_t l;
  TR_RV_CHANNEL_RQ(l, r, c, mode);
  const int8_t v0 = tr_requant_m(&l.r, a0, 0, mode, zp, lo, hi);
  if (PAIR) {
    const int8_t v1 = tr_requant_m(&l.r, a1, 0, mode, zp, lo, hi);
    *o1 = v1;
  }
  *o0 = v0;
}

/* The window rows of one or two pixels: per filter row ky, x0[ky] / x1[ky] point at the
 * first input tap of the row (NULL: the row lies in the vertical padding, all taps read
 * pad_row); taps kx0 .. kx1 - 1 of every row lie inside the input, the others in the
 * horizontal padding. A pixel pair always has kx0 = 0, kx1 = KW and its rows in the vertical
 * padding point at pad_row itself (never NULL): every row is a whole run. 16 rows: 136 bytes of stack. */
#define TR_RV_MAX_KH 16
typedef struct {
  const int8_t *x0[TR_RV_MAX_KH], *x1[TR_RV_MAX_KH];
  int32_t kx0, kx1;
} tr_rv_window_t;

/* Every output channel of one pixel (PAIR = 0) or two (PAIR = 1) over its window. Each filter
 * row splits into up to three runs (left padding, inside, right padding), each run one call of
 * the block's dot product against the matching slice of the block's weights. */
TR_RV_AI void tr_rv_channels(const tr_requant_t *r, const int32_t *bias, const tr_rv_window_t *win, const int8_t *pad_row,
                             const int8_t *filter, int8_t *o0, int8_t *o1, const int32_t KH, const int32_t KW, const int32_t CIN,
                             const int32_t C, const int mode, const int PAIR) {
  const int32_t zp = r->zp, lo = r->lo, hi = r->hi;
  const int32_t L = KW * CIN, K = KH * L;
  const int32_t a = win->kx0 * CIN, e = win->kx1 * CIN;
  const int8_t *w = filter;
  int32_t oc = 0;
/* DOT(x0, x1, offset in the filter row, length) for every run of the window */
#define TR_RV_RUNS(DOT)                                              \
  for (int32_t ky = 0; ky < KH; ky++) {                              \
    const int8_t *const y0 = win->x0[ky], *const y1 = win->x1[ky];   \
    if (!y0) { DOT(pad_row, pad_row, ky * L, L) continue; }          \
    if (a > 0) { DOT(pad_row, pad_row, ky * L, a) }                  \
    DOT(y0, y1, ky * L + a, e - a)                                   \
    if (e < L) { DOT(pad_row + e, pad_row + e, ky * L + e, L - e) }  \
  }
  for (; oc + 8 <= C; oc += 8, w += 8 * K) {
    int32_t acc[16];
    for (int32_t j = 0; j < 8; j++) acc[j] = acc[8 + j] = bias[oc + j];
    /* a pair's window has no horizontal padding: whole rows, weights contiguous */
    if (PAIR) tr_rv_dot8x2_rows(win->x0, win->x1, KH, w, L, acc);
    else {
#define TR_RV_DOT8(X0, X1, OFF, LEN) (void)(X1); tr_rv_dot8x1((X0), w + 8 * (OFF), (LEN), acc);
      TR_RV_RUNS(TR_RV_DOT8)
#undef TR_RV_DOT8
    }
    for (int32_t j = 0; j < 8; j++) tr_rv_requant(r, acc[j], acc[8 + j], oc + j, o0 + oc + j, o1 + oc + j, mode, zp, lo, hi, PAIR);
  }
  if (C - oc >= 4) {
    int32_t acc[8];
    for (int32_t j = 0; j < 4; j++) acc[j] = acc[4 + j] = bias[oc + j];
#define TR_RV_DOT4(X0, X1, OFF, LEN) tr_rv_dot4((X0), (X1), w + 4 * (OFF), (LEN), acc, PAIR);
    TR_RV_RUNS(TR_RV_DOT4)
#undef TR_RV_DOT4
    for (int32_t j = 0; j < 4; j++) tr_rv_requant(r, acc[j], acc[4 + j], oc + j, o0 + oc + j, o1 + oc + j, mode, zp, lo, hi, PAIR);
    oc += 4; w += 4 * K;
  }
  /* Written as a count rather than oc < C: with a literal C GCC would otherwise analyse the
   * loop past the array end (-Waggressive-loop-optimizations) where the tail is empty. */
  for (int32_t t = C - oc; t > 0; t--, oc++, w += K) {
    int32_t acc[2] = { bias[oc], bias[oc] };
#define TR_RV_DOT1(X0, X1, OFF, LEN) tr_rv_dot1((X0), (X1), w + (OFF), (LEN), acc, PAIR);
    TR_RV_RUNS(TR_RV_DOT1)
#undef TR_RV_DOT1
    tr_rv_requant(r, acc[0], acc[1], oc, o0 + oc, o1 + oc, mode, zp, lo, hi, PAIR);
  }
#undef TR_RV_RUNS
}

/* P rows of K inputs (a 1x1 stride-1 conv's pixels, a fully-connected layer's batches) ->
 * P rows of C outputs, in pairs; REVERSE walks from the last row (an odd last row first), for
 * a streaming plan that puts the output above the input (tr_conv_spec.h does the same). */
TR_RV_AI void tr_rv_gemm(const tr_requant_t *r, const int32_t *bias, const int8_t *in, const int8_t *filter, int8_t *out,
                         const int32_t P, const int32_t K, const int32_t C, const int mode, const int REVERSE) {
  tr_rv_window_t win;
  win.kx0 = 0; win.kx1 = 1;
  /* a row of K values is a 1 x 1 window of K channels (pad_row is never read) */
#define TR_RV_ROWS(PX, PAIR)                                                                \
  win.x0[0] = in + (PX) * K; win.x1[0] = in + ((PX) + (PAIR)) * K;                          \
  tr_rv_channels(r, bias, &win, NULL, filter, out + (PX) * C, out + ((PX) + (PAIR)) * C, 1, 1, K, C, mode, (PAIR));
  if (!REVERSE) {
    int32_t px = 0;
    for (; px + 2 <= P; px += 2) { TR_RV_ROWS(px, 1) }
    if (px < P) { TR_RV_ROWS(px, 0) }
  } else {
    int32_t px = P;
    if (P & 1) { px--; TR_RV_ROWS(px, 0) }
    for (px -= 2; px >= 0; px -= 2) { TR_RV_ROWS(px, 1) }
  }
#undef TR_RV_ROWS
}

TR_RV_AI void tr_conv1x1_rv32_layer(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
                                    const int32_t P, const int32_t K, const int32_t C, const int mode, const int REVERSE) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  tr_rv_gemm(&r, p->bias_folded, in, filter, out, P, K, C, mode, REVERSE);
}

TR_RV_AI void tr_fc_rv32_layer(const tr_fc_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
                               const int32_t B, const int32_t K, const int32_t C, const int mode) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  tr_rv_gemm(&r, p->bias_folded, in, filter, out, B, K, C, mode, 0);
}

/* The whole layer: KH, KW, CIN (kernel_h, kernel_w, in.c) and C (out.c) literals at the call;
 * dense NHWC pixels (in.sw == CIN), no dilation, KH <= TR_RV_MAX_KH. Output pixels in raster
 * order, two at a time where both windows lie inside the input columns (rows in the vertical
 * padding read pad_row), one at a time at the left and right borders. */
TR_RV_AI void tr_conv_rv32_layer(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
                                 const int32_t KH, const int32_t KW, const int32_t CIN, const int32_t C, const int mode) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t sth = p->stride_h, stw = p->stride_w, pt = p->pad_top, pl = p->pad_left;
  const int32_t in_h = p->in.h, in_w = p->in.w, in_sh = p->in.sh, out_h = p->out.h, out_w = p->out.w;
  const int32_t osh = p->out.sh, osw = p->out.sw;
  const int32_t *const bias = p->bias_folded;
  const int8_t *const pad_row = p->pad_row;
  tr_rv_window_t win;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    for (int32_t oy = 0; oy < out_h; oy++) {
      const int32_t iy0 = oy * sth - pt;
      int8_t *orow = out_b + oy * osh;
      int32_t ox = 0;
      while (ox < out_w) {
        const int32_t ix0 = ox * stw - pl;
        const int inside0 = ix0 >= 0 && ix0 + KW <= in_w;
        const int pair = inside0 && ox + 1 < out_w && ix0 + stw + KW <= in_w;
        /* taps inside the input columns (a window may lie wholly in the padding) */
        int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > in_w ? in_w - ix0 : KW;
        if (kx1 < kx0) kx1 = kx0;
        win.kx0 = kx0; win.kx1 = kx1;
        for (int32_t ky = 0; ky < KH; ky++) {
          const int32_t iy = iy0 + ky;
          if (iy < 0 || iy >= in_h || kx1 == kx0) { win.x0[ky] = win.x1[ky] = pair ? pad_row : NULL; continue; }
          win.x0[ky] = in_b + iy * in_sh + (ix0 + kx0) * CIN;
          win.x1[ky] = win.x0[ky] + stw * CIN;
        }
        if (pair) {
          tr_rv_channels(&r, bias, &win, pad_row, filter, orow + ox * osw, orow + (ox + 1) * osw, KH, KW, CIN, C, mode, 1);
          ox += 2;
        } else {
          tr_rv_channels(&r, bias, &win, pad_row, filter, orow + ox * osw, orow + ox * osw, KH, KW, CIN, C, mode, 0);
          ox += 1;
        }
      }
    }
  }
}

/* One instance per requantization arithmetic, shared by every layer of the model: the loops
 * gain nothing from literal sizes (the dot products run over counts anyway), and a per-layer
 * copy of this code would cost kilobytes of flash per layer. noipa: no per-call-site clones
 * either (and GCC 12's IPA constant propagation once dropped calls of kernels like these,
 * see lower-conv.ts). */
#define TR_RV_INSTANCES(SUFFIX, MODE)                                                                     \
  static __attribute__((noinline, noipa, unused)) void tr_conv_rv32_##SUFFIX(                            \
      const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,                  \
      int32_t KH, int32_t KW, int32_t CIN, int32_t C) {                                                   \
    tr_conv_rv32_layer(p, in, filter, out, KH, KW, CIN, C, MODE);                                         \
  }                                                                                                       \
  static __attribute__((noinline, noipa, unused)) void tr_conv1x1_rv32_##SUFFIX(                          \
      const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,                  \
      int32_t P, int32_t K, int32_t C, int reverse) {                                                     \
    if (reverse) tr_conv1x1_rv32_layer(p, in, filter, out, P, K, C, MODE, 1);                             \
    else tr_conv1x1_rv32_layer(p, in, filter, out, P, K, C, MODE, 0);                                     \
  }                                                                                                       \
  static __attribute__((noinline, noipa, unused)) void tr_fc_rv32_##SUFFIX(                               \
      const tr_fc_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,                    \
      int32_t B, int32_t K, int32_t C) {                                                                  \
    tr_fc_rv32_layer(p, in, filter, out, B, K, C, MODE);                                                  \
  }
TR_RV_INSTANCES(mbqm, TR_RQ_MBQM)
TR_RV_INSTANCES(single, TR_RQ_SINGLE)
TR_RV_INSTANCES(fp32, TR_RQ_FP32)
#undef TR_RV_INSTANCES

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#undef TR_RV_AI
#endif
