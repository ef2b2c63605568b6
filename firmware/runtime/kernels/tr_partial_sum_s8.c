/* PARTIAL_SUM / PARTIAL_SUM_REQUANTIZE int8: the partial-sum ending of Fused Depthwise Tiling.
 * Same accumulation as tr_conv2d_s8 / tr_fully_connected_s8 restricted to a slice of input
 * channels (int32 wrap-around, so the order of slices cannot change the sum), and the same
 * requantization tail, applied once to the complete sum. Reference semantics; the optimized
 * variants (same results) are in tr_partial_sum_s8_fast.c. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"

void tr_partial_conv2d_s8(const tr_partial_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                          const int32_t *acc_in, int32_t *acc_out) {
  const int32_t ic_n = p->in.c;
  for (int32_t b = 0; b < p->out.n; b++) {
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < p->out.w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        const int32_t at = b * p->out.sn + oy * p->out.sh + ox * p->out.sw;
        for (int32_t oc = 0; oc < p->out.c; oc++) {
          uint32_t acc = acc_in ? (uint32_t)acc_in[at + oc] : 0u;
          for (int32_t ky = 0; ky < p->filter_h; ky++) {
            const int32_t iy = iy0 + ky * p->dilation_h;
            if (iy < 0 || iy >= p->in.h) continue;
            for (int32_t kx = 0; kx < p->filter_w; kx++) {
              const int32_t ix = ix0 + kx * p->dilation_w;
              if (ix < 0 || ix >= p->in.w) continue;
              const int8_t *ip = in + b * p->in.sn + iy * p->in.sh + ix * p->in.sw;
              const int8_t *fp = filter + ((oc * p->filter_h + ky) * p->filter_w + kx) * ic_n;
              for (int32_t ic = 0; ic < ic_n; ic++) {
                acc += (uint32_t)((int32_t)fp[ic] * ((int32_t)ip[ic] + p->input_offset));
              }
            }
          }
          acc_out[at + oc] = (int32_t)acc;
        }
      }
    }
  }
}

void tr_partial_fc_s8(const tr_partial_fc_s8_params_t *p, const int8_t *in, const int8_t *weights,
                      const int32_t *acc_in, int32_t *acc_out) {
  for (int32_t b = 0; b < p->batches; b++) {
    const int8_t *x = in + b * p->in_depth;
    for (int32_t o = 0; o < p->out_depth; o++) {
      const int8_t *w = weights + o * p->in_depth;
      const int32_t at = b * p->out_depth + o;
      uint32_t acc = acc_in ? (uint32_t)acc_in[at] : 0u;
      for (int32_t d = 0; d < p->in_depth; d++) {
        acc += (uint32_t)(((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset));
      }
      acc_out[at] = (int32_t)acc;
    }
  }
}

/* XNNPACK's lrintf((float)acc * scale): round half to even via the 1.5 * 2^23 magic number,
 * exact for |v| < 2^22 (larger values are clamped first; they saturate int8 either way). */
static int32_t partial_rq_fp32(int32_t acc, float scale) {
  volatile float v = (float)acc * scale;
  float c = v < -4194304.0f ? -4194304.0f : (v > 4194304.0f ? 4194304.0f : v);
  volatile float r = c + 12582912.0f;
  return (int32_t)(r - 12582912.0f);
}

void tr_partial_requant_s8(const tr_partial_requant_s8_params_t *p, const int32_t *acc,
                           const int32_t *bias, int8_t *out) {
  for (int32_t i = 0; i < p->count; i++) {
    const int32_t c = i % p->channels;
    int32_t a = acc[i];
    if (bias) a = (int32_t)((uint32_t)a + (uint32_t)bias[c]);
    int32_t v = p->fscale ? partial_rq_fp32(a, p->fscale[c]) : tr_mbqm(a, p->out_mult[c], p->out_shift[c]);
    v += p->output_offset;
    out[i] = (int8_t)tr_clamp_i32(v, p->act_min, p->act_max);
  }
}

void tr_partial_pool_sum_s8(const tr_partial_pool_s8_params_t *p, const int8_t *in,
                            const int32_t *acc_in, int32_t *acc_out) {
  const int32_t c_n = p->in.c;
  for (int32_t b = 0; b < p->in.n; b++) {
    for (int32_t c = 0; c < c_n; c++) acc_out[b * c_n + c] = acc_in ? acc_in[b * c_n + c] : 0;
    for (int32_t y = 0; y < p->in.h; y++) {
      for (int32_t x = 0; x < p->in.w; x++) {
        const int8_t *ip = in + b * p->in.sn + y * p->in.sh + x * p->in.sw;
        for (int32_t c = 0; c < c_n; c++) acc_out[b * c_n + c] += ip[c];
      }
    }
  }
}

void tr_partial_pool_finish_s8(const tr_partial_pool_finish_s8_params_t *p, const int32_t *acc, int8_t *out) {
  const int32_t half = p->window / 2;
  for (int32_t i = 0; i < p->count; i++) {
    const int32_t s = acc[i];
    /* C division truncates; the half-window nudge rounds half away from zero. */
    const int32_t r = s > 0 ? (s + half) / p->window : (s - half) / p->window;
    out[i] = (int8_t)tr_clamp_i32(r, p->act_min, p->act_max);
  }
}
