/* LOGISTIC and TANH float32. */
#include <math.h>
#include "tr_kernels.h"

void tr_logistic_f32(int32_t n, const float *in, float *out) {
  for (int32_t i = 0; i < n; i++) out[i] = 1.0f / (1.0f + expf(-in[i]));
}

void tr_tanh_f32(int32_t n, const float *in, float *out) {
  for (int32_t i = 0; i < n; i++) out[i] = tanhf(in[i]);
}
