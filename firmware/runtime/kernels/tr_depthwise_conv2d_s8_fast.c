/* DEPTHWISE_CONV_2D int8, optimized (same signature and results as tr_depthwise_conv2d_s8):
 * - input offset folded into the bias at generation time; taps outside the input read
 *   pad_row (the input zero point), which contributes 0 on top of the folded bias;
 * - 3x3 with depth multiplier 1 (the common case): nine tap pointers, fully unrolled;
 * - otherwise taps outermost: each input value is loaded once for all depth_multiplier outputs
 *   it feeds (8 accumulators at a time, unrolled);
 * - requantization with the non-negative-multiplier form (tr_mbqm_pos). */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

static inline int8_t requant(const tr_dwconv_s8_params_t *p, int32_t acc, int32_t oc) {
  acc = tr_mbqm_pos(acc, p->out_mult[oc], p->out_shift[oc]) + p->output_offset;
  return (int8_t)tr_clamp_i32(acc, p->act_min, p->act_max);
}

static inline int tap_inside(int32_t origin, int32_t k, int32_t step, int32_t size) {
  const int32_t v = origin + k * step;
  return v >= 0 && v < size;
}

static void dw_pixel_3x3(const tr_dwconv_s8_params_t *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
                         const int8_t *f, int8_t *op) {
  const int8_t *t[9];
  for (int32_t ky = 0; ky < 3; ky++) {
    for (int32_t kx = 0; kx < 3; kx++) {
      const int inside = tap_inside(iy0, ky, 1, p->in.h) && tap_inside(ix0, kx, 1, p->in.w);
      t[ky * 3 + kx] = inside ? in_b + (iy0 + ky) * p->in.sh + (ix0 + kx) * p->in.sw : p->pad_row;
    }
  }
  const int32_t c_n = p->out.c;
  const int8_t *f0 = f, *f1 = f + c_n, *f2 = f + 2 * c_n, *f3 = f + 3 * c_n, *f4 = f + 4 * c_n,
               *f5 = f + 5 * c_n, *f6 = f + 6 * c_n, *f7 = f + 7 * c_n, *f8 = f + 8 * c_n;
  for (int32_t c = 0; c < c_n; c++) {
    int32_t acc = p->bias_folded[c];
    acc += (int32_t)t[0][c] * f0[c] + (int32_t)t[1][c] * f1[c] + (int32_t)t[2][c] * f2[c];
    acc += (int32_t)t[3][c] * f3[c] + (int32_t)t[4][c] * f4[c] + (int32_t)t[5][c] * f5[c];
    acc += (int32_t)t[6][c] * f6[c] + (int32_t)t[7][c] * f7[c] + (int32_t)t[8][c] * f8[c];
    op[c] = requant(p, acc, c);
  }
}

/* Any window and depth multiplier: taps outermost, up to 8 outputs per input channel at once. */
static void dw_pixel(const tr_dwconv_s8_params_t *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
                     const int8_t *filter, int8_t *op) {
  const int32_t oc_n = p->out.c, dm = p->depth_multiplier;
  for (int32_t ic = 0; ic < p->in.c; ic++) {
    for (int32_t m0 = 0; m0 < dm; m0 += 8) {
      const int32_t oc0 = ic * dm + m0;
      const int32_t n = dm - m0 < 8 ? dm - m0 : 8;
      int32_t a[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
      for (int32_t k = 0; k < n; k++) a[k] = p->bias_folded[oc0 + k];
      for (int32_t ky = 0; ky < p->filter_h; ky++) {
        const int row_in = tap_inside(iy0, ky, p->dilation_h, p->in.h);
        const int8_t *f = filter + ky * p->filter_w * oc_n + oc0;
        for (int32_t kx = 0; kx < p->filter_w; kx++, f += oc_n) {
          const int inside = row_in && tap_inside(ix0, kx, p->dilation_w, p->in.w);
          const int32_t x = inside ? in_b[(iy0 + ky * p->dilation_h) * p->in.sh + (ix0 + kx * p->dilation_w) * p->in.sw + ic]
                                   : p->pad_row[ic];
          if (n == 8) {
            a[0] += x * f[0]; a[1] += x * f[1]; a[2] += x * f[2]; a[3] += x * f[3];
            a[4] += x * f[4]; a[5] += x * f[5]; a[6] += x * f[6]; a[7] += x * f[7];
          } else {
            for (int32_t k = 0; k < n; k++) a[k] += x * f[k];
          }
        }
      }
      for (int32_t k = 0; k < n; k++) op[oc0 + k] = requant(p, a[k], oc0 + k);
    }
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
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < p->out.w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int8_t *op = out + b * p->out.sn + oy * p->out.sh + ox * p->out.sw;
        if (is3x3) dw_pixel_3x3(p, in_b, iy0, ix0, filter, op);
        else dw_pixel(p, in_b, iy0, ix0, filter, op);
      }
    }
  }
}
