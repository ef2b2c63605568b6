/* CONV_2D int8, optimized (same signature and results as tr_conv2d_s8):
 * - the input offset is folded into the bias at generation time (bias_folded), so for output
 *   pixels whose window lies inside the input the inner loop is a pure int8 dot product;
 * - the window is read in contiguous runs (a whole filter row when pixels are dense and the
 *   horizontal dilation is 1; a 1x1 conv is one run per pixel, no im2col);
 * - four output channels at a time share each input load (SMLAD, tr_simd.h).
 * Border pixels (window partly in the padding) take the reference computation. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_simd.h"

static inline int8_t requant(const tr_conv_s8_params_t *p, int32_t acc, int32_t oc) {
  acc = tr_mbqm(acc, p->out_mult[oc], p->out_shift[oc]) + p->output_offset;
  return (int8_t)tr_clamp_i32(acc, p->act_min, p->act_max);
}

/* Reference arithmetic for one output pixel (used at the borders). */
static void border_pixel(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                         const int32_t *bias, int8_t *op, int32_t b, int32_t iy0, int32_t ix0) {
  const int32_t ic_n = p->in.c;
  for (int32_t oc = 0; oc < p->out.c; oc++) {
    int32_t acc = 0;
    for (int32_t ky = 0; ky < p->filter_h; ky++) {
      const int32_t iy = iy0 + ky * p->dilation_h;
      if (iy < 0 || iy >= p->in.h) continue;
      for (int32_t kx = 0; kx < p->filter_w; kx++) {
        const int32_t ix = ix0 + kx * p->dilation_w;
        if (ix < 0 || ix >= p->in.w) continue;
        const int8_t *ip = in + b * p->in.sn + iy * p->in.sh + ix * p->in.sw;
        const int8_t *fp = filter + ((oc * p->filter_h + ky) * p->filter_w + kx) * ic_n;
        for (int32_t ic = 0; ic < ic_n; ic++) acc += (int32_t)fp[ic] * ((int32_t)ip[ic] + p->input_offset);
      }
    }
    if (bias) acc += bias[oc];
    op[oc] = requant(p, acc, oc);
  }
}

void tr_conv2d_s8_fast(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                       const int32_t *bias, int8_t *out) {
  if (!p->bias_folded) {
    tr_conv2d_s8(p, in, filter, bias, out);
    return;
  }
  const int32_t ic_n = p->in.c;
  const int32_t k_len = p->filter_h * p->filter_w * ic_n;           /* one filter, OHWI */
  const int32_t eff_h = (p->filter_h - 1) * p->dilation_h + 1;
  const int32_t eff_w = (p->filter_w - 1) * p->dilation_w + 1;
  /* A filter row is one contiguous run when pixels are dense and not dilated. */
  const int row_runs = (p->in.sw == ic_n && p->dilation_w == 1);
  const int32_t run_len = row_runs ? p->filter_w * ic_n : ic_n;
  const int32_t runs_per_row = row_runs ? 1 : p->filter_w;
  for (int32_t b = 0; b < p->out.n; b++) {
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      const int y_inside = iy0 >= 0 && iy0 + eff_h <= p->in.h;
      for (int32_t ox = 0; ox < p->out.w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int8_t *op = out + b * p->out.sn + oy * p->out.sh + ox * p->out.sw;
        if (!y_inside || ix0 < 0 || ix0 + eff_w > p->in.w) {
          border_pixel(p, in, filter, bias, op, b, iy0, ix0);
          continue;
        }
        const int8_t *base = in + b * p->in.sn + iy0 * p->in.sh + ix0 * p->in.sw;
        int32_t oc = 0;
        for (; oc + 4 <= p->out.c; oc += 4) {
          int32_t acc[4] = { p->bias_folded[oc], p->bias_folded[oc + 1], p->bias_folded[oc + 2], p->bias_folded[oc + 3] };
          const int8_t *fp = filter + oc * k_len;
          for (int32_t ky = 0; ky < p->filter_h; ky++) {
            const int8_t *row = base + ky * p->dilation_h * p->in.sh;
            for (int32_t r = 0; r < runs_per_row; r++) {
              tr_dot4_s8(row + r * p->dilation_w * p->in.sw, fp, k_len, run_len, acc);
              fp += run_len;
            }
          }
          op[oc] = requant(p, acc[0], oc);
          op[oc + 1] = requant(p, acc[1], oc + 1);
          op[oc + 2] = requant(p, acc[2], oc + 2);
          op[oc + 3] = requant(p, acc[3], oc + 3);
        }
        for (; oc < p->out.c; oc++) {
          int32_t acc = p->bias_folded[oc];
          const int8_t *fp = filter + oc * k_len;
          for (int32_t ky = 0; ky < p->filter_h; ky++) {
            const int8_t *row = base + ky * p->dilation_h * p->in.sh;
            for (int32_t r = 0; r < runs_per_row; r++) {
              acc = tr_dot1_s8(row + r * p->dilation_w * p->in.sw, fp, run_len, acc);
              fp += run_len;
            }
          }
          op[oc] = requant(p, acc, oc);
        }
      }
    }
  }
}
