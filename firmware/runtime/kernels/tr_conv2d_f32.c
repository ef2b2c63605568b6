/* CONV_2D float32: TFLite reference_ops::Conv (bias added after the dot product). */
#include "tr_kernels.h"

void tr_conv2d_f32(const tr_conv_f32_params_t *p, const float *in, const float *filter,
                   const float *bias, float *out) {
  const int32_t ic_n = p->in.c;
  for (int32_t b = 0; b < p->out.n; b++) {
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < p->out.w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        float *op = out + b * p->out.sn + oy * p->out.sh + ox * p->out.sw;
        for (int32_t oc = 0; oc < p->out.c; oc++) {
          float total = 0.0f;
          for (int32_t ky = 0; ky < p->filter_h; ky++) {
            const int32_t iy = iy0 + ky * p->dilation_h;
            if (iy < 0 || iy >= p->in.h) continue;
            for (int32_t kx = 0; kx < p->filter_w; kx++) {
              const int32_t ix = ix0 + kx * p->dilation_w;
              if (ix < 0 || ix >= p->in.w) continue;
              const float *ip = in + b * p->in.sn + iy * p->in.sh + ix * p->in.sw;
              const float *fp = filter + ((oc * p->filter_h + ky) * p->filter_w + kx) * ic_n;
              for (int32_t ic = 0; ic < ic_n; ic++) total += ip[ic] * fp[ic];
            }
          }
          float v = total + (bias ? bias[oc] : 0.0f);
          op[oc] = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
        }
      }
    }
  }
}
