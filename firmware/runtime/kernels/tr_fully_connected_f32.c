/* FULLY_CONNECTED float32: TFLite reference_ops::FullyConnected. */
#include "tr_kernels.h"

void tr_fully_connected_f32(const tr_fc_f32_params_t *p, const float *in, const float *weights,
                            const float *bias, float *out) {
  for (int32_t b = 0; b < p->batches; b++) {
    const float *x = in + b * p->in_row_stride;
    float *y = out + b * p->out_row_stride;
    for (int32_t o = 0; o < p->out_depth; o++) {
      const float *w = weights + o * p->in_depth;
      float total = 0.0f;
      for (int32_t d = 0; d < p->in_depth; d++) total += x[d] * w[d];
      float v = total + (bias ? bias[o] : 0.0f);
      y[o] = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
    }
  }
}
