/* DEPTHWISE_CONV_2D int8, per-channel: TFLite reference_integer_ops::DepthwiseConvPerChannel. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

void tr_depthwise_conv2d_s8(const tr_dwconv_s8_params_t *p, const int8_t *in,
                            const int8_t *filter, const int32_t *bias, int8_t *out) {
  const int32_t oc_n = p->out.c;
  const int32_t dm = p->depth_multiplier;
  for (int32_t b = 0; b < p->out.n; b++) {
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < p->out.w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int8_t *op = out + b * p->out.sn + oy * p->out.sh + ox * p->out.sw;
        for (int32_t ic = 0; ic < p->in.c; ic++) {
          for (int32_t m = 0; m < dm; m++) {
            const int32_t oc = ic * dm + m;
            int32_t acc = 0;
            for (int32_t ky = 0; ky < p->filter_h; ky++) {
              const int32_t iy = iy0 + ky * p->dilation_h;
              if (iy < 0 || iy >= p->in.h) continue;
              for (int32_t kx = 0; kx < p->filter_w; kx++) {
                const int32_t ix = ix0 + kx * p->dilation_w;
                if (ix < 0 || ix >= p->in.w) continue;
                int32_t iv = in[b * p->in.sn + iy * p->in.sh + ix * p->in.sw + ic];
                int32_t fv = filter[(ky * p->filter_w + kx) * oc_n + oc];
                acc += fv * (iv + p->input_offset);
              }
            }
            if (bias) acc += bias[oc];
            acc = (p->fscale ? tr_rq_fp32(acc, p->fscale[oc]) : tr_mbqm(acc, p->out_mult[oc], p->out_shift[oc]));
            acc += p->output_offset;
            op[oc] = (int8_t)tr_clamp_i32(acc, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}
