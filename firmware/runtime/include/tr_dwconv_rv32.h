/* int8 DEPTHWISE_CONV_2D 3x3 (depth multiplier 1, no dilation) for cores without a DSP
 * extension (RV32IMAC, Cortex-M0): the optimize 'speed' kernel there. A depthwise tap serves
 * one channel only, so blocking over channels saves no load; what costs is reloading the
 * channel's 9 weights, bias and requantization constants for every pixel (14 loads per 9
 * MACs on top of the 9 input loads). This kernel walks channel by channel instead and keeps
 * them in registers across every pixel of the map. Interior pixels go four (then two, then
 * one) at a time along a row: with stride 1 the four windows' 18 distinct input bytes are each
 * loaded once (stride 2: 27), then 36 MUL, 36 ADD and four requantizations. With mode
 * TR_RQ_RV32 the weights and bias are kept times 4 and tr_requant_rv32.h requantizes (mulh,
 * add, shift, two clamp branches, store); its constants stay in registers with the weights.
 * Border pixels whose window loses one row or one column or both (the SAME padding of a 3x3
 * window) take one of eight paths with the clipped taps as literals.
 *
 * That is not the raster order firmware/plan/streaming.ts assumes: within a band of `band`
 * output rows, a channel of every pixel is written before the next channel of the band's
 * first pixel is read. A depthwise output byte depends on its own channel only, so when the
 * plan puts the output a whole number of pixels from the input, a write of channel c lands
 * on channel c of some input pixel and the pixel-order lag holds channel by channel: the
 * whole map is one band then, walked in raster order or (REVERSE) from the last pixel to the
 * first. lower-scalar-depthwise.ts checks the plan's offsets: the whole map when the plan keeps output
 * and input apart or a whole number of pixels apart by at least the one-pixel lag, one row
 * per band (bottom-up when REVERSE) when they are apart by at least the lag of a unit of one
 * output row, and the raster-order kernel otherwise. Blocks of pixels store their outputs
 * after all their windows were read: later than the one-pixel order, never earlier. WALK
 * picks how the interior rows (all three window rows inside) go: 0 pixel by pixel as above;
 * 2 (the generator's choice for rows of at most TR_DW_ROW_MAX pixels) a whole row per call of
 * tr_dw3x3_rv32_row, its stores in the one-pixel order, so under any band; 1, COLS (wider
 * maps at least as tall as wide, only when the plan keeps output and input apart), column by
 * column, four rows at a time, the clipped side columns as blocks too. The border rows go
 * pixel by pixel.
 *
 * Weights (generator: kernel-layout.ts rv32DepthwiseLayout): channel-major, 9 taps per
 * channel ([C][3][3]); bias_folded holds the input offset times the taps' sum, so taps in the
 * padding read the input zero point (they add 0). Results are those of
 * tr_depthwise_conv2d_s8 (integer sums in any order). */
#ifndef TR_DWCONV_RV32_H
#define TR_DWCONV_RV32_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_conv_rv32.h"
#include "tr_requant_rv32.h"

/* see tr_conv_rv32.h: the pre-allocation scheduler would hoist the loads and spill */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-schedule-insns")
#endif

/* COLS: one output column's interior rows (n of them, from x: the first window's top-left
 * input byte, to o), four rows at a time: with vertical stride 1 the four windows read 18
 * distinct input bytes (12 when a column is clipped). CT: 0 every window column inside, 1 the
 * first clipped (left padding), 2 the last (right padding); the clipped column's taps add
 * in_zp times their weights to the bias. A = SH (down a row), B = SW (across). */
static inline __attribute__((always_inline)) void tr_dw3x3_rv32_col(
    const int8_t *x, int8_t *o, const int32_t n, const int32_t A, const int32_t B, const int32_t S, const int32_t OS, const int CT,
    const int32_t w0, const int32_t w1, const int32_t w2, const int32_t w3, const int32_t w4, const int32_t w5,
    const int32_t w6, const int32_t w7, const int32_t w8, const int32_t bias0, const int32_t in_zp,
    const tr_requant_t *r, const int32_t qm, const int32_t qa, const int32_t qs, const int mode, const int SIGN,
    const int32_t zp, const int32_t lo, const int32_t hi) {
#define TR_DW_W(I) ((I) == 0 ? w0 : (I) == 1 ? w1 : (I) == 2 ? w2 : (I) == 3 ? w3 : (I) == 4 ? w4 : (I) == 5 ? w5 : (I) == 6 ? w6 : (I) == 7 ? w7 : w8)
#define TR_DW_OUT(A) (mode == TR_RQ_RV32 ? tr_rq32_clamp(tr_rq32_value((A), qm, qa, qs, SIGN), lo, hi) : tr_requant_m(r, (A), 0, mode, zp, lo, hi))
  const int32_t CLO = CT == 1 ? 1 : 0, CHI = CT == 2 ? 1 : 2;
  const int32_t clipped = CT == 1 ? w0 + w3 + w6 : CT == 2 ? w2 + w5 + w8 : 0;
  const int32_t bias = (int32_t)((uint32_t)bias0 + (uint32_t)in_zp * (uint32_t)clipped);
  int8_t *const o_quads = o + (n & ~3) * OS, *const o_end = o + n * OS;
#define TR_DW_ADD(Q, K) if (J - (K) * S >= 0 && J - (K) * S <= 2) Q += v * TR_DW_W(3 * (J - (K) * S) + C);
  for (; o != o_quads; x += 4 * S * A, o += 4 * OS) {
    int32_t q0 = bias, q1 = bias, q2 = bias, q3 = bias;
#pragma GCC unroll 16
    for (int32_t J = 0; J <= 3 * S + 2; J++) {
#pragma GCC unroll 3
      for (int32_t C = CLO; C <= CHI; C++) {
        const int32_t v = x[J * A + C * B];
        TR_DW_ADD(q0, 0) TR_DW_ADD(q1, 1) TR_DW_ADD(q2, 2) TR_DW_ADD(q3, 3)
      }
    }
    const int32_t v0 = TR_DW_OUT(q0), v1 = TR_DW_OUT(q1), v2 = TR_DW_OUT(q2), v3 = TR_DW_OUT(q3);
    o[0] = (int8_t)v0;
    o[OS] = (int8_t)v1;
    o[2 * OS] = (int8_t)v2;
    o[3 * OS] = (int8_t)v3;
  }
#undef TR_DW_ADD
  for (; o != o_end; x += S * A, o += OS) {
    int32_t q = bias;
#pragma GCC unroll 3
    for (int32_t J = 0; J < 3; J++)
#pragma GCC unroll 3
      for (int32_t C = CLO; C <= CHI; C++) q += x[J * A + C * B] * TR_DW_W(3 * J + C);
    *o = (int8_t)TR_DW_OUT(q);
  }
#undef TR_DW_OUT
#undef TR_DW_W
}

/* ROWS: one output row whose three window rows lie inside the input, all OW of its pixels
 * (the clipped side columns too): each window column's 3 input bytes are loaded once and
 * added into every window (up to 3; stride 2: 2) that holds it, and output K is stored as
 * soon as its window's last column was read (REVERSE: right to left, stored at its first).
 * Against the one-pixel raster order (REVERSE: its reverse) reads only move earlier and every
 * store stays where it was, so the lags the band logic checks hold: this is the walk for
 * narrow maps whose plan overlaps output and input (aww's 25 x 5, vww's 12 x 12 and 6 x 6),
 * where the quads of a row walk barely start and the column walk would write out of order.
 * x: the channel's input row iy0 at column 0; o: output pixel 0 of the row. OW, IW, PL, S
 * literals: the loops unroll completely and the sums live in registers (OW <= TR_DW_ROW_MAX,
 * the generator's bound). A = SH, B = SW, OS the output pixel stride. */
#define TR_DW_ROW_MAX 24
static inline __attribute__((always_inline)) void tr_dw3x3_rv32_row(
    const int8_t *x, int8_t *o, const int32_t OW, const int32_t IW, const int32_t PL, const int32_t A, const int32_t B,
    const int32_t S, const int32_t OS, const int REVERSE,
    const int32_t w0, const int32_t w1, const int32_t w2, const int32_t w3, const int32_t w4, const int32_t w5,
    const int32_t w6, const int32_t w7, const int32_t w8, const int32_t bias, const int32_t in_zp,
    const tr_requant_t *r, const int32_t qm, const int32_t qa, const int32_t qs, const int mode, const int SIGN,
    const int32_t zp, const int32_t lo, const int32_t hi) {
#define TR_DW_W(I) ((I) == 0 ? w0 : (I) == 1 ? w1 : (I) == 2 ? w2 : (I) == 3 ? w3 : (I) == 4 ? w4 : (I) == 5 ? w5 : (I) == 6 ? w6 : (I) == 7 ? w7 : w8)
#define TR_DW_OUT(A) (mode == TR_RQ_RV32 ? tr_rq32_clamp(tr_rq32_value((A), qm, qa, qs, SIGN), lo, hi) : tr_requant_m(r, (A), 0, mode, zp, lo, hi))
  /* window columns, counted from the first window's left one (input column -PL) */
  const int32_t NJ = (OW - 1) * S + 3;
  /* at most three windows hold a column (output K's are K * S .. K * S + 2): three sums,
   * output K's in q[K % 3], started at its window's first column in walk order and stored at
   * its last (an array of OW sums would not stay in registers) */
  int32_t q0 = 0, q1 = 0, q2 = 0;
#define TR_DW_Q(K, OP, V) { if ((K) % 3 == 0) q0 OP (V); else if ((K) % 3 == 1) q1 OP (V); else q2 OP (V); }
#pragma GCC unroll 64
  for (int32_t t = 0; t < NJ; t++) {
    const int32_t J = REVERSE ? NJ - 1 - t : t;
#pragma GCC unroll 64
    for (int32_t K = 0; K < OW; K++)
      if (J == (REVERSE ? K * S + 2 : K * S)) {
        /* the bias, plus in_zp times the weights of the window columns in the padding */
        int32_t clipped = 0;
#pragma GCC unroll 3
        for (int32_t C = 0; C < 3; C++)
          if (K * S + C - PL < 0 || K * S + C - PL >= IW) clipped += TR_DW_W(C) + TR_DW_W(3 + C) + TR_DW_W(6 + C);
        TR_DW_Q(K, =, (int32_t)((uint32_t)bias + (uint32_t)in_zp * (uint32_t)clipped))
      }
    if (J - PL >= 0 && J - PL < IW) {
#pragma GCC unroll 3
      for (int32_t R = 0; R < 3; R++) {
        const int32_t v = x[R * A + (J - PL) * B];
#pragma GCC unroll 64
        for (int32_t K = 0; K < OW; K++)
          if (J - K * S >= 0 && J - K * S <= 2) TR_DW_Q(K, +=, v * TR_DW_W(3 * R + J - K * S))
      }
    }
#pragma GCC unroll 64
    for (int32_t K = 0; K < OW; K++)
      if (J == (REVERSE ? K * S : K * S + 2)) {
        const int32_t a = (K) % 3 == 0 ? q0 : (K) % 3 == 1 ? q1 : q2;
        o[K * OS] = (int8_t)TR_DW_OUT(a);
      }
  }
#undef TR_DW_Q
#undef TR_DW_OUT
#undef TR_DW_W
}

/* The whole layer; SH, SW (input row and pixel strides; dense maps: the output pixel stride
 * is SW too), STW (horizontal stride) and mode (TR_RQ_*) literals at the call, so every tap
 * of an interior pixel is a load at an immediate offset and the pointer steps are immediates
 * (registers are the limit: 9 weights and 7 requantization constants live across the loop).
 * The generator emits one small function per layer around it. */
static inline __attribute__((always_inline)) void tr_dw3x3_rv32_layer(
    const tr_dwconv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t SH, const int32_t SW, const int32_t STW, const int32_t band, const int mode, const int REVERSE,
    const tr_rq32_t *rq32, const int SIGN, const int WALK) {
  /* WALK: 0 rows pixel by pixel, 1 the COLS walk, 2 interior rows by tr_dw3x3_rv32_row */
  const int COLS = WALK == 1, ROWS = WALK == 2;
  const int32_t C = p->in.c, in_h = p->in.h, in_w = p->in.w, in_sh = SH, in_sw = SW;
  const int32_t out_h = p->out.h, out_w = p->out.w, osh = p->out.sh, osw = SW;
  const int32_t sth = p->stride_h, stw = STW, pt = p->pad_top, pl = p->pad_left;
  const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max, in_zp = -p->input_offset;
  const tr_requant_t pr = { p->rq, p->fscale, p->out_mult, p->out_shift, zp, lo, hi };
  const int32_t Q = mode == TR_RQ_RV32 ? 4 : 1;
  /* output rows and columns whose window lies inside the input: [oy0, oy1) x [ox0, ox1) */
  int32_t oy0, oy1, ox0, ox1;
  tr_inside_outputs(pt, sth, in_h, 3, out_h, &oy0, &oy1);
  tr_inside_outputs(pl, stw, in_w, 3, out_w, &ox0, &ox1);
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    /* bands counted from the top, or from the bottom when REVERSE; pixel steps of `dir` */
    const int32_t dir = REVERSE ? -1 : 1;
    for (int32_t yb = 0; yb < out_h; yb += band) {
    const int32_t y0 = REVERSE ? (out_h - yb - band > 0 ? out_h - yb - band : 0) : yb;
    const int32_t y1 = REVERSE ? out_h - yb : (yb + band < out_h ? yb + band : out_h);
    for (int32_t c = 0; c < C; c++) {
      const int8_t *f = filter + 9 * c;
      /* TR_RQ_RV32: weights and bias times 4, so the sums are the 4x tr_rq32 wants */
      const int32_t w0 = f[0] * Q, w1 = f[1] * Q, w2 = f[2] * Q, w3 = f[3] * Q, w4 = f[4] * Q, w5 = f[5] * Q, w6 = f[6] * Q, w7 = f[7] * Q, w8 = f[8] * Q;
      const int32_t bias = (int32_t)((uint32_t)p->bias_folded[c] * (uint32_t)Q);
      int32_t qm = 0, qa = 0, qs = 0;
      if (mode == TR_RQ_RV32) { qm = rq32[c].mult; qa = rq32[c].add; qs = rq32[c].sh; }
      /* bias_folded + in_zp * sum(w): the bias before folding (int32 wrap-around like the sums) */
      const int32_t bias_all = (int32_t)((uint32_t)bias + (uint32_t)in_zp * (uint32_t)(w0 + w1 + w2 + w3 + w4 + w5 + w6 + w7 + w8));
      tr_rv_channel_rq_t rl;
      TR_RV_CHANNEL_RQ(rl, &pr, c, mode == TR_RQ_RV32 ? TR_RQ_MBQM : mode);
      const tr_requant_t r = rl.r;
#define TR_DW_OUT(A) (mode == TR_RQ_RV32 ? tr_rq32_clamp(tr_rq32_value((A), qm, qa, qs, SIGN), lo, hi) : tr_requant_m(&r, (A), 0, mode, zp, lo, hi))
      const int8_t *xc = in_b + c;
      int8_t *oc = out_b + c;
      if (COLS && oy0 < oy1) {
        /* the interior rows column by column (the generator's COLS: no overlap, at most one
         * window column clipped on either side); the row walk below does the border rows */
        for (int32_t ox = 0; ox < out_w; ox++) {
          const int32_t ix0 = ox * stw - pl;
          const int8_t *x = xc + (oy0 * sth - pt) * in_sh + ix0 * in_sw;
          int8_t *o = oc + oy0 * osh + ox * osw;
#define TR_DW_COL(CT) tr_dw3x3_rv32_col(x, o, oy1 - oy0, in_sh, in_sw, sth, osh, CT, w0, w1, w2, w3, w4, w5, w6, w7, w8, bias, in_zp, \
                                        &r, qm, qa, qs, mode, SIGN, zp, lo, hi)
          if (ix0 < 0) TR_DW_COL(1);
          else if (ix0 + 2 >= in_w) TR_DW_COL(2);
          else TR_DW_COL(0);
#undef TR_DW_COL
        }
      }
      for (int32_t i = y0; i < y1; i++) {
        const int32_t oy = REVERSE ? y0 + y1 - 1 - i : i;
        const int32_t iy0 = oy * sth - pt;
        const int row_inside = oy >= oy0 && oy < oy1;
        if (COLS && row_inside) continue;
        if (ROWS && row_inside) {
          tr_dw3x3_rv32_row(xc + iy0 * in_sh, oc + oy * osh, out_w, in_w, pl, in_sh, in_sw, stw, osw, REVERSE,
                            w0, w1, w2, w3, w4, w5, w6, w7, w8, bias, in_zp, &r, qm, qa, qs, mode, SIGN, zp, lo, hi);
          continue;
        }
        for (int32_t j = 0; j < out_w; j++) {
          const int32_t ox = REVERSE ? out_w - 1 - j : j;
          const int32_t ix0 = ox * stw - pl;
          int32_t acc;
          if (row_inside && ox >= ox0 && ox < ox1) {
            /* interior: the fast path; a run of them (to ox1 - 1, or down to ox0 when
             * REVERSE) without the border test */
            const int32_t run = REVERSE ? ox - ox0 + 1 : ox1 - ox;
            const int8_t *x = xc + iy0 * in_sh + ix0 * in_sw;
            int8_t *o = oc + oy * osh + ox * osw;
            /* pixel quads, then a pair, then single pixels: pixel k's window is k * D bytes on
             * (D a literal), so with stride 1 four windows read 18 distinct input bytes instead
             * of 36 (stride 2: 27), each loaded once, column by column, and added into every
             * window that has it; all outputs of a block are stored after its windows were
             * read, which only delays writes against the one-pixel order the band logic
             * relies on */
            const int32_t D = dir * stw * in_sw, S = dir * stw;
            /* the block's input columns, relative to x: [JLO, JHI] */
            const int32_t JLO = S < 0 ? 3 * S : 0, JHI = S < 0 ? 2 : 3 * S + 2;
            int8_t *const o_quads = o + dir * (run & ~3) * osw;
            int8_t *const o_pairs = o + dir * (run & ~1) * osw;
            int8_t *const o_end = o + dir * run * osw;
#define TR_DW_W(I) ((I) == 0 ? w0 : (I) == 1 ? w1 : (I) == 2 ? w2 : (I) == 3 ? w3 : (I) == 4 ? w4 : (I) == 5 ? w5 : (I) == 6 ? w6 : (I) == 7 ? w7 : w8)
#define TR_DW_ADD(Q, K) if (J - (K) * S >= 0 && J - (K) * S <= 2) Q += v * TR_DW_W(3 * R + J - (K) * S);
            for (; o != o_quads; x += 4 * D, o += 4 * dir * osw) {
              int32_t q0 = bias, q1 = bias, q2 = bias, q3 = bias;
#pragma GCC unroll 3
              for (int32_t R = 0; R < 3; R++) {
#pragma GCC unroll 16
                for (int32_t J = JLO; J <= JHI; J++) {
                  const int32_t v = x[R * in_sh + J * in_sw];
                  TR_DW_ADD(q0, 0) TR_DW_ADD(q1, 1) TR_DW_ADD(q2, 2) TR_DW_ADD(q3, 3)
                }
              }
              const int32_t v0 = TR_DW_OUT(q0), v1 = TR_DW_OUT(q1), v2 = TR_DW_OUT(q2), v3 = TR_DW_OUT(q3);
              o[0] = (int8_t)v0;
              o[dir * osw] = (int8_t)v1;
              o[2 * dir * osw] = (int8_t)v2;
              o[3 * dir * osw] = (int8_t)v3;
            }
#undef TR_DW_ADD
#undef TR_DW_W
            for (; o != o_pairs; x += 2 * D, o += 2 * dir * osw) {
              int32_t a = bias + x[0] * w0, e = bias + x[D] * w0;
              a += x[in_sw] * w1;                   e += x[D + in_sw] * w1;
              a += x[2 * in_sw] * w2;               e += x[D + 2 * in_sw] * w2;
              a += x[in_sh] * w3;                   e += x[D + in_sh] * w3;
              a += x[in_sh + in_sw] * w4;           e += x[D + in_sh + in_sw] * w4;
              a += x[in_sh + 2 * in_sw] * w5;       e += x[D + in_sh + 2 * in_sw] * w5;
              a += x[2 * in_sh] * w6;               e += x[D + 2 * in_sh] * w6;
              a += x[2 * in_sh + in_sw] * w7;       e += x[D + 2 * in_sh + in_sw] * w7;
              a += x[2 * in_sh + 2 * in_sw] * w8;   e += x[D + 2 * in_sh + 2 * in_sw] * w8;
              const int32_t va = TR_DW_OUT(a), ve = TR_DW_OUT(e);
              o[0] = (int8_t)va;
              o[dir * osw] = (int8_t)ve;
            }
            for (; o != o_end; x += D, o += dir * osw) {
              int32_t a = bias + x[0] * w0;
              a += x[in_sw] * w1;
              a += x[2 * in_sw] * w2;
              a += x[in_sh] * w3;
              a += x[in_sh + in_sw] * w4;
              a += x[in_sh + 2 * in_sw] * w5;
              a += x[2 * in_sh] * w6;
              a += x[2 * in_sh + in_sw] * w7;
              a += x[2 * in_sh + 2 * in_sw] * w8;
              *o = (int8_t)TR_DW_OUT(a);
            }
            j += run - 1;
            continue;
          }
          /* border: with bias_folded = bias - in_zp * sum(w), the reference sum is bias_folded +
           * in_zp * (the outside taps' weights) + x * w over the inside taps. The common shapes
           * (one row or one column or both clipped: the SAME padding of 3x3 windows) take a path
           * each with the clipped taps as literals; others test every tap. */
          const int r0 = (uint32_t)iy0 < (uint32_t)in_h, r1 = (uint32_t)(iy0 + 1) < (uint32_t)in_h, r2 = (uint32_t)(iy0 + 2) < (uint32_t)in_h;
          const int c0 = (uint32_t)ix0 < (uint32_t)in_w, c1 = (uint32_t)(ix0 + 1) < (uint32_t)in_w, c2 = (uint32_t)(ix0 + 2) < (uint32_t)in_w;
          const int8_t *x = xc + iy0 * in_sh + ix0 * in_sw;
          /* 0: every row (column) inside, 1: the first one clipped, 2: the last one, 3: other */
          const int rt = r1 ? (r0 ? (r2 ? 0 : 2) : (r2 ? 1 : 3)) : 3;
          const int ct = c1 ? (c0 ? (c2 ? 0 : 2) : (c2 ? 1 : 3)) : 3;
#define TR_DW_EDGE(RT, CT) {                                                                          \
            const int R0 = (RT) != 1, R2 = (RT) != 2, C0 = (CT) != 1, C2 = (CT) != 2;                 \
            const int32_t outw = (R0 && C0 ? 0 : w0) + (R0 ? 0 : w1) + (R0 && C2 ? 0 : w2) + (C0 ? 0 : w3) + \
                                 (C2 ? 0 : w5) + (R2 && C0 ? 0 : w6) + (R2 ? 0 : w7) + (R2 && C2 ? 0 : w8); \
            int32_t a = (int32_t)((uint32_t)bias + (uint32_t)in_zp * (uint32_t)outw) + x[in_sh + in_sw] * w4;   \
            if (R0 && C0) a += x[0] * w0;                                                             \
            if (R0) a += x[in_sw] * w1;                                                               \
            if (R0 && C2) a += x[2 * in_sw] * w2;                                                     \
            if (C0) a += x[in_sh] * w3;                                                               \
            if (C2) a += x[in_sh + 2 * in_sw] * w5;                                                   \
            if (R2 && C0) a += x[2 * in_sh] * w6;                                                     \
            if (R2) a += x[2 * in_sh + in_sw] * w7;                                                   \
            if (R2 && C2) a += x[2 * in_sh + 2 * in_sw] * w8;                                         \
            acc = a; }
          switch (rt * 4 + ct) {
          case 1: TR_DW_EDGE(0, 1) break;
          case 2: TR_DW_EDGE(0, 2) break;
          case 4: TR_DW_EDGE(1, 0) break;
          case 5: TR_DW_EDGE(1, 1) break;
          case 6: TR_DW_EDGE(1, 2) break;
          case 8: TR_DW_EDGE(2, 0) break;
          case 9: TR_DW_EDGE(2, 1) break;
          case 10: TR_DW_EDGE(2, 2) break;
          default:
            acc = bias_all;
#define TR_DW_TAP(R, C, OFF, W) if ((R) && (C)) acc += ((int32_t)x[OFF] - in_zp) * (W);
            TR_DW_TAP(r0, c0, 0, w0) TR_DW_TAP(r0, c1, in_sw, w1) TR_DW_TAP(r0, c2, 2 * in_sw, w2)
            TR_DW_TAP(r1, c0, in_sh, w3) TR_DW_TAP(r1, c1, in_sh + in_sw, w4) TR_DW_TAP(r1, c2, in_sh + 2 * in_sw, w5)
            TR_DW_TAP(r2, c0, 2 * in_sh, w6) TR_DW_TAP(r2, c1, 2 * in_sh + in_sw, w7) TR_DW_TAP(r2, c2, 2 * in_sh + 2 * in_sw, w8)
#undef TR_DW_TAP
          }
#undef TR_DW_EDGE
          oc[oy * osh + ox * osw] = (int8_t)TR_DW_OUT(acc);
        }
      }
#undef TR_DW_OUT
    }
    }
  }
}

/* The raster-order variant, for plans that stream the output over the input closer than a
 * one-row band allows: pixel by pixel, all channels of a pixel before the next (the order
 * firmware/plan/streaming.ts assumes for depthwise convs: a unit of one pixel), each
 * channel's 9 weights (channel-major, contiguous) and constants loaded per pixel. Same
 * literals as tr_dw3x3_rv32_layer; REVERSE (a literal) walks the pixels from the last to the
 * first, for plans that put the output above the input (streaming.ts's reverse lag). */
static inline __attribute__((always_inline)) void tr_dw3x3_rv32_raster(
    const tr_dwconv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t SH, const int32_t SW, const int32_t STW, const int mode, const int REVERSE, const tr_rq32_t *rq32, const int SIGN) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t C = p->in.c, in_h = p->in.h, in_w = p->in.w;
  const int32_t out_h = p->out.h, out_w = p->out.w, osh = p->out.sh;
  const int32_t sth = p->stride_h, pt = p->pad_top, pl = p->pad_left;
  const int32_t zp = r.zp, lo = r.lo, hi = r.hi, in_zp = -p->input_offset;
  const int32_t *const bias = p->bias_folded;
#define TR_DW_RASTER_OUT(A, C) (mode == TR_RQ_RV32 ? tr_rq32((int32_t)((uint32_t)(A) << 2), &rq32[C], lo, hi, SIGN) : tr_requant_m(&r, (A), (C), mode, zp, lo, hi))
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    for (int32_t i = 0; i < out_h; i++) {
      const int32_t oy = REVERSE ? out_h - 1 - i : i;
      const int32_t iy0 = oy * sth - pt;
      const int r0 = (uint32_t)iy0 < (uint32_t)in_h, r1 = (uint32_t)(iy0 + 1) < (uint32_t)in_h, r2 = (uint32_t)(iy0 + 2) < (uint32_t)in_h;
      for (int32_t j = 0; j < out_w; j++) {
        const int32_t ox = REVERSE ? out_w - 1 - j : j;
        const int32_t ix0 = ox * STW - pl;
        const int c0 = (uint32_t)ix0 < (uint32_t)in_w, c1 = (uint32_t)(ix0 + 1) < (uint32_t)in_w, c2 = (uint32_t)(ix0 + 2) < (uint32_t)in_w;
        const int8_t *x = in_b + iy0 * SH + ix0 * SW;
        int8_t *o = out_b + oy * osh + ox * SW;
        const int8_t *f = filter;
        if (r0 && r2 && c0 && c2) {
          for (int32_t c = 0; c < C; c++, x++, f += 9) {
            int32_t a = bias[c] + x[0] * f[0];
            a += x[SW] * f[1];
            a += x[2 * SW] * f[2];
            a += x[SH] * f[3];
            a += x[SH + SW] * f[4];
            a += x[SH + 2 * SW] * f[5];
            a += x[2 * SH] * f[6];
            a += x[2 * SH + SW] * f[7];
            a += x[2 * SH + 2 * SW] * f[8];
            o[c] = TR_DW_RASTER_OUT(a, c);
          }
          continue;
        }
        /* border: bias_folded + in_zp * sum(w) + sum over the inside taps of (x - in_zp) * w */
        for (int32_t c = 0; c < C; c++, x++, f += 9) {
          int32_t a = (int32_t)((uint32_t)bias[c] + (uint32_t)in_zp * (uint32_t)(f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7] + f[8]));
#define TR_DW_TAP(R, CC, OFF, K) if ((R) && (CC)) a += ((int32_t)x[OFF] - in_zp) * f[K];
          TR_DW_TAP(r0, c0, 0, 0) TR_DW_TAP(r0, c1, SW, 1) TR_DW_TAP(r0, c2, 2 * SW, 2)
          TR_DW_TAP(r1, c0, SH, 3) TR_DW_TAP(r1, c1, SH + SW, 4) TR_DW_TAP(r1, c2, SH + 2 * SW, 5)
          TR_DW_TAP(r2, c0, 2 * SH, 6) TR_DW_TAP(r2, c1, 2 * SH + SW, 7) TR_DW_TAP(r2, c2, 2 * SH + 2 * SW, 8)
#undef TR_DW_TAP
          o[c] = TR_DW_RASTER_OUT(a, c);
        }
      }
    }
  }
#undef TR_DW_RASTER_OUT
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#endif
