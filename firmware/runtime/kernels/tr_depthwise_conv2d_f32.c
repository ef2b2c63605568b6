/* DEPTHWISE_CONV_2D float32: TFLite reference_ops::DepthwiseConv. */
#include "tr_kernels.h"

void tr_depthwise_conv2d_f32(const tr_dwconv_f32_params_t *p, const float *in,
                             const float *filter, const float *bias, float *out) {
  const int32_t oc_n = p->out.c;
  const int32_t dm = p->depth_multiplier;
  for (int32_t b = 0; b < p->out.n; b++) {
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < p->out.w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        float *op = out + b * p->out.sn + oy * p->out.sh + ox * p->out.sw;
        for (int32_t ic = 0; ic < p->in.c; ic++) {
          for (int32_t m = 0; m < dm; m++) {
            const int32_t oc = ic * dm + m;
            float total = 0.0f;
            for (int32_t ky = 0; ky < p->filter_h; ky++) {
              const int32_t iy = iy0 + ky * p->dilation_h;
              if (iy < 0 || iy >= p->in.h) continue;
              for (int32_t kx = 0; kx < p->filter_w; kx++) {
                const int32_t ix = ix0 + kx * p->dilation_w;
                if (ix < 0 || ix >= p->in.w) continue;
                total += in[b * p->in.sn + iy * p->in.sh + ix * p->in.sw + ic] *
                         filter[(ky * p->filter_w + kx) * oc_n + oc];
              }
            }
            float v = total + (bias ? bias[oc] : 0.0f);
            op[oc] = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
          }
        }
      }
    }
  }
}
