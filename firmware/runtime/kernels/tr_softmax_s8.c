/* SOFTMAX int8 -> int8 over the innermost axis: TFLite's CPU kernel with a 256-entry float
 * exp table (the reference interpreter's semantics, ir/quant.ts softmaxInt8Row). Float32 steps
 * in the same order; must be compiled without FP contraction (-ffp-contract=off). */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

void tr_softmax_s8(const tr_softmax_params_t *p, const int8_t *in, int8_t *out) {
  for (int32_t r = 0; r < p->rows; r++) {
    const int8_t *x = in + r * p->depth;
    int8_t *y = out + r * p->depth;
    int32_t max_val = -128;
    for (int32_t c = 0; c < p->depth; c++) if (x[c] > max_val) max_val = x[c];
    const float *table = p->table + 255 - max_val;
    float sum_exp = 0.0f;
    for (int32_t c = 0; c < p->depth; c++) sum_exp = sum_exp + table[x[c]];
    const float inv_sum_exp = 1.0f / (sum_exp * p->output_scale);
    for (int32_t c = 0; c < p->depth; c++) {
      const float prob_rescaled = table[x[c]] * inv_sum_exp;
      y[c] = (int8_t)tr_clamp_i32(tr_round_half_away_f(prob_rescaled) + p->output_zp, -128, 127);
    }
  }
}
