/* DEPTHWISE_CONV_2D int8, optimized (same signature and results as tr_depthwise_conv2d_s8):
 * input offset folded into the bias at generation time, no bounds checks for output pixels
 * whose window lies inside the input, and a fully unrolled 3x3 path (the common case).
 * Border pixels take the reference computation. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

static inline int8_t requant(const tr_dwconv_s8_params_t *p, int32_t acc, int32_t oc) {
  acc = tr_mbqm(acc, p->out_mult[oc], p->out_shift[oc]) + p->output_offset;
  return (int8_t)tr_clamp_i32(acc, p->act_min, p->act_max);
}

static void border_pixel(const tr_dwconv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                         const int32_t *bias, int8_t *op, int32_t b, int32_t iy0, int32_t ix0) {
  const int32_t oc_n = p->out.c, dm = p->depth_multiplier;
  for (int32_t oc = 0; oc < oc_n; oc++) {
    const int32_t ic = oc / dm;
    int32_t acc = 0;
    for (int32_t ky = 0; ky < p->filter_h; ky++) {
      const int32_t iy = iy0 + ky * p->dilation_h;
      if (iy < 0 || iy >= p->in.h) continue;
      for (int32_t kx = 0; kx < p->filter_w; kx++) {
        const int32_t ix = ix0 + kx * p->dilation_w;
        if (ix < 0 || ix >= p->in.w) continue;
        const int32_t iv = in[b * p->in.sn + iy * p->in.sh + ix * p->in.sw + ic];
        acc += (int32_t)filter[(ky * p->filter_w + kx) * oc_n + oc] * (iv + p->input_offset);
      }
    }
    if (bias) acc += bias[oc];
    op[oc] = requant(p, acc, oc);
  }
}

void tr_depthwise_conv2d_s8_fast(const tr_dwconv_s8_params_t *p, const int8_t *in,
                                 const int8_t *filter, const int32_t *bias, int8_t *out) {
  if (!p->bias_folded) {
    tr_depthwise_conv2d_s8(p, in, filter, bias, out);
    return;
  }
  const int32_t oc_n = p->out.c, dm = p->depth_multiplier;
  const int32_t eff_h = (p->filter_h - 1) * p->dilation_h + 1;
  const int32_t eff_w = (p->filter_w - 1) * p->dilation_w + 1;
  const int is3x3 = p->filter_h == 3 && p->filter_w == 3 && p->dilation_h == 1 && p->dilation_w == 1 && dm == 1;
  const int32_t sh = p->in.sh, sw = p->in.sw;
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
        const int8_t *base = in + b * p->in.sn + iy0 * sh + ix0 * sw;
        if (is3x3) {
          const int8_t *r0 = base, *r1 = base + sh, *r2 = base + 2 * sh;
          const int8_t *f = filter;
          for (int32_t c = 0; c < oc_n; c++) {
            int32_t acc = p->bias_folded[c];
            acc += (int32_t)r0[c] * f[c] + (int32_t)r0[sw + c] * f[oc_n + c] + (int32_t)r0[2 * sw + c] * f[2 * oc_n + c];
            acc += (int32_t)r1[c] * f[3 * oc_n + c] + (int32_t)r1[sw + c] * f[4 * oc_n + c] + (int32_t)r1[2 * sw + c] * f[5 * oc_n + c];
            acc += (int32_t)r2[c] * f[6 * oc_n + c] + (int32_t)r2[sw + c] * f[7 * oc_n + c] + (int32_t)r2[2 * sw + c] * f[8 * oc_n + c];
            op[c] = requant(p, acc, c);
          }
          continue;
        }
        for (int32_t oc = 0; oc < oc_n; oc++) {
          const int32_t ic = oc / dm;
          int32_t acc = p->bias_folded[oc];
          for (int32_t ky = 0; ky < p->filter_h; ky++) {
            const int8_t *row = base + ky * p->dilation_h * sh + ic;
            const int8_t *f = filter + ky * p->filter_w * oc_n + oc;
            for (int32_t kx = 0; kx < p->filter_w; kx++) acc += (int32_t)row[kx * p->dilation_w * sw] * f[kx * oc_n];
          }
          op[oc] = requant(p, acc, oc);
        }
      }
    }
  }
}
