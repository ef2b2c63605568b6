/* FULLY_CONNECTED int8: TFLite reference_integer_ops::FullyConnected (per-tensor or per-channel). */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

void tr_fully_connected_s8(const tr_fc_s8_params_t *p, const int8_t *in, const int8_t *weights,
                           const int32_t *bias, int8_t *out) {
  for (int32_t b = 0; b < p->batches; b++) {
    const int8_t *x = in + b * p->in_row_stride;
    int8_t *y = out + b * p->out_row_stride;
    for (int32_t o = 0; o < p->out_depth; o++) {
      const int8_t *w = weights + o * p->in_depth;
      int32_t acc = 0;
      for (int32_t d = 0; d < p->in_depth; d++) {
        acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
      }
      if (bias) acc += bias[o];
      const int32_t ch = p->per_channel ? o : 0;
      acc = p->fscale ? tr_rq_fp32(acc, p->fscale[ch]) : tr_mbqm(acc, p->out_mult[ch], p->out_shift[ch]);
      acc += p->output_offset;
      y[o] = (int8_t)tr_clamp_i32(acc, p->act_min, p->act_max);
    }
  }
}
