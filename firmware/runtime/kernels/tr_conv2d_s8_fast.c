/* CONV_2D int8, optimized (same signature and results as tr_conv2d_s8):
 * - the input offset is folded into the bias at generation time (bias_folded), so the inner
 *   loop is a pure int8 dot product;
 * - output pixels whose window lies inside the input are computed two pixels x two output
 *   channels at a time (each loaded word feeds two SMLAD pairs, tr_simd.h), reading the
 *   window in contiguous runs (a whole filter row when pixels are dense and the horizontal
 *   dilation is 1; a 1x1 conv is one run per pixel, no im2col);
 * - border pixels read pad_row (copies of the input zero point) for taps in the padding,
 *   which then contribute exactly 0 on top of the folded bias;
 * - small windows (up to GATHER_MAX values, not 1x1) are gathered per pixel into a stack
 *   buffer first (the per-row runs of e.g. a 10x4x1 or 3x3x3 window are too short to pay);
 * - requantization per tr_requant (single-rounding fixed point, XNNPACK fp32, or tr_mbqm_pos).
 * Integer sums are exact modulo 2^32 in any order, so results equal the reference kernel's. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_simd.h"

static inline tr_requant_t requant_of(const tr_conv_s8_params_t *p) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  return r;
}

/* First tap index k in [0, n) with 0 <= origin + k * step < size, and one past the last. */
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

/* Geometry shared by the paths. */
typedef struct {
  int32_t ic_n, fw, k_len, run_len, runs, x_step, y_step;
  int row_runs;                      /* a filter row is one contiguous input run */
} geom_t;

/* Two whole-window pixels (x0, x1 = window origins) x two channels oc, oc + 1. */
static inline void pixels2_channels2(const tr_conv_s8_params_t *p, const tr_requant_t *rq, const geom_t *g, const int8_t *x0,
                              const int8_t *x1, const int8_t *filter, int32_t oc, int8_t *o0, int8_t *o1) {
  int32_t acc[4] = { p->bias_folded[oc], p->bias_folded[oc + 1], p->bias_folded[oc], p->bias_folded[oc + 1] };
  const int8_t *w0 = filter + oc * g->k_len, *w1 = w0 + g->k_len;
  for (int32_t ky = 0; ky < p->filter_h; ky++) {
    const int32_t xo = ky * g->y_step;
    for (int32_t r = 0; r < g->runs; r++) {
      const int32_t wo = (ky * g->fw + r) * g->ic_n;
      tr_dot2x2_s8(x0 + xo + r * g->x_step, x1 + xo + r * g->x_step, w0 + wo, w1 + wo, g->run_len, acc);
    }
  }
  o0[oc] = tr_requant(rq, acc[0], oc); o0[oc + 1] = tr_requant(rq, acc[1], oc + 1);
  o1[oc] = tr_requant(rq, acc[2], oc); o1[oc + 1] = tr_requant(rq, acc[3], oc + 1);
}

/* One whole-window pixel, channels [oc, end). Kept out of line (like pixel_border) so the
 * pixel-pair loop keeps its registers. */
static __attribute__((noinline)) void pixel_whole(const tr_conv_s8_params_t *p, const tr_requant_t *rq, const geom_t *g, const int8_t *x,
                        const int8_t *filter, int32_t oc, int8_t *op) {
  for (; oc + 4 <= p->out.c; oc += 4) {
    int32_t acc[4] = { p->bias_folded[oc], p->bias_folded[oc + 1], p->bias_folded[oc + 2], p->bias_folded[oc + 3] };
    const int8_t *w = filter + oc * g->k_len;
    for (int32_t ky = 0; ky < p->filter_h; ky++)
      for (int32_t r = 0; r < g->runs; r++)
        tr_dot4_s8(x + ky * g->y_step + r * g->x_step, w + (ky * g->fw + r) * g->ic_n, g->k_len, g->run_len, acc);
    for (int32_t k = 0; k < 4; k++) op[oc + k] = tr_requant(rq, acc[k], oc + k);
  }
  for (; oc < p->out.c; oc++) {
    int32_t acc = p->bias_folded[oc];
    const int8_t *w = filter + oc * g->k_len;
    for (int32_t ky = 0; ky < p->filter_h; ky++)
      for (int32_t r = 0; r < g->runs; r++)
        acc = tr_dot1_s8(x + ky * g->y_step + r * g->x_step, w + (ky * g->fw + r) * g->ic_n, g->run_len, acc);
    op[oc] = tr_requant(rq, acc, oc);
  }
}

/* acc[0..4) (four channels, G == 4) or acc[0] (G == 1) += run of len input values . weights.
 * Out of line: pixel_border inlined it five times and kept every copy's loop temporaries in its
 * frame (304 B, on resnet's deepest path under conv_runs; 144 + 80 B now, -fstack-usage,
 * arm-none-eabi-gcc 12.2 -O2, Cortex-M4). Border pixels only; resnet FDT (size kernels) counts
 * 0.2% fewer instructions on the M4 this way. */
static __attribute__((noinline)) void dot_g(int32_t G, const int8_t *x, const int8_t *w, int32_t k_len, int32_t len, int32_t *acc) {
  if (len <= 0) return;
  if (G == 4) tr_dot4_s8(x, w, k_len, len, acc);
  else acc[0] = tr_dot1_s8(x, w, len, acc[0]);
}

/* One border pixel: taps outside [ky0, ky1) x [kx0, kx1) read pad_row (filter_w * in.c zero
 * points). With row runs a filter row is split in (padding, input, padding) runs. */
static __attribute__((noinline)) void pixel_border(const tr_conv_s8_params_t *p, const tr_requant_t *rq, const geom_t *g, const int8_t *in_b, const int8_t *filter,
                         int32_t iy0, int32_t ix0, int32_t ky0, int32_t ky1, int32_t kx0, int32_t kx1, int8_t *op) {
  const int32_t ic_n = g->ic_n, fw = g->fw, k_len = g->k_len;
  const int row_runs = g->row_runs;
  int32_t oc = 0;
  while (oc < p->out.c) {
    const int32_t G = oc + 4 <= p->out.c ? 4 : 1;
    int32_t acc[4];
    for (int32_t k = 0; k < G; k++) acc[k] = p->bias_folded[oc + k];
    const int8_t *w = filter + oc * k_len;
    for (int32_t ky = 0; ky < p->filter_h; ky++) {
      const int8_t *wr = w + ky * fw * ic_n;
      if (ky < ky0 || ky >= ky1) {
        if (row_runs) dot_g(G, p->pad_row, wr, k_len, fw * ic_n, acc);
        else for (int32_t kx = 0; kx < fw; kx++) dot_g(G, p->pad_row, wr + kx * ic_n, k_len, ic_n, acc);
        continue;
      }
      const int8_t *row = in_b + (iy0 + ky * p->dilation_h) * p->in.sh;
      if (row_runs) {
        dot_g(G, p->pad_row, wr, k_len, kx0 * ic_n, acc);
        dot_g(G, row + (ix0 + kx0) * p->in.sw, wr + kx0 * ic_n, k_len, (kx1 - kx0) * ic_n, acc);
        dot_g(G, p->pad_row, wr + kx1 * ic_n, k_len, (fw - kx1) * ic_n, acc);
      } else {
        for (int32_t kx = 0; kx < fw; kx++) {
          const int8_t *x = (kx >= kx0 && kx < kx1) ? row + (ix0 + kx * p->dilation_w) * p->in.sw : p->pad_row;
          dot_g(G, x, wr + kx * ic_n, k_len, ic_n, acc);
        }
      }
    }
    for (int32_t k = 0; k < G; k++) op[oc + k] = tr_requant(rq, acc[k], oc + k);
    oc += G;
  }
}

#define GATHER_MAX 256   /* windows up to this many values are gathered (2 x the window's bytes of stack) */

/* Copies n bytes (a window row run) a word at a time: LDR/STR take unaligned addresses on
 * DSP targets, the portable tr_read4 composes bytes elsewhere. Out of line: its five inlined
 * copies made gather_window's frame 112 B (72 + 12 B now, -fstack-usage, arm-none-eabi-gcc
 * 12.2 -O2, Cortex-M4; under conv_gathered on vww's deepest path), and vww FFMT (size
 * kernels) counts 0.5% fewer instructions on the M4 this way. */
static __attribute__((noinline)) void copy_run(int8_t *dst, const int8_t *src, int32_t n) {
  int32_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const uint32_t v = tr_read4(src + k);
    __builtin_memcpy(dst + k, &v, 4);
  }
  for (; k < n; k++) dst[k] = src[k];
}

/* Copies one pixel's window (taps in the padding from pad_row) into a contiguous buffer in
 * filter order, so the dot product is a single run of k_len values. With dense pixels and no
 * horizontal dilation a filter row is at most three runs (padding, input, padding). */
static void gather_window(const tr_conv_s8_params_t *p, const int8_t *in_b, int32_t iy0, int32_t ix0, int8_t *buf) {
  const int32_t ic_n = p->in.c, fw = p->filter_w, row_len = fw * ic_n;
  if (p->dilation_w == 1 && p->in.sw == ic_n) {
    int32_t kx0, kx1;
    tap_range(ix0, 1, fw, p->in.w, &kx0, &kx1);
    for (int32_t ky = 0; ky < p->filter_h; ky++, buf += row_len) {
      const int32_t iy = iy0 + ky * p->dilation_h;
      if (iy < 0 || iy >= p->in.h) { copy_run(buf, p->pad_row, row_len); continue; }
      const int8_t *row = in_b + iy * p->in.sh + ix0 * ic_n;
      if (kx0 == 0 && kx1 == fw) { copy_run(buf, row, row_len); continue; }
      copy_run(buf, p->pad_row, kx0 * ic_n);
      copy_run(buf + kx0 * ic_n, row + kx0 * ic_n, (kx1 - kx0) * ic_n);
      copy_run(buf + kx1 * ic_n, p->pad_row, (fw - kx1) * ic_n);
    }
    return;
  }
  for (int32_t ky = 0; ky < p->filter_h; ky++) {
    const int32_t iy = iy0 + ky * p->dilation_h;
    const int row_in = iy >= 0 && iy < p->in.h;
    for (int32_t kx = 0; kx < p->filter_w; kx++) {
      const int32_t ix = ix0 + kx * p->dilation_w;
      const int8_t *src = (row_in && ix >= 0 && ix < p->in.w) ? in_b + iy * p->in.sh + ix * p->in.sw : p->pad_row;
      for (int32_t c = 0; c < ic_n; c++) buf[c] = src[c];
      buf += ic_n;
    }
  }
}

/* Small windows: every pixel (border or not) is gathered, then pairs of pixels x pairs of
 * channels are single-run dot products. */
static inline __attribute__((always_inline)) void conv_gathered_m(const tr_conv_s8_params_t *p, const int8_t *in,
                                                                   const int8_t *filter, int8_t *out, const int mode,
                                                                   int8_t *buf0, int8_t *buf1) {
  const tr_requant_t rq_l = requant_of(p), *const rq = &rq_l;
  const int32_t zp = rq_l.zp, lo = rq_l.lo, hi = rq_l.hi;
  const int32_t k_len = p->filter_h * p->filter_w * p->in.c;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int8_t *orow = out + b * p->out.sn + oy * p->out.sh;
      for (int32_t ox = 0; ox < p->out.w; ox += 2) {
        const int pair = ox + 1 < p->out.w;
        int8_t *o0 = orow + ox * p->out.sw, *o1 = o0 + p->out.sw;
        gather_window(p, in_b, iy0, ox * p->stride_w - p->pad_left, buf0);
        if (pair) gather_window(p, in_b, iy0, (ox + 1) * p->stride_w - p->pad_left, buf1);
        int32_t oc = 0;
        if (pair) {
          for (; oc + 2 <= p->out.c; oc += 2) {
            int32_t acc[4] = { p->bias_folded[oc], p->bias_folded[oc + 1], p->bias_folded[oc], p->bias_folded[oc + 1] };
            tr_dot2x2_s8(buf0, buf1, filter + oc * k_len, filter + (oc + 1) * k_len, k_len, acc);
            o0[oc] = tr_requant_m(rq, acc[0], oc, mode, zp, lo, hi); o0[oc + 1] = tr_requant_m(rq, acc[1], oc + 1, mode, zp, lo, hi);
            o1[oc] = tr_requant_m(rq, acc[2], oc, mode, zp, lo, hi); o1[oc + 1] = tr_requant_m(rq, acc[3], oc + 1, mode, zp, lo, hi);
          }
        }
        for (; oc < p->out.c; oc++) {
          const int8_t *w = filter + oc * k_len;
          o0[oc] = tr_requant_m(rq, tr_dot1_s8(buf0, w, k_len, p->bias_folded[oc]), oc, mode, zp, lo, hi);
          if (pair) o1[oc] = tr_requant_m(rq, tr_dot1_s8(buf1, w, k_len, p->bias_folded[oc]), oc, mode, zp, lo, hi);
        }
      }
    }
  }
}

/* One copy of the gathered loop per requantization arithmetic (no per-output mode test). The
 * two window buffers are sized by the window and shared by the copies: stack is RAM the
 * device must reserve (fixed 2 x GATHER_MAX buffers in each inlined copy made this frame
 * 696 B, -fstack-usage, arm-none-eabi-gcc 12.2 -O2). */
static __attribute__((noinline)) void conv_gathered(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out) {
  const tr_requant_t rq_l = requant_of(p);
  const int32_t k_pad = (p->filter_h * p->filter_w * p->in.c + 3) & ~3;
  int8_t bufs[2 * k_pad] __attribute__((aligned(4)));
  switch (tr_requant_mode(&rq_l)) {
    case TR_RQ_SINGLE: conv_gathered_m(p, in, filter, out, TR_RQ_SINGLE, bufs, bufs + k_pad); break;
    case TR_RQ_FP32: conv_gathered_m(p, in, filter, out, TR_RQ_FP32, bufs, bufs + k_pad); break;
    default: conv_gathered_m(p, in, filter, out, TR_RQ_MBQM, bufs, bufs + k_pad); break;
  }
}

/* Larger windows and 1x1: contiguous runs read in place. A function of its own so that its
 * frame (368 B) is not reserved under conv_gathered's. */
static __attribute__((noinline)) void conv_runs(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out) {
  const tr_requant_t rq_l = requant_of(p);
  geom_t g;
  g.ic_n = p->in.c;
  g.fw = p->filter_w;
  g.k_len = p->filter_h * p->filter_w * p->in.c;
  const int row_runs = (p->in.sw == p->in.c && p->dilation_w == 1);
  g.row_runs = row_runs;
  g.run_len = row_runs ? p->filter_w * p->in.c : p->in.c;
  g.runs = row_runs ? 1 : p->filter_w;
  g.x_step = p->dilation_w * p->in.sw;
  g.y_step = p->dilation_h * p->in.sh;
  const int32_t px_step = p->stride_w * p->in.sw;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tap_range(iy0, p->dilation_h, p->filter_h, p->in.h, &ky0, &ky1);
      const int rows_whole = ky0 == 0 && ky1 == p->filter_h;
      int8_t *orow = out + b * p->out.sn + oy * p->out.sh;
      int32_t ox = 0;
      while (ox < p->out.w) {
        const int32_t ix0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tap_range(ix0, p->dilation_w, p->filter_w, p->in.w, &kx0, &kx1);
        int8_t *op = orow + ox * p->out.sw;
        if (!rows_whole || kx0 != 0 || kx1 != p->filter_w) {
          pixel_border(p, &rq_l, &g, in_b, filter, iy0, ix0, ky0, ky1, kx0, kx1, op);
          ox++;
          continue;
        }
        const int8_t *x0 = in_b + iy0 * p->in.sh + ix0 * p->in.sw;
        /* pair with the next pixel when its window is whole too */
        const int32_t ix1 = ix0 + p->stride_w;
        const int pair = ox + 1 < p->out.w && ix1 + (p->filter_w - 1) * p->dilation_w < p->in.w;
        if (pair) {
          int8_t *op1 = op + p->out.sw;
          int32_t oc = 0;
          for (; oc + 2 <= p->out.c; oc += 2) pixels2_channels2(p, &rq_l, &g, x0, x0 + px_step, filter, oc, op, op1);
          if (oc < p->out.c) {
            pixel_whole(p, &rq_l, &g, x0, filter, oc, op);
            pixel_whole(p, &rq_l, &g, x0 + px_step, filter, oc, op1);
          }
          ox += 2;
        } else {
          pixel_whole(p, &rq_l, &g, x0, filter, 0, op);
          ox++;
        }
      }
    }
  }
}

void tr_conv2d_s8_fast(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                       const int32_t *bias, int8_t *out) {
  if (!p->bias_folded || !p->pad_row) {
    tr_conv2d_s8(p, in, filter, bias, out);
    return;
  }
  const int is_1x1 = p->filter_h == 1 && p->filter_w == 1;
  if (!is_1x1 && p->filter_h * p->filter_w * p->in.c <= GATHER_MAX) conv_gathered(p, in, filter, out);
  else conv_runs(p, in, filter, out);
}
