/* PARTIAL_SUM / PARTIAL_SUM_REQUANTIZE int8, optimized (same results as tr_partial_sum_s8.c):
 * - the slice's input-offset term (input_offset * sum of the slice's weights per output row) is
 *   precomputed by the generator (acc_init), so the inner loops are pure int8 dot products,
 *   four output rows / channels at a time with SMLAD over SXTB16 pairs (tr_simd.h);
 * - conv: taps in the padding read pad_row (copies of the input zero point), which then add
 *   exactly 0 on top of acc_init, so border pixels run the same dot products as inner ones;
 * - requantization: a row of `channels` values per step (no modulo), single-rounding fixed
 *   point (tr_rq_t) or XNNPACK's fp32 scale through tr_requant.
 * Every accumulator holds the same int32 value (modulo 2^32) as the reference kernel's: integer
 * addition is exact in any order, so the result is bit-exact with the reference and the
 * interpreter. Missing tables (acc_init / pad_row NULL, FC filter offset != 0) fall back to
 * the reference kernels. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_simd.h"

void tr_partial_fc_s8_fast(const tr_partial_fc_s8_fast_params_t *fp, const int8_t *in, const int8_t *weights,
                           const int32_t *acc_in, int32_t *acc_out) {
  const tr_partial_fc_s8_params_t *p = &fp->ref;
  if (!fp->acc_init || p->filter_offset != 0) {
    tr_partial_fc_s8(p, in, weights, acc_in, acc_out);
    return;
  }
  const int32_t depth = p->in_depth, rows = p->out_depth;
  const int32_t *init = fp->acc_init;
  for (int32_t b = 0; b < p->batches; b++) {
    const int8_t *x = in + b * depth;
    const int32_t *ai = acc_in ? acc_in + b * rows : NULL;
    int32_t *ao = acc_out + b * rows;
    int32_t o = 0;
    for (; o + 4 <= rows; o += 4) {
      int32_t acc[4] = { init[o], init[o + 1], init[o + 2], init[o + 3] };
      if (ai) {
        /* wrap-around addition, as the reference kernel's uint32 accumulator */
        for (int32_t k = 0; k < 4; k++) acc[k] = (int32_t)((uint32_t)acc[k] + (uint32_t)ai[o + k]);
      }
      tr_dot4_s8(x, weights + o * depth, depth, depth, acc);
      ao[o] = acc[0]; ao[o + 1] = acc[1]; ao[o + 2] = acc[2]; ao[o + 3] = acc[3];
    }
    for (; o < rows; o++) {
      const int32_t start = ai ? (int32_t)((uint32_t)init[o] + (uint32_t)ai[o]) : init[o];
      ao[o] = tr_dot1_s8(x, weights + o * depth, depth, start);
    }
  }
}

/* First tap k in [0, n) with 0 <= origin + k * step < size, and one past the last. */
static inline void tap_range(int32_t origin, int32_t step, int32_t n, int32_t size, int32_t *k0, int32_t *k1) {
  int32_t a = 0, b = n;
  if (origin < 0) a = (-origin + step - 1) / step;
  const int32_t room = size - 1 - origin;
  if (room < 0) b = 0;
  else if (room / step + 1 < n) b = room / step + 1;
  if (a > n) a = n;
  *k0 = a;
  *k1 = b > a ? b : a;
}

/* acc[0..G) += run of len values . G weight rows (row stride k_len), G = 4 or 1. */
static inline void dot_g(int32_t G, const int8_t *x, const int8_t *w, int32_t k_len, int32_t len, int32_t *acc) {
  if (len <= 0) return;
  if (G == 4) tr_dot4_s8(x, w, k_len, len, acc);
  else acc[0] = tr_dot1_s8(x, w, len, acc[0]);
}

void tr_partial_conv2d_s8_fast(const tr_partial_conv_s8_fast_params_t *fp, const int8_t *in, const int8_t *filter,
                               const int32_t *acc_in, int32_t *acc_out) {
  const tr_partial_conv_s8_params_t *p = &fp->ref;
  if (!fp->acc_init || !fp->pad_row) {
    tr_partial_conv2d_s8(p, in, filter, acc_in, acc_out);
    return;
  }
  const int32_t ic_n = p->in.c, fw = p->filter_w, fh = p->filter_h;
  const int32_t k_len = fh * fw * ic_n;
  /* a filter row is one contiguous input run when pixels are dense and not dilated in W */
  const int row_runs = p->in.sw == ic_n && p->dilation_w == 1;
  const int8_t *pad = fp->pad_row;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tap_range(iy0, p->dilation_h, fh, p->in.h, &ky0, &ky1);
      for (int32_t ox = 0; ox < p->out.w; ox++) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tap_range(ix0, p->dilation_w, fw, p->in.w, &kx0, &kx1);
        const int32_t at = b * p->out.sn + oy * p->out.sh + ox * p->out.sw;
        int32_t oc = 0;
        while (oc < p->out.c) {
          const int32_t G = oc + 4 <= p->out.c ? 4 : 1;
          int32_t acc[4];
          for (int32_t k = 0; k < G; k++) {
            acc[k] = acc_in ? (int32_t)((uint32_t)acc_in[at + oc + k] + (uint32_t)fp->acc_init[oc + k]) : fp->acc_init[oc + k];
          }
          const int8_t *w = filter + oc * k_len;
          for (int32_t ky = 0; ky < fh; ky++) {
            const int8_t *wr = w + ky * fw * ic_n;
            if (ky < ky0 || ky >= ky1) {
              /* whole filter row in the padding: zero points against the row's weights */
              if (row_runs) dot_g(G, pad, wr, k_len, fw * ic_n, acc);
              else for (int32_t kx = 0; kx < fw; kx++) dot_g(G, pad, wr + kx * ic_n, k_len, ic_n, acc);
              continue;
            }
            const int8_t *row = in_b + (iy0 + ky * p->dilation_h) * p->in.sh;
            if (row_runs) {
              dot_g(G, pad, wr, k_len, kx0 * ic_n, acc);
              dot_g(G, row + (ix0 + kx0) * p->in.sw, wr + kx0 * ic_n, k_len, (kx1 - kx0) * ic_n, acc);
              dot_g(G, pad, wr + kx1 * ic_n, k_len, (fw - kx1) * ic_n, acc);
            } else {
              for (int32_t kx = 0; kx < fw; kx++) {
                const int8_t *x = (kx >= kx0 && kx < kx1) ? row + (ix0 + kx * p->dilation_w) * p->in.sw : pad;
                dot_g(G, x, wr + kx * ic_n, k_len, ic_n, acc);
              }
            }
          }
          for (int32_t k = 0; k < G; k++) acc_out[at + oc + k] = acc[k];
          oc += G;
        }
      }
    }
  }
}

/* One copy of the requantization loop per arithmetic (no per-value mode test). */
static inline __attribute__((always_inline)) void requant_m(const tr_partial_requant_s8_fast_params_t *fp, const int32_t *acc,
                                                            const int32_t *bias, int8_t *out, const int mode) {
  const tr_partial_requant_s8_params_t *p = &fp->ref;
  const tr_requant_t rq = { fp->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max, ch = p->channels;
  for (int32_t i = 0; i + ch <= p->count; i += ch) {
    for (int32_t c = 0; c < ch; c++) {
      const int32_t a = bias ? (int32_t)((uint32_t)acc[i + c] + (uint32_t)bias[c]) : acc[i + c];
      out[i + c] = tr_requant_m(&rq, a, c, mode, zp, lo, hi);
    }
  }
}

void tr_partial_requant_s8_fast(const tr_partial_requant_s8_fast_params_t *fp, const int32_t *acc,
                                const int32_t *bias, int8_t *out) {
  const tr_partial_requant_s8_params_t *p = &fp->ref;
  if (p->channels <= 0 || p->count % p->channels != 0) {
    tr_partial_requant_s8(p, acc, bias, out);
    return;
  }
  if (fp->rq) requant_m(fp, acc, bias, out, TR_RQ_SINGLE);
  else if (p->fscale) requant_m(fp, acc, bias, out, TR_RQ_FP32);
  else requant_m(fp, acc, bias, out, TR_RQ_MBQM);
}
