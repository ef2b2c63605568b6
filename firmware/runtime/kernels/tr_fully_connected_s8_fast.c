/* FULLY_CONNECTED int8, optimized: the input offset is folded into the bias at generation time
 * (bias_folded), so the inner loop is a pure int8 dot product, done four output rows at a time
 * with SMLAD (tr_simd.h). Bit-exact with tr_fully_connected_s8: the int32 sums are the same
 * (integer addition is exact modulo 2^32 in any order). Needs filter_offset == 0. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_simd.h"

static inline int8_t requant(const tr_fc_s8_params_t *p, const tr_requant_t *rq, int32_t acc, int32_t o) {
  return tr_requant(rq, acc, p->per_channel ? o : 0);
}

void tr_fully_connected_s8_fast(const tr_fc_s8_params_t *p, const int8_t *in,
                                const int8_t *weights, const int32_t *bias, int8_t *out) {
  if (!p->bias_folded || p->filter_offset != 0) {
    tr_fully_connected_s8(p, in, weights, bias, out);
    return;
  }
  const int32_t depth = p->in_depth;
  const tr_requant_t rq = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  for (int32_t b = 0; b < p->batches; b++) {
    const int8_t *x = in + b * p->in_row_stride;
    int8_t *y = out + b * p->out_row_stride;
    int32_t o = 0;
    for (; o + 4 <= p->out_depth; o += 4) {
      int32_t acc[4] = { p->bias_folded[o], p->bias_folded[o + 1], p->bias_folded[o + 2], p->bias_folded[o + 3] };
      tr_dot4_s8(x, weights + o * depth, depth, depth, acc);
      y[o] = requant(p, &rq, acc[0], o);
      y[o + 1] = requant(p, &rq, acc[1], o + 1);
      y[o + 2] = requant(p, &rq, acc[2], o + 2);
      y[o + 3] = requant(p, &rq, acc[3], o + 3);
    }
    for (; o < p->out_depth; o++) {
      y[o] = requant(p, &rq, tr_dot1_s8(x, weights + o * depth, depth, p->bias_folded[o]), o);
    }
  }
}
