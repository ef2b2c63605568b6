/* DEPTHWISE_CONV_2D int8, optimized (same signature and results as tr_depthwise_conv2d_s8):
 * - input offset folded into the bias at generation time; taps outside the input read
 *   pad_row (the input zero point), which contributes 0 on top of the folded bias;
 * - 3x3 with depth multiplier 1 (the common case): nine tap pointers, four channels per
 *   step with SMLABB/SMLATT (tr_simd.h);
 * - other shapes: the window of one input channel is gathered once, then each output channel
 *   it feeds is a dot product over the taps (four channels per step when the depth
 *   multiplier allows);
 * - requantization per tr_requant (single-rounding fixed point, XNNPACK fp32, or tr_mbqm_pos). */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_simd.h"

static inline tr_requant_t requant_of(const tr_dwconv_s8_params_t *p) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  return r;
}

static inline int tap_inside(int32_t origin, int32_t k, int32_t step, int32_t size) {
  const int32_t v = origin + k * step;
  return v >= 0 && v < size;
}

/* 3x3, depth multiplier 1: nine tap pointers (pad_row for taps in the padding); four channels
 * at a time, each tap one word of inputs and one of weights (SMLABB/SMLATT per channel). */
static void dw_pixel_3x3(const tr_dwconv_s8_params_t *p, const tr_requant_t *rq, const int8_t *in_b, int32_t iy0, int32_t ix0,
                         const int8_t *f, int8_t *op) {
  const int8_t *t[9];
  const int32_t sh = p->in.sh, sw = p->in.sw;
  if (iy0 >= 0 && iy0 + 3 <= p->in.h && ix0 >= 0 && ix0 + 3 <= p->in.w) {
    const int8_t *r0 = in_b + iy0 * sh + ix0 * sw, *r1 = r0 + sh, *r2 = r1 + sh;
    t[0] = r0; t[1] = r0 + sw; t[2] = r0 + 2 * sw;
    t[3] = r1; t[4] = r1 + sw; t[5] = r1 + 2 * sw;
    t[6] = r2; t[7] = r2 + sw; t[8] = r2 + 2 * sw;
  } else {
    for (int32_t ky = 0; ky < 3; ky++) {
      const int row_in = tap_inside(iy0, ky, 1, p->in.h);
      const int8_t *row = in_b + (iy0 + ky) * sh;
      for (int32_t kx = 0; kx < 3; kx++) {
        t[ky * 3 + kx] = row_in && tap_inside(ix0, kx, 1, p->in.w) ? row + (ix0 + kx) * sw : p->pad_row;
      }
    }
  }
  const int32_t c_n = p->out.c;
  int32_t c = 0;
  /* without the DSP extension the per-channel loop below is cheaper (tr_simd.h) */
  for (; !TR_SIMD_SCALAR && c + 4 <= c_n; c += 4) {
    int32_t a0 = p->bias_folded[c], a1 = p->bias_folded[c + 1], a2 = p->bias_folded[c + 2], a3 = p->bias_folded[c + 3];
    const int8_t *fk = f + c;
    for (int32_t k = 0; k < 9; k++, fk += c_n) {
      const uint32_t xv = tr_read4(t[k] + c), wv = tr_read4(fk);
      const uint32_t xl = tr_sxtb16(xv), wl = tr_sxtb16(wv);
      const uint32_t xh = tr_sxtb16_ror8(xv), wh = tr_sxtb16_ror8(wv);
      a0 = tr_smlabb(xl, wl, a0); a2 = tr_smlatt(xl, wl, a2);
      a1 = tr_smlabb(xh, wh, a1); a3 = tr_smlatt(xh, wh, a3);
    }
    op[c] = tr_requant(rq, a0, c); op[c + 1] = tr_requant(rq, a1, c + 1);
    op[c + 2] = tr_requant(rq, a2, c + 2); op[c + 3] = tr_requant(rq, a3, c + 3);
  }
  for (; c < c_n; c++) {
    int32_t acc = p->bias_folded[c];
    for (int32_t k = 0; k < 9; k++) acc += (int32_t)t[k][c] * f[k * c_n + c];
    op[c] = tr_requant(rq, acc, c);
  }
}

#define DW_MAX_TAPS 128 /* gather buffer on the stack: 256 bytes */

/* Any window and depth multiplier (up to DW_MAX_TAPS taps): per input channel, the window's
 * values (pad_row's zero point for taps in the padding) are gathered once into xb; then every
 * output channel fed by it is a plain dot product over the taps, four at a time when the
 * depth multiplier allows (one weight word per tap, SXTB16 + SMLABB/SMLABT). */
static __attribute__((noinline)) void dw_pixel(const tr_dwconv_s8_params_t *p, const tr_requant_t *rq, const int8_t *in_b, int32_t iy0,
                                               int32_t ix0, const int8_t *filter, int8_t *op) {
  const int32_t oc_n = p->out.c, dm = p->depth_multiplier;
  const int32_t taps = p->filter_h * p->filter_w;
  int16_t xb[DW_MAX_TAPS];
  for (int32_t ic = 0; ic < p->in.c; ic++) {
    const int32_t pad = p->pad_row[ic];
    int32_t t = 0;
    for (int32_t ky = 0; ky < p->filter_h; ky++) {
      const int row_in = tap_inside(iy0, ky, p->dilation_h, p->in.h);
      const int8_t *row = in_b + (iy0 + ky * p->dilation_h) * p->in.sh + ic;
      for (int32_t kx = 0; kx < p->filter_w; kx++) {
        const int32_t ix = ix0 + kx * p->dilation_w;
        xb[t++] = (int16_t)((row_in && ix >= 0 && ix < p->in.w) ? (int32_t)row[ix * p->in.sw] : pad);
      }
    }
    int32_t oc = ic * dm;
    const int32_t oc_end = oc + dm;
    for (; oc + 4 <= oc_end; oc += 4) {
      int32_t a0 = p->bias_folded[oc], a1 = p->bias_folded[oc + 1], a2 = p->bias_folded[oc + 2], a3 = p->bias_folded[oc + 3];
      const int8_t *f = filter + oc;
      for (int32_t k = 0; k < taps; k++, f += oc_n) {
        const uint32_t x = (uint32_t)(int32_t)xb[k], w = tr_read4(f);
        const uint32_t l = tr_sxtb16(w), h = tr_sxtb16_ror8(w);
        a0 = tr_smlabb(x, l, a0); a2 = tr_smlabt(x, l, a2); a1 = tr_smlabb(x, h, a1); a3 = tr_smlabt(x, h, a3);
      }
      op[oc] = tr_requant(rq, a0, oc); op[oc + 1] = tr_requant(rq, a1, oc + 1);
      op[oc + 2] = tr_requant(rq, a2, oc + 2); op[oc + 3] = tr_requant(rq, a3, oc + 3);
    }
    for (; oc < oc_end; oc++) {
      int32_t acc = p->bias_folded[oc];
      const int8_t *f = filter + oc;
      for (int32_t k = 0; k < taps; k++, f += oc_n) acc += (int32_t)xb[k] * (int32_t)*f;
      op[oc] = tr_requant(rq, acc, oc);
    }
  }
}

/* Fallback for windows larger than DW_MAX_TAPS: one output channel at a time. */
static void dw_pixel_large(const tr_dwconv_s8_params_t *p, const tr_requant_t *rq, const int8_t *in_b, int32_t iy0, int32_t ix0,
                           const int8_t *filter, int8_t *op) {
  const int32_t oc_n = p->out.c, dm = p->depth_multiplier;
  for (int32_t oc = 0; oc < oc_n; oc++) {
    const int32_t ic = oc / dm;
    const int32_t pad = p->pad_row[ic];
    int32_t acc = p->bias_folded[oc];
    for (int32_t ky = 0; ky < p->filter_h; ky++) {
      const int row_in = tap_inside(iy0, ky, p->dilation_h, p->in.h);
      const int8_t *row = in_b + (iy0 + ky * p->dilation_h) * p->in.sh + ic;
      const int8_t *f = filter + ky * p->filter_w * oc_n + oc;
      for (int32_t kx = 0; kx < p->filter_w; kx++) {
        const int32_t ix = ix0 + kx * p->dilation_w;
        const int32_t x = (row_in && ix >= 0 && ix < p->in.w) ? (int32_t)row[ix * p->in.sw] : pad;
        acc += x * f[kx * oc_n];
      }
    }
    op[oc] = tr_requant(rq, acc, oc);
  }
}

void tr_depthwise_conv2d_s8_fast(const tr_dwconv_s8_params_t *p, const int8_t *in,
                                 const int8_t *filter, const int32_t *bias, int8_t *out) {
  if (!p->bias_folded || !p->pad_row) {
    tr_depthwise_conv2d_s8(p, in, filter, bias, out);
    return;
  }
  const int is3x3 = p->filter_h == 3 && p->filter_w == 3 && p->dilation_h == 1 && p->dilation_w == 1 &&
                    p->depth_multiplier == 1;
  const int small = p->filter_h * p->filter_w <= DW_MAX_TAPS;
  const tr_requant_t rq_l = requant_of(p);
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < p->out.w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int8_t *op = out + b * p->out.sn + oy * p->out.sh + ox * p->out.sw;
        if (is3x3) dw_pixel_3x3(p, &rq_l, in_b, iy0, ix0, filter, op);
        else if (small) dw_pixel(p, &rq_l, in_b, iy0, ix0, filter, op);
        else dw_pixel_large(p, &rq_l, in_b, iy0, ix0, filter, op);
      }
    }
  }
}

void tr_depthwise_conv2d_s8_fast_pixel(const tr_dwconv_s8_params_t *p, const int8_t *in_b,
                                       int32_t iy0, int32_t ix0, const int8_t *filter, int8_t *op) {
  const tr_requant_t rq_l = requant_of(p);
  const int is3x3 = p->filter_h == 3 && p->filter_w == 3 && p->dilation_h == 1 && p->dilation_w == 1 &&
                    p->depth_multiplier == 1;
  if (is3x3) dw_pixel_3x3(p, &rq_l, in_b, iy0, ix0, filter, op);
  else if (p->filter_h * p->filter_w <= DW_MAX_TAPS) dw_pixel(p, &rq_l, in_b, iy0, ix0, filter, op);
  else dw_pixel_large(p, &rq_l, in_b, iy0, ix0, filter, op);
}
