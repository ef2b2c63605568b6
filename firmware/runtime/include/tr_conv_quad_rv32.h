/* int8 CONV_2D (any window, no dilation) and 1x1 conv for cores without a DSP extension
 * (RV32IMAC): four output pixels x four output channels per step, one copy of the code per
 * layer with every size a literal. The faster sibling of tr_conv_rv32.h (2 pixels x 8
 * channels, one shared instance): per input index k, 4 input and 4 weight loads serve 16 MACs
 * (8 per 16 instead of 10), and because the pixel stride, the row stride and the row length
 * are literals, all four pixels and all window rows are read through ONE pointer with
 * immediate offsets, the weights through another: per 4 input indices 16 + 16 loads, 64
 * MUL/ADD and 3 pointer/branch instructions (riscv64-unknown-elf-gcc 12.2 -O2 -march=rv32imac:
 * 168 instructions per 64 MACs in the 1x1 layers of aww and vww, 250 per 96 in resnet's 3x3
 * layers: 2.6 per MAC; QUAD_PER_K in lower-scalar.ts). The 16 accumulators start from the bias
 * and are requantized straight from the registers, no accumulator array in memory.
 *
 * Units of four pixels: reads of a quad's inputs (for the next channel block) follow writes of
 * its outputs (of the previous block), so when the plan overlaps the output with the input the
 * generator only picks this kernel when the output lies at least the lag of the units it walks
 * (quads, pairs, single pixels) below the input (rv32-quad-walk.ts checks the plan's offsets;
 * firmware/plan/streaming.ts' rule for CONV_2D gives the 2-pixel lag of tr_conv_rv32.h).
 * Always forwards.
 *
 * Where a quad's four windows do not all lie inside the input, a pair of pixels with the same
 * loop when two do (2.8 per MAC); border quads (tr_rvq_borders_t, where the generator gives
 * them) for the first and last output rows and, four rows at a time, the first and last output
 * columns: the same loop over the window rows or columns inside only, from a bias that already
 * holds what the others would add (resnet's 8 x 8 3x3 layer: 44 % of its pixels were single);
 * else one pixel at a time (corners, what the border quads leave), its window split into runs
 * (left padding, inside, right padding) like tr_conv_rv32.h; padding taps read pad_row (input
 * zero points: they add 0 on top of bias_folded). A residual block's rows run the one-row form
 * of this walker instead (tr_conv_quad_row_rv32.h: per row window its own border units).
 *
 * Weights (kernel-layout.ts rv32QuadLayout): the OHWI rows (K = KH * KW * CIN each) in blocks
 * of 4 output channels, the last block padded with zero rows to 4; within a block column-major
 * over the window (per column l of the L = KW * CIN of a window row, per row ky), the four
 * channels' weights side by side. The padded channels are computed and never stored.
 * Results are those of the reference kernels (integer sums in any order, int32 wrap-around). */
#ifndef TR_CONV_QUAD_RV32_H
#define TR_CONV_QUAD_RV32_H
#include "tr_conv_rv32.h"
#include "tr_requant_rv32.h"

#define TR_RVQ_AI static inline __attribute__((always_inline))

/* The generator's per-layer function that calls a layer below: the layer is inlined into it,
 * so the pragma below (which covers only functions defined in this header) must be repeated on
 * it. no-schedule-insns: see tr_conv_rv32.h (the 1x1 64 -> 64 instance: 130 stack accesses
 * with it, 558 without). no-tree-loop-optimize: with the tree loop passes GCC 12 spilled
 * accumulators in the quad loop whenever the pixel stride was small (3x3 over 3 or 4 input
 * channels: 320 and 354 instructions per 96 MACs, 88 and 118 of them stack accesses; 250 and
 * 7 without them, as in the instances with wider pixels). */
#if defined(__GNUC__) && !defined(__clang__)
#define TR_RVQ_LAYER_FN static __attribute__((noinline, noipa, optimize("no-schedule-insns", "no-tree-loop-optimize"))) void
#else
#define TR_RVQ_LAYER_FN static __attribute__((noinline)) void
#endif

/* Same reason as in tr_conv_rv32.h: the pre-allocation scheduler hoists the weight loads of
 * the unrolled steps and spills accumulators. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-schedule-insns", "no-tree-loop-optimize")
#endif

/* One input index: the block's 4 weights at W[WO .. WO + 3], pixel j's input at X[XO + j * PXS]. */
#define TR_RVQ_STEP(X, XO, W, WO)                                                         \
  {                                                                                       \
    const int32_t w0 = (W)[(WO)], w1 = (W)[(WO) + 1], w2 = (W)[(WO) + 2], w3 = (W)[(WO) + 3]; \
    int32_t p;                                                                            \
    p = (X)[(XO)];           a00 += p * w0; a01 += p * w1; a02 += p * w2; a03 += p * w3;  \
    p = (X)[(XO) + PXS];     a10 += p * w0; a11 += p * w1; a12 += p * w2; a13 += p * w3;  \
    if (NPIX > 2) {                                                                       \
      p = (X)[(XO) + 2 * PXS]; a20 += p * w0; a21 += p * w1; a22 += p * w2; a23 += p * w3; \
      p = (X)[(XO) + 3 * PXS]; a30 += p * w0; a31 += p * w1; a32 += p * w2; a33 += p * w3; \
    }                                                                                     \
  }
/* Input column O of the window rows KY0 .. KY1 - 1 (RS apart, the first at xr): weights
 * (O * KH + ky) * 4 on. Written out for up to TR_RV_MAX_KH rows rather than as a loop: the
 * layer functions are built without GCC's tree loop passes (see TR_RVQ_LAYER_FN), which also
 * do the unrolling. */
#define TR_RVQ_ROW(O, KY) if ((KY) < KH && (KY) >= KY0 && (KY) < KY1) TR_RVQ_STEP(xr, ((KY) - KY0) * RS + (O), w, 4 * ((O) * KH + (KY)))
#define TR_RVQ_COLUMN(O) { TR_RVQ_ROW(O, 0) TR_RVQ_ROW(O, 1) TR_RVQ_ROW(O, 2) TR_RVQ_ROW(O, 3) TR_RVQ_ROW(O, 4) TR_RVQ_ROW(O, 5) TR_RVQ_ROW(O, 6) TR_RVQ_ROW(O, 7) TR_RVQ_ROW(O, 8) TR_RVQ_ROW(O, 9) TR_RVQ_ROW(O, 10) TR_RVQ_ROW(O, 11) TR_RVQ_ROW(O, 12) TR_RVQ_ROW(O, 13) TR_RVQ_ROW(O, 14) TR_RVQ_ROW(O, 15) }

/* Requantizes channel j of the NPIX pixels (its constants read once) and stores the outputs
 * that exist (N: channels of the block that are real). TR_RQ_RV32: tr_requant_rv32.h's form on
 * 4 * acc (one shift each: the weights are int8, the 4 cannot go into them), the values kept
 * in int32 down to the byte store. */
#define TR_RVQ_RQ32(A) tr_rq32_clamp(tr_rq32_value((int32_t)((uint32_t)(A) << 2), qm, qa, qs, SIGN), lo, hi)
#define TR_RVQ_OUT(J, A0, A1, A2, A3)                                                     \
  if ((J) < N && mode == TR_RQ_RV32) {                                                    \
    const int32_t qm = q32[oc + (J)].mult, qa = q32[oc + (J)].add, qs = q32[oc + (J)].sh; \
    const int32_t v0 = TR_RVQ_RQ32(A0), v1 = TR_RVQ_RQ32(A1);                             \
    if (NPIX > 2) {                                                                       \
      const int32_t v2 = TR_RVQ_RQ32(A2), v3 = TR_RVQ_RQ32(A3);                           \
      o[2 * OPS + oc + (J)] = (int8_t)v2; o[3 * OPS + oc + (J)] = (int8_t)v3;             \
    }                                                                                     \
    o[oc + (J)] = (int8_t)v0; o[OPS + oc + (J)] = (int8_t)v1;                             \
  } else if ((J) < N) {                                                                   \
    tr_rv_channel_rq_t l;                                                                 \
    TR_RV_CHANNEL_RQ(l, r, oc + (J), mode);                                               \
    const int8_t v0 = tr_requant_m(&l.r, (A0), 0, mode, zp, lo, hi);                      \
    const int8_t v1 = tr_requant_m(&l.r, (A1), 0, mode, zp, lo, hi);                      \
    if (NPIX > 2) {                                                                       \
      const int8_t v2 = tr_requant_m(&l.r, (A2), 0, mode, zp, lo, hi);                    \
      const int8_t v3 = tr_requant_m(&l.r, (A3), 0, mode, zp, lo, hi);                    \
      o[2 * OPS + oc + (J)] = v2; o[3 * OPS + oc + (J)] = v3;                             \
    }                                                                                     \
    o[oc + (J)] = v0; o[OPS + oc + (J)] = v1;                                             \
  }

/* One block of N (<= 4) channels starting at oc for NPIX (4: a quad, or 2: a pair, where a
 * row has no room for a quad) pixels whose window row ky starts at x + (ky - KY0) * RS (pixel j
 * further at + j * PXS), rows KY0 .. KY1 - 1 of the KH (the others in the padding: a border
 * quad, whose bias leaves their taps out), L inputs of each; w: the block's weights from its
 * first column read on. Outputs: pixel j's channel c at o[j * OPS + c]. */
TR_RVQ_AI void tr_rvq_block(const tr_requant_t *r, const int32_t *bias, const int8_t *x, const int8_t *w, int8_t *o,
                            const int32_t oc, const int32_t N, const int32_t PXS, const int32_t RS, const int32_t KH,
                            const int32_t KY0, const int32_t KY1, const int32_t L, const int32_t OPS, const int32_t NPIX,
                            const int mode, const int32_t zp, const int32_t lo, const int32_t hi, const tr_rq32_t *q32,
                            const int SIGN) {
  const int32_t b0 = bias[oc], b1 = N > 1 ? bias[oc + 1] : 0, b2 = N > 2 ? bias[oc + 2] : 0, b3 = N > 3 ? bias[oc + 3] : 0;
  int32_t a00 = b0, a01 = b1, a02 = b2, a03 = b3, a10 = b0, a11 = b1, a12 = b2, a13 = b3;
  int32_t a20 = b0, a21 = b1, a22 = b2, a23 = b3, a30 = b0, a31 = b1, a32 = b2, a33 = b3;
  /* Column-major over the window: one loop over the L columns of a row with all KH rows per
   * column (immediate offsets ky * RS), the weights laid out to match. A loop per row nested in
   * a loop over the rows instead made GCC spill accumulators: 239 instructions per 64 MACs, 83
   * of them stack accesses, in the 3x3 16 -> 16 instance (168 in a 1x1 one). Columns per turn:
   * enough for 4 input indices. */
  const int32_t NR = KY1 - KY0;
  const int32_t U = NR >= 4 ? 1 : NR >= 2 ? 2 : 4;
  const int8_t *xr = x;
  const int8_t *const wend = w + 4 * KH * (L - L % U);
  while (w != wend) {
    TR_RVQ_COLUMN(0) if (U > 1) TR_RVQ_COLUMN(1) if (U > 2) { TR_RVQ_COLUMN(2) TR_RVQ_COLUMN(3) }
    xr += U; w += 4 * KH * U;
  }
  /* L and KH are literals: the last columns compile to straight-line code or to nothing */
  if (L % U > 0) TR_RVQ_COLUMN(0)
  if (L % U > 1) TR_RVQ_COLUMN(1)
  if (L % U > 2) TR_RVQ_COLUMN(2)
  TR_RVQ_OUT(0, a00, a10, a20, a30)
  TR_RVQ_OUT(1, a01, a11, a21, a31)
  TR_RVQ_OUT(2, a02, a12, a22, a32)
  TR_RVQ_OUT(3, a03, a13, a23, a33)
}
#undef TR_RVQ_STEP
#undef TR_RVQ_COLUMN
#undef TR_RVQ_ROW
/* TR_RVQ_OUT and TR_RVQ_RQ32 stay defined: the row walker's edge units (tr_conv_quad_row_rv32.h)
 * requantize and store their four pixels the same way. */

/* All C channels of the quad or pair (blocks of 4, the last one partial), window rows KY0 ..
 * KY1 - 1 and columns C0 .. C0 + L - 1 of the layout's KH rows of LF (a border quad reads a
 * part; whole windows: 0, KH, 0, LF). q32, SIGN: the layer's tr_rq32_t table and sign literal
 * when mode is TR_RQ_RV32 (else unused). */
TR_RVQ_AI void tr_rvq_quad(const tr_requant_t *r, const int32_t *bias, const int8_t *x, const int8_t *filter, int8_t *o,
                           const int32_t PXS, const int32_t RS, const int32_t KH, const int32_t KY0, const int32_t KY1,
                           const int32_t C0, const int32_t L, const int32_t LF, const int32_t C, const int32_t OPS,
                           const int32_t NPIX, const int mode, const tr_rq32_t *q32, const int SIGN) {
  const int32_t zp = r->zp, lo = r->lo, hi = r->hi;
  const int32_t K = KH * LF;
  const int8_t *w = filter + 4 * KH * C0;
  int32_t oc = 0;
  for (; oc + 4 <= C; oc += 4, w += 4 * K) tr_rvq_block(r, bias, x, w, o, oc, 4, PXS, RS, KH, KY0, KY1, L, OPS, NPIX, mode, zp, lo, hi, q32, SIGN);
  if (C & 3) tr_rvq_block(r, bias, x, w, o, oc, C & 3, PXS, RS, KH, KY0, KY1, L, OPS, NPIX, mode, zp, lo, hi, q32, SIGN);
}

/* A layer's quads and pairs (npix 4 or 2) as a function of their own, the generator's
 * TR_RVQ_QUADS below: all sizes literals, and none of the walker's state live around the
 * loop. Inlined into the layer function the 3x3 quad loop spilled (272 instructions per 96
 * MACs in resnet's 3x3 16 -> 16 layers, 29 of them stack accesses; 246 and 3 on its own). */
typedef void (*tr_rvq_quads_fn)(const tr_requant_t *r, const int32_t *bias, const int8_t *x, int8_t *o, int32_t npix);
#define TR_RVQ_QUADS(NAME, FILTER, PXS, RS, KH, L, C, OPS, MODE, Q32, SIGN)                              \
  TR_RVQ_LAYER_FN NAME(const tr_requant_t *r, const int32_t *bias, const int8_t *x, int8_t *o, int32_t npix) { \
    if (npix == 4) tr_rvq_quad(r, bias, x, FILTER, o, PXS, RS, KH, 0, KH, 0, L, L, C, OPS, 4, MODE, Q32, SIGN); \
    else tr_rvq_quad(r, bias, x, FILTER, o, PXS, RS, KH, 0, KH, 0, L, L, C, OPS, 2, MODE, Q32, SIGN);    \
  }

/* A border quad's function (quads only; npix is 4): four pixels whose windows have the same
 * rows or columns in the padding, e.g. a quad along a top or bottom output row (PXS, OPS: the
 * pixel strides) reading window rows KY0 .. KY1 - 1, or four pixels down a left or right output
 * column (PXS: stride_h input rows, OPS: an output row) reading columns C0 .. C0 + L - 1 of the
 * LF in a window row. x: the first row and column read; bias: bias_folded less the taps left
 * out (input zero point times their weights: what reading them from pad_row adds). */
#define TR_RVQ_QUADS_CLIP(NAME, FILTER, PXS, RS, KH, KY0, KY1, C0, L, LF, C, OPS, MODE, Q32, SIGN)       \
  TR_RVQ_LAYER_FN NAME(const tr_requant_t *r, const int32_t *bias, const int8_t *x, int8_t *o, int32_t npix) { \
    (void)npix;                                                                                           \
    tr_rvq_quad(r, bias, x, FILTER, o, PXS, RS, KH, KY0, KY1, C0, L, LF, C, OPS, 4, MODE, Q32, SIGN);     \
  }

/* A layer's border quads (tr_conv_quad_rv32_layer; NULL: single pixels there, as every border
 * pixel without it). Each side's function, its bias and the bytes from a window's top-left
 * (in memory, as if the padding were there) to the first value it reads. Rows: the output row
 * top_oy (bottom_oy) takes top (bottom) for its quads of windows inside the input columns.
 * Columns: output column left_ox (right_ox), rows v0 .. v1 - 1 (a multiple of 4 rows whose
 * windows lie inside the input rows), four rows at a time: only where the output does not
 * overlap the input (they write out of raster order). A NULL function leaves its side alone. */
typedef struct {
  tr_rvq_quads_fn top, bottom, left, right;
  const int32_t *bias_top, *bias_bottom, *bias_left, *bias_right;
  int32_t xoff_top, xoff_bottom, xoff_left, xoff_right;
  int32_t top_oy, bottom_oy, left_ox, right_ox, v0, v1;
} tr_rvq_borders_t;

/* One pixel, channels oc .. oc + n - 1 (n <= WIDE: 8, two blocks of the layout side by side,
 * or 4, one block): window row ky at rows[ky] (NULL: in the vertical padding), window values
 * a .. e - 1 of every row inside the input columns. Per input value: 1 input load, WIDE weight
 * loads, WIDE MUL/ADD, the pointer steps. */
TR_RVQ_AI void tr_rvq_single_block(const tr_requant_t *r, const int32_t *bias, const int8_t *const *rows, const int32_t a,
                                   const int32_t e, const int8_t *pad_row, const int8_t *wb, int8_t *o, const int32_t oc,
                                   const int32_t n, const int32_t WIDE, const int32_t KH, const int32_t L, const int mode,
                                   const int32_t zp, const int32_t lo, const int32_t hi, const tr_rq32_t *q32, const int SIGN) {
  const int32_t K = KH * L;
  int32_t acc[8];
  int32_t a0 = bias[oc], a1 = n > 1 ? bias[oc + 1] : 0, a2 = n > 2 ? bias[oc + 2] : 0, a3 = n > 3 ? bias[oc + 3] : 0;
  int32_t a4 = n > 4 ? bias[oc + 4] : 0, a5 = n > 5 ? bias[oc + 5] : 0, a6 = n > 6 ? bias[oc + 6] : 0, a7 = n > 7 ? bias[oc + 7] : 0;
/* acc += x[0 .. LEN) . the weights of row ky from column COL on (column-major: column c of row
 * ky at (c * KH + ky) * 4 in each block; the second block 4 * K further) */
#define TR_RVQ_RUN(X, COL, LEN)                                                          \
    {                                                                                    \
      const int8_t *xx = (X), *w = wb + 4 * ((COL) * KH + ky), *v = w + 4 * K;            \
      for (const int8_t *const xe = xx + (LEN); xx != xe; xx++, w += 4 * KH, v += 4 * KH) { \
        const int32_t p = *xx;                                                           \
        a0 += p * w[0]; a1 += p * w[1]; a2 += p * w[2]; a3 += p * w[3];                  \
        if (WIDE > 4) { a4 += p * v[0]; a5 += p * v[1]; a6 += p * v[2]; a7 += p * v[3]; } \
      }                                                                                  \
    }
  for (int32_t ky = 0; ky < KH; ky++) {
    const int8_t *const y = rows[ky];
    if (!y) { TR_RVQ_RUN(pad_row, 0, L) continue; }
    if (a > 0) TR_RVQ_RUN(pad_row, 0, a)
    TR_RVQ_RUN(y, a, e - a)
    if (e < L) TR_RVQ_RUN(pad_row + e, e, L - e)
  }
#undef TR_RVQ_RUN
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5; acc[6] = a6; acc[7] = a7;
  for (int32_t j = 0; j < n; j++) {
    if (mode == TR_RQ_RV32) {
      const tr_rq32_t *const q = q32 + oc + j;
      o[oc + j] = (int8_t)tr_rq32_clamp(tr_rq32_value((int32_t)((uint32_t)acc[j] << 2), q->mult, q->add, q->sh, SIGN), lo, hi);
    } else tr_rv_requant(r, acc[j], acc[j], oc + j, o + oc + j, o + oc + j, mode, zp, lo, hi, 0);
  }
}

/* One pixel, all C channels: window row ky at rows[ky] (NULL: in the vertical padding), taps
 * kx0 .. kx1 - 1 inside the input columns. Eight channels per pass (1 input load per 8 MACs),
 * the last 1 to 7 four at a time. */
TR_RVQ_AI void tr_rvq_single(const tr_requant_t *r, const int32_t *bias, const int8_t *const *rows, const int32_t kx0,
                             const int32_t kx1, const int8_t *pad_row, const int8_t *filter, int8_t *o, const int32_t KH,
                             const int32_t KW, const int32_t CIN, const int32_t C, const int mode, const tr_rq32_t *q32,
                             const int SIGN) {
  const int32_t zp = r->zp, lo = r->lo, hi = r->hi;
  const int32_t L = KW * CIN, K = KH * L;
  const int32_t a = kx0 * CIN, e = kx1 * CIN;
  const int8_t *wb = filter;
  int32_t oc = 0;
  for (; oc + 8 <= C; oc += 8, wb += 8 * K) tr_rvq_single_block(r, bias, rows, a, e, pad_row, wb, o, oc, 8, 8, KH, L, mode, zp, lo, hi, q32, SIGN);
  for (; oc < C; oc += 4, wb += 4 * K) {
    tr_rvq_single_block(r, bias, rows, a, e, pad_row, wb, o, oc, C - oc < 4 ? C - oc : 4, 4, KH, L, mode, zp, lo, hi, q32, SIGN);
  }
}

/* The whole conv layer: KH, KW, CIN, C, STW (stride_w), IN_SH (input row stride) and OSW
 * (output pixel stride) literals at the call (the generator's per-layer function), quads its
 * TR_RVQ_QUADS function (PXS = STW * CIN, RS = IN_SH, L = KW * CIN, OPS = OSW); dense NHWC
 * input pixels (in.sw == CIN), no dilation, KH <= TR_RV_MAX_KH. Output pixels in raster order:
 * quads where the four windows lie inside the input, pairs where two do, single pixels elsewhere.
 * q32, SIGN: see tr_rvq_quad (the same table as the TR_RVQ_QUADS function's). */
TR_RVQ_AI void tr_conv_quad_rv32_layer(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
                                       const int32_t KH, const int32_t KW, const int32_t CIN, const int32_t C,
                                       const int32_t STW, const int32_t IN_SH, const int32_t OSW, const int mode,
                                       tr_rvq_quads_fn quads, const tr_rq32_t *q32, const int SIGN,
                                       const tr_rvq_borders_t *bd) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t sth = p->stride_h, pt = p->pad_top, pl = p->pad_left;
  const int32_t in_h = p->in.h, in_w = p->in.w, out_h = p->out.h, out_w = p->out.w, osh = p->out.sh;
  const int32_t *const bias = p->bias_folded;
  const int8_t *rows[TR_RV_MAX_KH];
  /* columns without border quads: no output column is skipped */
  const int32_t lx = bd && bd->left ? bd->left_ox : -1, rx = bd && bd->right ? bd->right_ox : -1;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    if (bd) {
      /* the border columns' quads, four output rows at a time */
      for (int32_t oy = bd->v0; oy < bd->v1; oy += 4) {
        /* offsets summed before the pointer: a window's top-left may lie before the input */
        const int32_t o0 = (oy * sth - pt) * IN_SH;
        if (bd->left) bd->left(&r, bd->bias_left, in_b + (o0 + (lx * STW - pl) * CIN + bd->xoff_left), out_b + oy * osh + lx * OSW, 4);
        if (bd->right) bd->right(&r, bd->bias_right, in_b + (o0 + (rx * STW - pl) * CIN + bd->xoff_right), out_b + oy * osh + rx * OSW, 4);
      }
    }
    for (int32_t oy = 0; oy < out_h; oy++) {
      const int32_t iy0 = oy * sth - pt;
      const int rows_inside = iy0 >= 0 && iy0 + KH <= in_h;
      /* a top or bottom output row with border quads: its quads read the rows inside */
      tr_rvq_quads_fn edge = NULL;
      const int32_t *edge_bias = bias;
      int32_t edge_off = 0;
      if (bd && oy == bd->top_oy) { edge = bd->top; edge_bias = bd->bias_top; edge_off = bd->xoff_top; }
      if (bd && oy == bd->bottom_oy) { edge = bd->bottom; edge_bias = bd->bias_bottom; edge_off = bd->xoff_bottom; }
      const int col_quads = bd && oy >= bd->v0 && oy < bd->v1;
      int8_t *orow = out_b + oy * osh;
      int32_t ox = 0;
      while (ox < out_w) {
        const int32_t ix0 = ox * STW - pl;
        if (col_quads && (ox == lx || ox == rx)) { ox++; continue; }
        if (rows_inside && ix0 >= 0 && ox + 4 <= out_w && ix0 + 3 * STW + KW <= in_w) {
          quads(&r, bias, in_b + iy0 * IN_SH + ix0 * CIN, orow + ox * OSW, 4);
          ox += 4;
          continue;
        }
        if (edge && ix0 >= 0 && ox + 4 <= out_w && ix0 + 3 * STW + KW <= in_w) {
          edge(&r, edge_bias, in_b + (iy0 * IN_SH + ix0 * CIN + edge_off), orow + ox * OSW, 4);
          ox += 4;
          continue;
        }
        if (rows_inside && ix0 >= 0 && ox + 2 <= out_w && ix0 + STW + KW <= in_w) {
          quads(&r, bias, in_b + iy0 * IN_SH + ix0 * CIN, orow + ox * OSW, 2);
          ox += 2;
          continue;
        }
        int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > in_w ? in_w - ix0 : KW;
        if (kx1 < kx0) kx1 = kx0;
        for (int32_t ky = 0; ky < KH; ky++) {
          const int32_t iy = iy0 + ky;
          rows[ky] = iy < 0 || iy >= in_h || kx1 == kx0 ? NULL : in_b + iy * IN_SH + (ix0 + kx0) * CIN;
        }
        tr_rvq_single(&r, bias, rows, kx0, kx1, p->pad_row, filter, orow + ox * OSW, KH, KW, CIN, C, mode, q32, SIGN);
        ox++;
      }
    }
  }
}

/* Windows of at most this many values (K = KH * KW * CIN) may be gathered: 4 of them are the
 * stack buffer of tr_conv_quad_i2c_rv32_layer (256 bytes). */
#define TR_RVQ_I2C_MAX_K 64

/* Output pixel (iy0, ix0: its window's top-left tap)'s window, K values row by row, into dst;
 * taps in the padding get the input zero point zp. */
TR_RVQ_AI void tr_rvq_gather(const int8_t *in_b, int8_t *dst, const int32_t iy0, const int32_t ix0, const int32_t KH,
                             const int32_t KW, const int32_t CIN, const int32_t in_h, const int32_t in_w, const int32_t IN_SH,
                             const int8_t zp) {
  for (int32_t ky = 0; ky < KH; ky++) {
    const int32_t iy = iy0 + ky;
    const int row_in = iy >= 0 && iy < in_h;
    const int8_t *s = in_b + iy * IN_SH + ix0 * CIN;
    for (int32_t kx = 0; kx < KW; kx++, s += CIN, dst += CIN) {
      const int32_t ix = ix0 + kx;
      if (row_in && ix >= 0 && ix < in_w) for (int32_t c = 0; c < CIN; c++) dst[c] = s[c];
      else for (int32_t c = 0; c < CIN; c++) dst[c] = zp;
    }
  }
}

/* The conv layer for maps where few quads of windows lie inside the input (narrow maps, wide
 * windows: aww's 10x4 first layer over 10 columns has none): the windows of every four
 * consecutive output pixels (raster order over the whole map, across rows; the output is
 * dense) gathered into a stack buffer, then the quad's loop over that buffer as over four
 * rows of K inputs. The gather costs about 2 instructions per window value against 4 * C MACs
 * per value. Same literals as tr_conv_quad_rv32_layer (IN_SH: input row stride), quads over
 * the buffer (PXS = K, RS = 0, KH = 1, L = K, OPS = C); the output
 * pixel stride is C. K <= TR_RVQ_I2C_MAX_K. */
TR_RVQ_AI void tr_conv_quad_i2c_rv32_layer(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
                                           const int32_t KH, const int32_t KW, const int32_t CIN, const int32_t C,
                                           const int32_t STW, const int32_t IN_SH, const int mode, tr_rvq_quads_fn quads,
                                           const tr_rq32_t *q32, const int SIGN) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t K = KH * KW * CIN;
  const int32_t sth = p->stride_h, pt = p->pad_top, pl = p->pad_left;
  const int32_t in_h = p->in.h, in_w = p->in.w, out_w = p->out.w, P = p->out.h * out_w;
  const int32_t *const bias = p->bias_folded;
  const int8_t zp = p->pad_row[0];
  int8_t buf[4 * TR_RVQ_I2C_MAX_K];
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    int32_t oy = 0, ox = 0;
    for (int32_t px = 0; px < P; px += 4) {
      const int32_t n = P - px < 4 ? P - px : 4;
      for (int32_t j = 0; j < n; j++) {
        tr_rvq_gather(in_b, buf + j * K, oy * sth - pt, ox * STW - pl, KH, KW, CIN, in_h, in_w, IN_SH, zp);
        if (++ox == out_w) { ox = 0; oy++; }
      }
      int8_t *o = out_b + px * C;
      if (n == 4) quads(&r, bias, buf, o, 4);
      else {
        int32_t j = 0;
        if (n >= 2) { quads(&r, bias, buf, o, 2); j = 2; }
        if (j < n) {
          const int8_t *row = buf + j * K;
          tr_rvq_single(&r, bias, &row, 0, 1, NULL, filter, o + j * C, 1, 1, K, C, mode, q32, SIGN);
        }
      }
    }
  }
}

/* P rows of K inputs (a 1x1 stride-1 conv's pixels flattened over the batches) -> P rows of C
 * outputs: quads over the first QP rows (a multiple of 4), then pairs, then a single row as
 * P - QP leaves them. K and C literals, quads as in the gathering variant (PXS = K, RS = 0,
 * KH = 1, L = K, OPS = C). QP < P - P % 4 when the plan streams the output over the input with
 * only the pairs' lag at the end (a layer widening its pixels: rv32-quad-walk.ts). */
TR_RVQ_AI void tr_conv1x1_quad_rv32_layer(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
                                          const int32_t P, const int32_t QP, const int32_t K, const int32_t C, const int mode,
                                          tr_rvq_quads_fn quads, const tr_rq32_t *q32, const int SIGN) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t *const bias = p->bias_folded;
  int32_t px = 0;
  for (; px + 4 <= QP; px += 4) quads(&r, bias, in + px * K, out + px * C, 4);
  for (; px + 2 <= P; px += 2) quads(&r, bias, in + px * K, out + px * C, 2);
  for (; px < P; px++) {
    const int8_t *row = in + px * K;
    tr_rvq_single(&r, bias, &row, 0, 1, NULL, filter, out + px * C, 1, 1, K, C, mode, q32, SIGN);
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#undef TR_RVQ_AI
#endif
