/* MUL int8: TFLite reference elementwise semantics, broadcast through zero strides. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

void tr_mul_s8(const tr_binary_params_t *p, const int8_t *a, const int8_t *b, int8_t *out) {
  for (int32_t i0 = 0; i0 < p->dims[0]; i0++)
    for (int32_t i1 = 0; i1 < p->dims[1]; i1++)
      for (int32_t i2 = 0; i2 < p->dims[2]; i2++) {
        const int8_t *pa = a + i0 * p->s1[0] + i1 * p->s1[1] + i2 * p->s1[2];
        const int8_t *pb = b + i0 * p->s2[0] + i1 * p->s2[1] + i2 * p->s2[2];
        int8_t *po = out + i0 * p->so[0] + i1 * p->so[1] + i2 * p->so[2];
        for (int32_t i3 = 0; i3 < p->dims[3]; i3++) {
          const int8_t x = pa[i3 * p->s1[3]];
          const int8_t y = pb[i3 * p->s2[3]];
          const int32_t prod = (p->in1_offset + x) * (p->in2_offset + y);
          const int32_t r = p->out_offset +
              (p->xnn ? tr_rq_fp32(prod, p->xnn_scale) : tr_mbqm(prod, p->out_mult, p->out_shift));
          po[i3 * p->so[3]] = (int8_t)tr_clamp_i32(r, p->act_min, p->act_max);
        }
      }
}
