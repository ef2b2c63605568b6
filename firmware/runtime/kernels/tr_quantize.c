/* QUANTIZE (float32 -> int8, int8 -> int8 requantize), DEQUANTIZE (int8 -> float32):
 * TFLite AffineQuantize / Requantize / Dequantize. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

void tr_quantize_f32_s8(const tr_quant_params_t *p, const float *in, int8_t *out) {
  for (int32_t i = 0; i < p->n; i++) {
    const int32_t q = (p->xnn ? tr_round_half_even_f(in[i] * p->xnn_inv_scale) : tr_round_half_away_f(in[i] / p->scale)) + p->zero_point;
    out[i] = (int8_t)tr_clamp_i32(q, p->q_min, p->q_max);
  }
}

void tr_requantize_s8(const tr_quant_params_t *p, const int8_t *in, int8_t *out) {
  for (int32_t i = 0; i < p->n; i++) {
    const int32_t q = p->xnn ? (p->xnn_bias + (int32_t)in[i] * p->xnn_mult) >> 8
                             : tr_mbqm((int32_t)in[i] - p->in_zp, p->mult, p->shift) + p->out_zp;
    out[i] = (int8_t)tr_clamp_i32(q, p->q_min, p->q_max);
  }
}

void tr_dequantize_s8_f32(const tr_quant_params_t *p, const int8_t *in, float *out) {
  for (int32_t i = 0; i < p->n; i++) {
    out[i] = (float)((double)p->scale * (double)((int32_t)in[i] - p->zero_point));
  }
}
