/* MAX_POOL_2D int8: TFLite reference pooling semantics
 * (the window is clipped to the input; padding cells do not count). */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

void tr_max_pool_s8(const tr_pool_params_t *p, const int8_t *in, int8_t *out) {
  for (int32_t b = 0; b < p->out.n; b++) {
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      const int32_t fy0 = iy0 < 0 ? -iy0 : 0;
      const int32_t fy1 = p->filter_h < p->in.h - iy0 ? p->filter_h : p->in.h - iy0;
      for (int32_t ox = 0; ox < p->out.w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        const int32_t fx0 = ix0 < 0 ? -ix0 : 0;
        const int32_t fx1 = p->filter_w < p->in.w - ix0 ? p->filter_w : p->in.w - ix0;
        int8_t *op = out + b * p->out.sn + oy * p->out.sh + ox * p->out.sw;
        for (int32_t c = 0; c < p->out.c; c++) {
          int32_t m = -128;
          for (int32_t fy = fy0; fy < fy1; fy++)
            for (int32_t fx = fx0; fx < fx1; fx++) {
              int32_t v = in[b * p->in.sn + (iy0 + fy) * p->in.sh + (ix0 + fx) * p->in.sw + c];
              if (v > m) m = v;
            }
          op[c] = (int8_t)tr_clamp_i32(m, p->act_min, p->act_max);
        }
      }
    }
  }
}
