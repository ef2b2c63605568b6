/* MEAN over the flagged dims of a 4-D input.
 * int8: sum of (q - input_zp) in int32, rescaled by in_scale / (out_scale * count) with
 * MultiplyByQuantizedMultiplier, plus output_zp, clamped (TFLite's integer mean).
 * float32: sum / count. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

static int32_t in_index(const tr_mean_params_t *p, const int32_t *idx) {
  return ((idx[0] * p->in_dims[1] + idx[1]) * p->in_dims[2] + idx[2]) * p->in_dims[3] + idx[3];
}

/* Walks every output position (reduced dims fixed at 0) and, inside, every reduced position. */
#define TR_MEAN_LOOP(BODY_INIT, BODY_ACC, BODY_STORE)                                        \
  int32_t od[4], out_i = 0;                                                                  \
  for (int d = 0; d < 4; d++) od[d] = p->reduce[d] ? 1 : p->in_dims[d];                      \
  int32_t o[4];                                                                              \
  for (o[0] = 0; o[0] < od[0]; o[0]++)                                                       \
    for (o[1] = 0; o[1] < od[1]; o[1]++)                                                     \
      for (o[2] = 0; o[2] < od[2]; o[2]++)                                                   \
        for (o[3] = 0; o[3] < od[3]; o[3]++) {                                               \
          BODY_INIT;                                                                         \
          int32_t rd[4], r[4];                                                               \
          for (int d = 0; d < 4; d++) rd[d] = p->reduce[d] ? p->in_dims[d] : 1;              \
          for (r[0] = 0; r[0] < rd[0]; r[0]++)                                               \
            for (r[1] = 0; r[1] < rd[1]; r[1]++)                                             \
              for (r[2] = 0; r[2] < rd[2]; r[2]++)                                           \
                for (r[3] = 0; r[3] < rd[3]; r[3]++) {                                       \
                  int32_t idx[4] = {o[0] + r[0], o[1] + r[1], o[2] + r[2], o[3] + r[3]};    \
                  BODY_ACC;                                                                  \
                }                                                                            \
          BODY_STORE;                                                                        \
          out_i++;                                                                           \
        }

/* acc = sum(q - input_zp) over the num_reduced values -> the output value before clamping. */
static int32_t mean_finish(const tr_mean_params_t *p, int32_t acc) {
  switch (p->mode) {
    case 1: return tr_rq_fp32(acc, p->fscale) + p->output_zp;
    case 2: return (acc + p->input_zp * p->num_reduced) / p->num_reduced;
    case 3: {
      const float m = (float)(acc + p->input_zp * p->num_reduced) / (float)p->num_reduced;
      return tr_round_half_away_f(m * p->fscale + p->fbias) + p->output_zp;
    }
    default: return tr_mbqm(acc, p->out_mult, p->out_shift) + p->output_zp;
  }
}

void tr_mean_s8(const tr_mean_params_t *p, const int8_t *in, int8_t *out) {
  TR_MEAN_LOOP(int32_t acc = 0,
               acc += (int32_t)in[in_index(p, idx)] - p->input_zp,
               out[out_i] = (int8_t)tr_clamp_i32(mean_finish(p, acc), p->act_min, p->act_max))
}

void tr_mean_f32(const tr_mean_params_t *p, const float *in, float *out) {
  TR_MEAN_LOOP(float acc = 0.0f,
               acc += in[in_index(p, idx)],
               out[out_i] = acc / (float)p->num_reduced)
}
