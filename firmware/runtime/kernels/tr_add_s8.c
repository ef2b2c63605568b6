/* ADD int8: TFLite reference (both inputs shifted left by left_shift, rescaled, summed,
 * rescaled to the output). Broadcast through zero strides; a contiguous same-shape fast path.
 * The multipliers are non-negative (QuantizeMultiplierSmallerThanOneExp), so the cheaper
 * tr_mbqm_pos gives the same results. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

static inline int8_t add_one(const tr_binary_params_t *p, int32_t x, int32_t y) {
  if (p->xnn) {
    /* XNNPACK's qs8 vadd: ~22-bit multipliers, one shift (wraps like int32) */
    const int32_t acc = (int32_t)((uint32_t)p->xnn_bias + (uint32_t)(x * p->xnn_a_mult) + (uint32_t)(y * p->xnn_b_mult));
    return (int8_t)tr_clamp_i32((acc >> p->xnn_shift) + p->out_offset, p->act_min, p->act_max);
  }
  const int32_t sx = tr_mbqm_pos(tr_shl_i32(p->in1_offset + x, p->left_shift), p->in1_mult, p->in1_shift);
  const int32_t sy = tr_mbqm_pos(tr_shl_i32(p->in2_offset + y, p->left_shift), p->in2_mult, p->in2_shift);
  const int32_t r = tr_mbqm_pos(sx + sy, p->out_mult, p->out_shift) + p->out_offset;
  return (int8_t)tr_clamp_i32(r, p->act_min, p->act_max);
}

void tr_add_s8(const tr_binary_params_t *p, const int8_t *a, const int8_t *b, int8_t *out) {
  const int32_t n = p->dims[0] * p->dims[1] * p->dims[2] * p->dims[3];
  const int contiguous = p->s1[3] == 1 && p->s2[3] == 1 && p->so[3] == 1 &&
                         p->s1[2] == p->dims[3] && p->s2[2] == p->dims[3] && p->so[2] == p->dims[3] &&
                         p->s1[1] == p->dims[2] * p->dims[3] && p->s2[1] == p->s1[1] && p->so[1] == p->s1[1] &&
                         p->s1[0] == p->dims[1] * p->s1[1] && p->s2[0] == p->s1[0] && p->so[0] == p->s1[0];
  if (contiguous) {
    for (int32_t i = 0; i < n; i++) out[i] = add_one(p, a[i], b[i]);
    return;
  }
  for (int32_t i0 = 0; i0 < p->dims[0]; i0++)
    for (int32_t i1 = 0; i1 < p->dims[1]; i1++)
      for (int32_t i2 = 0; i2 < p->dims[2]; i2++) {
        const int8_t *pa = a + i0 * p->s1[0] + i1 * p->s1[1] + i2 * p->s1[2];
        const int8_t *pb = b + i0 * p->s2[0] + i1 * p->s2[1] + i2 * p->s2[2];
        int8_t *po = out + i0 * p->so[0] + i1 * p->so[1] + i2 * p->so[2];
        for (int32_t i3 = 0; i3 < p->dims[3]; i3++) po[i3 * p->so[3]] = add_one(p, pa[i3 * p->s1[3]], pb[i3 * p->s2[3]]);
      }
}
