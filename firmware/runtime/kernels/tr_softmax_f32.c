/* SOFTMAX float32: TFLite reference_ops::Softmax. */
#include <math.h>
#include "tr_kernels.h"

void tr_softmax_f32(const tr_softmax_params_t *p, const float *in, float *out) {
  for (int32_t r = 0; r < p->rows; r++) {
    const float *x = in + r * p->depth;
    float *y = out + r * p->depth;
    float max = x[0];
    for (int32_t c = 1; c < p->depth; c++) if (x[c] > max) max = x[c];
    float sum = 0.0f;
    for (int32_t c = 0; c < p->depth; c++) {
      y[c] = expf((x[c] - max) * p->beta);
      sum += y[c];
    }
    for (int32_t c = 0; c < p->depth; c++) y[c] = y[c] / sum;
  }
}
