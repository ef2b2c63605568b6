/* ADD float32: TFLite reference elementwise semantics, broadcast through zero strides. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

void tr_add_f32(const tr_binary_params_t *p, const float *a, const float *b, float *out) {
  for (int32_t i0 = 0; i0 < p->dims[0]; i0++)
    for (int32_t i1 = 0; i1 < p->dims[1]; i1++)
      for (int32_t i2 = 0; i2 < p->dims[2]; i2++) {
        const float *pa = a + i0 * p->s1[0] + i1 * p->s1[1] + i2 * p->s1[2];
        const float *pb = b + i0 * p->s2[0] + i1 * p->s2[1] + i2 * p->s2[2];
        float *po = out + i0 * p->so[0] + i1 * p->so[1] + i2 * p->so[2];
        for (int32_t i3 = 0; i3 < p->dims[3]; i3++) {
          const float x = pa[i3 * p->s1[3]];
          const float y = pb[i3 * p->s2[3]];
          const float v = x + y;
          po[i3 * p->so[3]] = v < p->act_min_f ? p->act_min_f : (v > p->act_max_f ? p->act_max_f : v);
        }
      }
}
