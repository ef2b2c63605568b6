/* The quad kernel (tr_conv_quad_rv32.h) over ONE output row, as the residual block's row driver
 * (tr_residual_rows.h) calls it: the row's params (tr_conv_s8_params_t: in.h rows present from
 * `in` on, pad_top rows above them in the padding) sit first in a tr_rvq_row_params_t whose
 * `row` names the units the generator (firmware/codegen/aot/rv32-quad-rows.ts) planned for that
 * window. The whole-map walker's border quads run the first and last output COLUMNS four rows
 * at a time, which a row-by-row driver cannot do; here a row's border pixels are covered by
 * edge units instead:
 * - its quads: the layer's TR_RVQ_QUADS function where the window's rows lie inside the input,
 *   else a TR_RVQ_QUADS_CLIP instance over the window rows inside (from a bias that leaves the
 *   other rows' taps out, as the untiled walker's top and bottom border quads);
 * - a left edge unit: output pixels 0..3, whose windows (the first ones) reach into the left
 *   padding, and a right edge unit: the last four pixels. Four pixels, four channels per block as
 *   a quad, each pixel from its own bias (bias_folded less the input zero point times the
 *   weights of the taps it leaves out), in up to four phases over the window columns: a phase
 *   runs the columns a contiguous set of the four pixels reads (e.g. left, 3x3 stride 1: columns
 *   1..2 for all four pixels, then column 0 for pixels 1..3), so every pixel reads only taps
 *   inside the input and every weight load serves as many pixels as read it. Instead of one
 *   pixel at a time over the whole window (padding taps from pad_row, 1 weight load per MAC).
 * Units write only the row's own output pixels, in any order: the driver's working rows overlap
 * nothing (plan/streaming.ts residualBlockRule), so no lag rule concerns them.
 * Results are those of the reference kernels (integer sums in any order, int32 wrap-around). */
#ifndef TR_CONV_QUAD_ROW_RV32_H
#define TR_CONV_QUAD_ROW_RV32_H
#include "tr_conv_quad_rv32.h"

#define TR_RVQR_AI static inline __attribute__((always_inline))

/* Same reasons as in tr_conv_quad_rv32.h (TR_RVQ_LAYER_FN). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-schedule-insns", "no-tree-loop-optimize")
#endif

/* An edge unit: the row's first present input row at `in` (column 0), its output row at `out`. */
typedef void (*tr_rvq_edge_fn)(const tr_requant_t *r, const int8_t *in, int8_t *out);

/* The units of one row window. quads: the quads of windows inside the input columns (the
 * layer's function, or a clipped-rows instance; NULL: single pixels there), read from bias;
 * pairs: the window's rows all lie inside (pairs of the layer's quads function where a quad does
 * not fit); left, right: edge units (NULL: single pixels there). */
typedef struct {
  tr_rvq_quads_fn quads;
  const int32_t *bias;
  int32_t pairs;
  tr_rvq_edge_fn left, right;
} tr_rvq_row_t;

/* A row window's params for the row walker: the library params first (the driver's row tables
 * point at `conv`), then the window's units. */
typedef struct {
  tr_conv_s8_params_t conv;
  const tr_rvq_row_t *row;
} tr_rvq_row_params_t;

/* One input index for the pixels J0 .. J1 - 1 of the unit: the block's 4 weights at w[WO ..
 * WO + 3], pixel j's input at xr[XO + (j - J0) * PXS] (xr: pixel J0's). */
#define TR_RVQE_STEP(J0, J1, XO, WO)                                                                  \
  {                                                                                                   \
    const int32_t w0 = w[(WO)], w1 = w[(WO) + 1], w2 = w[(WO) + 2], w3 = w[(WO) + 3];                 \
    int32_t v;                                                                                        \
    if ((J0) <= 0 && 0 < (J1)) { v = xr[(XO)]; a00 += v * w0; a01 += v * w1; a02 += v * w2; a03 += v * w3; } \
    if ((J0) <= 1 && 1 < (J1)) { v = xr[(XO) + (1 - (J0)) * PXS]; a10 += v * w0; a11 += v * w1; a12 += v * w2; a13 += v * w3; } \
    if ((J0) <= 2 && 2 < (J1)) { v = xr[(XO) + (2 - (J0)) * PXS]; a20 += v * w0; a21 += v * w1; a22 += v * w2; a23 += v * w3; } \
    if ((J0) <= 3 && 3 < (J1)) { v = xr[(XO) + (3 - (J0)) * PXS]; a30 += v * w0; a31 += v * w1; a32 += v * w2; a33 += v * w3; } \
  }
/* Column O (from xr, w) of the window rows KY0 .. KY1 - 1: as TR_RVQ_ROW / TR_RVQ_COLUMN. */
#define TR_RVQE_ROW(J0, J1, O, KY) if ((KY) < KH && (KY) >= KY0 && (KY) < KY1) TR_RVQE_STEP(J0, J1, ((KY) - KY0) * RS + (O), 4 * ((O) * KH + (KY)))
#define TR_RVQE_COLUMN(J0, J1, O) { TR_RVQE_ROW(J0, J1, O, 0) TR_RVQE_ROW(J0, J1, O, 1) TR_RVQE_ROW(J0, J1, O, 2) TR_RVQE_ROW(J0, J1, O, 3) \
  TR_RVQE_ROW(J0, J1, O, 4) TR_RVQE_ROW(J0, J1, O, 5) TR_RVQE_ROW(J0, J1, O, 6) TR_RVQE_ROW(J0, J1, O, 7) TR_RVQE_ROW(J0, J1, O, 8)           \
  TR_RVQE_ROW(J0, J1, O, 9) TR_RVQE_ROW(J0, J1, O, 10) TR_RVQE_ROW(J0, J1, O, 11) TR_RVQE_ROW(J0, J1, O, 12) TR_RVQE_ROW(J0, J1, O, 13)      \
  TR_RVQE_ROW(J0, J1, O, 14) TR_RVQE_ROW(J0, J1, O, 15) }
/* A phase: pixels J0 .. J1 - 1 over window columns CA .. CB - 1 (kx), the loop of tr_rvq_block
 * (U columns of values a turn, the last ones straight-line). */
#define TR_RVQE_PHASE(J0, J1, CA, CB)                                                                 \
  if ((J1) > (J0) && (CB) > (CA)) {                                                                   \
    const int8_t *xr = in + (X0 + (J0) * PXS + (CA) * CIN);                                           \
    const int8_t *w = wb + 4 * KH * (CA) * CIN;                                                       \
    const int32_t LL = ((CB) - (CA)) * CIN;                                                           \
    const int8_t *const wend = w + 4 * KH * (LL - LL % U);                                            \
    while (w != wend) {                                                                               \
      TR_RVQE_COLUMN(J0, J1, 0) if (U > 1) TR_RVQE_COLUMN(J0, J1, 1) if (U > 2) { TR_RVQE_COLUMN(J0, J1, 2) TR_RVQE_COLUMN(J0, J1, 3) } \
      xr += U; w += 4 * KH * U;                                                                       \
    }                                                                                                 \
    if (LL % U > 0) TR_RVQE_COLUMN(J0, J1, 0)                                                         \
    if (LL % U > 1) TR_RVQE_COLUMN(J0, J1, 1)                                                         \
    if (LL % U > 2) TR_RVQE_COLUMN(J0, J1, 2)                                                         \
  }

/* One block of N (<= 4) channels from oc of an edge unit's four pixels: pixel j's window starts
 * (in memory, as if the padding were there) X0 + j * PXS bytes from `in`, the first present
 * input row (window row KY0; rows KY0 .. KY1 - 1 of the KH are read); its accumulators start from
 * Bj; phases (J0, J1, CA, CB) as TR_RVQE_PHASE (J1 <= J0: none). wb: the block's weights. Outputs:
 * pixel j's channel c at o[j * OPS + c]. */
TR_RVQR_AI void tr_rvq_edge_block(const tr_requant_t *r, const int32_t *B0, const int32_t *B1, const int32_t *B2,
                                  const int32_t *B3, const int8_t *in, const int8_t *wb, int8_t *o, const int32_t oc,
                                  const int32_t N, const int32_t X0, const int32_t PXS, const int32_t RS, const int32_t KH,
                                  const int32_t KY0, const int32_t KY1, const int32_t CIN, const int32_t OPS,
                                  const int32_t P0J0, const int32_t P0J1, const int32_t P0CA, const int32_t P0CB,
                                  const int32_t P1J0, const int32_t P1J1, const int32_t P1CA, const int32_t P1CB,
                                  const int32_t P2J0, const int32_t P2J1, const int32_t P2CA, const int32_t P2CB,
                                  const int32_t P3J0, const int32_t P3J1, const int32_t P3CA, const int32_t P3CB,
                                  const int mode, const int32_t zp, const int32_t lo, const int32_t hi, const tr_rq32_t *q32,
                                  const int SIGN) {
  const int32_t NPIX = 4; /* TR_RVQ_OUT: all four pixels stored */
  int32_t a00 = B0[oc], a01 = N > 1 ? B0[oc + 1] : 0, a02 = N > 2 ? B0[oc + 2] : 0, a03 = N > 3 ? B0[oc + 3] : 0;
  int32_t a10 = B1[oc], a11 = N > 1 ? B1[oc + 1] : 0, a12 = N > 2 ? B1[oc + 2] : 0, a13 = N > 3 ? B1[oc + 3] : 0;
  int32_t a20 = B2[oc], a21 = N > 1 ? B2[oc + 1] : 0, a22 = N > 2 ? B2[oc + 2] : 0, a23 = N > 3 ? B2[oc + 3] : 0;
  int32_t a30 = B3[oc], a31 = N > 1 ? B3[oc + 1] : 0, a32 = N > 2 ? B3[oc + 2] : 0, a33 = N > 3 ? B3[oc + 3] : 0;
  const int32_t NR = KY1 - KY0;
  const int32_t U = NR >= 4 ? 1 : NR >= 2 ? 2 : 4;
  TR_RVQE_PHASE(P0J0, P0J1, P0CA, P0CB)
  TR_RVQE_PHASE(P1J0, P1J1, P1CA, P1CB)
  TR_RVQE_PHASE(P2J0, P2J1, P2CA, P2CB)
  TR_RVQE_PHASE(P3J0, P3J1, P3CA, P3CB)
  TR_RVQ_OUT(0, a00, a10, a20, a30)
  TR_RVQ_OUT(1, a01, a11, a21, a31)
  TR_RVQ_OUT(2, a02, a12, a22, a32)
  TR_RVQ_OUT(3, a03, a13, a23, a33)
}
#undef TR_RVQE_PHASE
#undef TR_RVQE_COLUMN
#undef TR_RVQE_ROW
#undef TR_RVQE_STEP

/* An edge unit, all C channels (blocks of 4, the last one partial): KW, CIN, C literals beside
 * the block's (LF = KW * CIN values a window row in the weights). */
TR_RVQR_AI void tr_rvq_edge(const tr_requant_t *r, const int8_t *in, const int8_t *filter, int8_t *o, const int32_t *B0,
                            const int32_t *B1, const int32_t *B2, const int32_t *B3, const int32_t X0, const int32_t PXS,
                            const int32_t RS, const int32_t KH, const int32_t KY0, const int32_t KY1, const int32_t KW,
                            const int32_t CIN, const int32_t C, const int32_t OPS, const int mode, const tr_rq32_t *q32,
                            const int SIGN, const int32_t P0J0, const int32_t P0J1, const int32_t P0CA, const int32_t P0CB,
                            const int32_t P1J0, const int32_t P1J1, const int32_t P1CA, const int32_t P1CB,
                            const int32_t P2J0, const int32_t P2J1, const int32_t P2CA, const int32_t P2CB,
                            const int32_t P3J0, const int32_t P3J1, const int32_t P3CA, const int32_t P3CB) {
  const int32_t zp = r->zp, lo = r->lo, hi = r->hi;
  const int32_t K = KH * KW * CIN;
  const int8_t *wb = filter;
  int32_t oc = 0;
  for (; oc + 4 <= C; oc += 4, wb += 4 * K) {
    tr_rvq_edge_block(r, B0, B1, B2, B3, in, wb, o, oc, 4, X0, PXS, RS, KH, KY0, KY1, CIN, OPS, P0J0, P0J1, P0CA, P0CB,
                      P1J0, P1J1, P1CA, P1CB, P2J0, P2J1, P2CA, P2CB, P3J0, P3J1, P3CA, P3CB, mode, zp, lo, hi, q32, SIGN);
  }
  if (C & 3) {
    tr_rvq_edge_block(r, B0, B1, B2, B3, in, wb, o, oc, C & 3, X0, PXS, RS, KH, KY0, KY1, CIN, OPS, P0J0, P0J1, P0CA, P0CB,
                      P1J0, P1J1, P1CA, P1CB, P2J0, P2J1, P2CA, P2CB, P3J0, P3J1, P3CA, P3CB, mode, zp, lo, hi, q32, SIGN);
  }
}

/* One output row of the conv (out_h 1): KH, KW, CIN, C, STW, IN_SH, OSW as tr_conv_quad_rv32_layer
 * takes them, and the row's input and output widths IN_W, OUT_W and left padding PL literals
 * too (the same for every window of the layer). Left edge unit on pixels 0..3, right edge unit
 * on the last four, between them quads where four windows lie inside the input columns (the
 * window's units' function), pairs where two do (rows inside only), single pixels elsewhere. */
TR_RVQR_AI void tr_conv_quad_row_rv32_layer(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                                            int8_t *out, const int32_t KH, const int32_t KW, const int32_t CIN,
                                            const int32_t C, const int32_t STW, const int32_t IN_SH, const int32_t OSW,
                                            const int32_t IN_W, const int32_t OUT_W, const int32_t PL, const int mode,
                                            tr_rvq_quads_fn quads, const tr_rq32_t *q32, const int SIGN) {
  const tr_rvq_row_t *const u = ((const tr_rvq_row_params_t *)p)->row;
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t pt = p->pad_top, in_h = p->in.h;
  const int8_t *rows[TR_RV_MAX_KH];
  int32_t ox = 0, end = OUT_W;
  if (u->left) { u->left(&r, in, out); ox = 4; }
  if (u->right) end = OUT_W - 4;
  while (ox < end) {
    const int32_t ix0 = ox * STW - PL;
    if (u->quads && ix0 >= 0 && ox + 4 <= end && ix0 + 3 * STW + KW <= IN_W) {
      u->quads(&r, u->bias, in + ix0 * CIN, out + ox * OSW, 4);
      ox += 4;
      continue;
    }
    if (u->pairs && ix0 >= 0 && ox + 2 <= end && ix0 + STW + KW <= IN_W) {
      quads(&r, p->bias_folded, in + ix0 * CIN, out + ox * OSW, 2);
      ox += 2;
      continue;
    }
    int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > IN_W ? IN_W - ix0 : KW;
    if (kx1 < kx0) kx1 = kx0;
    for (int32_t ky = 0; ky < KH; ky++) {
      const int32_t iy = ky - pt;
      rows[ky] = iy < 0 || iy >= in_h || kx1 == kx0 ? NULL : in + iy * IN_SH + (ix0 + kx0) * CIN;
    }
    tr_rvq_single(&r, p->bias_folded, rows, kx0, kx1, p->pad_row, filter, out + ox * OSW, KH, KW, CIN, C, mode, q32, SIGN);
    ox++;
  }
  if (u->right) u->right(&r, in, out);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#undef TR_RVQR_AI
#endif
