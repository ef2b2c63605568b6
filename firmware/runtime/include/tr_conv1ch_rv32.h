/* int8 CONV_2D with one input and one output channel (no dilation) for cores without a DSP
 * extension (RV32IMAC): FDT's one-channel partitions of a depthwise conv over one input
 * channel (micro_speech: 10x8 window, stride 2; 3x3 windows such as vww's go to
 * tr_dwconv_rv32.h with C = 1, whose row walk loads each input byte once). tr_conv_rv32.h blocks
 * over output channels, which a single channel cannot use; this kernel blocks over four
 * output pixels of a row instead: one weight load serves four pixels (per tap 1 weight load,
 * 4 input loads, 4 MUL, 4 ADD, all at immediate offsets with KW and STW literals).
 *
 * Taps in the padding: bias_folded (bias + input_offset * sum(w)) counts every tap as
 * (x - in_zp) * w, so a tap in the padding must add in_zp * w back: per filter row, the sum of
 * its weights (computed once per call); a block's rows in the vertical padding add in_zp
 * times their sums, and the few pixels whose window crosses the left or right edge sum their
 * inside taps' weights as they go. Results are those of the reference kernel (integer sums in
 * any order, int32 wrap-around). With mode TR_RQ_RV32 the sums are requantized by
 * tr_requant_rv32.h (the generator's table, one channel), its constants in registers.
 *
 * Order: pixel blocks of a row, rows top to bottom, NOT the raster order of pixel pairs
 * firmware/plan/streaming.ts assumes of convs; that rule never lets a one-output-channel conv
 * overlap its input, and lower-scalar.ts takes this kernel for such layers only. */
#ifndef TR_CONV1CH_RV32_H
#define TR_CONV1CH_RV32_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_conv_rv32.h"
#include "tr_requant_rv32.h"

/* Filter columns the edge pixels' sums hold (the generator checks: RV32_1CH_MAX_KW). */
#define TR_RV1_MAX_KW 16

/* see tr_conv_rv32.h: the pre-allocation scheduler would hoist the loads and spill */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-schedule-insns")
#endif

/* The whole layer; KH, KW, SH (input row stride), STW (horizontal stride) and mode (TR_RQ_*)
 * literals at the call (the generator emits one small function per layer around it). */
static inline __attribute__((always_inline)) void tr_conv1ch_rv32_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
    const int32_t KH, const int32_t KW, const int32_t SH, const int32_t STW, const int mode, const tr_rq32_t *rq32, const int SIGN) {
  const int32_t in_h = p->in.h, in_w = p->in.w, out_h = p->out.h, out_w = p->out.w, osh = p->out.sh, osw = p->out.sw;
  const int32_t sth = p->stride_h, pt = p->pad_top, pl = p->pad_left, in_zp = -p->input_offset;
  const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
  const tr_requant_t pr = { p->rq, p->fscale, p->out_mult, p->out_shift, zp, lo, hi };
  tr_rv_channel_rq_t rl;
  TR_RV_CHANNEL_RQ(rl, &pr, 0, mode == TR_RQ_RV32 ? TR_RQ_MBQM : mode);
  const tr_requant_t r = rl.r;
  /* TR_RQ_RV32: tr_requant_rv32.h on the sum times 4, its constants in registers */
  const int32_t qm = mode == TR_RQ_RV32 ? rq32[0].mult : 0, qa = mode == TR_RQ_RV32 ? rq32[0].add : 0, qs = mode == TR_RQ_RV32 ? rq32[0].sh : 0;
#define TR_1CH_OUT(A) (int8_t)(mode == TR_RQ_RV32 ? tr_rq32_clamp(tr_rq32_value((int32_t)((uint32_t)(A) << 2), qm, qa, qs, SIGN), lo, hi) \
                                               : tr_requant_m(&r, (A), 0, mode, zp, lo, hi))
  const int32_t bias = p->bias_folded[0];
  /* per filter row, the sum of its weights */
  int32_t rs[TR_RV_MAX_KH];
  for (int32_t ky = 0; ky < KH; ky++) {
    int32_t s = 0;
    for (int32_t kx = 0; kx < KW; kx++) s += filter[ky * KW + kx];
    rs[ky] = s;
  }
  /* per filter column, the sum of its weights over the rows inside the input (for the edge
   * pixels), recomputed only when those rows change (from the previous output row's) */
  int32_t cs[TR_RV1_MAX_KW];
  int32_t cs_ky0 = -1, cs_ky1 = -1;
  /* output columns whose window lies inside the input columns: [ox0, ox1) */
  int32_t ox0, ox1;
  tr_inside_outputs(pl, STW, in_w, KW, out_w, &ox0, &ox1);
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *out_b = out + b * p->out.sn;
    for (int32_t oy = 0; oy < out_h; oy++) {
      const int32_t iy0 = oy * sth - pt;
      /* filter rows inside the input: [ky0, ky1); the others add in_zp times their sums */
      int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + KH > in_h ? in_h - iy0 : KH;
      if (ky1 < ky0) ky1 = ky0;
      int32_t outside = 0;
      for (int32_t ky = 0; ky < KH; ky++) if (ky < ky0 || ky >= ky1) outside += rs[ky];
      const int32_t rbias = (int32_t)((uint32_t)bias + (uint32_t)in_zp * (uint32_t)outside);
      int8_t *orow = out_b + oy * osh;
      const int8_t *xrow = in_b + iy0 * SH;
      int32_t ox = ox0;
      /* interior columns: blocks of four pixels, then single ones */
      for (; ox + 4 <= ox1; ox += 4) {
        int32_t a0 = rbias, a1 = rbias, a2 = rbias, a3 = rbias;
        const int8_t *x = xrow + ky0 * SH + ox * STW - pl;
        const int8_t *w = filter + ky0 * KW;
        for (int32_t ky = ky0; ky < ky1; ky++, x += SH, w += KW) {
          /* a filter row unrolled (KW a literal; -O2 alone keeps the loop: 4.2 instead of
           * about 3.3 instructions per MAC) */
#pragma GCC unroll 16
          for (int32_t kx = 0; kx < KW; kx++) {
            const int32_t t = w[kx];
            a0 += x[kx] * t; a1 += x[STW + kx] * t; a2 += x[2 * STW + kx] * t; a3 += x[3 * STW + kx] * t;
          }
        }
        orow[ox * osw] = TR_1CH_OUT(a0);
        orow[(ox + 1) * osw] = TR_1CH_OUT(a1);
        orow[(ox + 2) * osw] = TR_1CH_OUT(a2);
        orow[(ox + 3) * osw] = TR_1CH_OUT(a3);
      }
      for (; ox < ox1; ox++) {
        int32_t a = rbias;
        const int8_t *x = xrow + ky0 * SH + ox * STW - pl;
        const int8_t *w = filter + ky0 * KW;
        for (int32_t ky = ky0; ky < ky1; ky++, x += SH, w += KW)
#pragma GCC unroll 16
          for (int32_t kx = 0; kx < KW; kx++) a += x[kx] * w[kx];
        orow[ox * osw] = TR_1CH_OUT(a);
      }
      /* columns whose window crosses the left or right edge (or lies in the padding) */
      if (ox0 > 0 || ox1 < out_w) {
        if (ky0 != cs_ky0 || ky1 != cs_ky1) {
          for (int32_t kx = 0; kx < KW; kx++) {
            int32_t c = 0;
            for (int32_t ky = ky0; ky < ky1; ky++) c += filter[ky * KW + kx];
            cs[kx] = c;
          }
          cs_ky0 = ky0; cs_ky1 = ky1;
        }
      }
      for (int32_t ox = 0; ox < out_w; ox++) {
        if (ox >= ox0 && ox < ox1) { ox = ox1 - 1; continue; }
        const int32_t ix0 = ox * STW - pl;
        int32_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + KW > in_w ? in_w - ix0 : KW;
        if (kx1 < kx0) kx1 = kx0;
        int32_t a = 0;
        for (int32_t ky = ky0; ky < ky1; ky++) {
          const int8_t *x = xrow + ky * SH + ix0;
          const int8_t *w = filter + ky * KW;
          for (int32_t kx = kx0; kx < kx1; kx++) a += x[kx] * w[kx];
        }
        /* rows inside the input: the taps outside [kx0, kx1) add in_zp * w too */
        int32_t outside_cols = 0;
        for (int32_t kx = 0; kx < KW; kx++) if (kx < kx0 || kx >= kx1) outside_cols += cs[kx];
        a = (int32_t)((uint32_t)rbias + (uint32_t)a + (uint32_t)in_zp * (uint32_t)outside_cols);
        orow[ox * osw] = TR_1CH_OUT(a);
      }
    }
  }
}

#undef TR_1CH_OUT
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#endif
