/* CONV_2D int8 with ONE output channel, optimized (same signature and results as tr_conv2d_s8 /
 * tr_conv2d_s8_fast). This is the shape of every FDT partition of a channel-sliced conv (e.g.
 * micro_speech's 1 -> 8 depthwise conv run as a conv, split into 8 one-channel partitions): the
 * general fast kernel gathers each pixel's window once and shares it over the output channels,
 * which with one channel is pure overhead (measured on QEMU mps2-an386: the 8 partitions' convs
 * 3.70M instructions with tr_conv2d_s8_fast, 0.96M for the untiled 8-channel conv).
 * Here nothing is gathered: each filter row is one contiguous input run (dense pixels, no
 * horizontal dilation), read in place.
 * - Pixels whose columns are all inside the input run four at a time (each weight word is loaded
 *   and sign-extended once for the four, SMLAD over SXTB16 pairs, tr_simd.h), starting from the
 *   folded bias minus input_offset * (weights of the filter rows that fall in the padding): the
 *   row sums are computed once per call, so rows clipped at the top/bottom cost nothing.
 * - Pixels clipped at the left/right are done column by column: the window is moved inside
 *   the input (its first column at max(0, min(ix0, in.w - filter_w))) and the filter row is
 *   shifted to match with zeros where the taps fall in the padding (built once per column in
 *   a small stack buffer), so they too are whole-run dot products, four output rows at a time
 *   down the column where all filter rows are inside the input; their start value is the
 *   plain bias plus input_offset * (the shifted rows' sums over the valid rows), exactly the
 *   reference's skipped-tap semantics.
 * Integer sums are exact modulo 2^32 in any order, so results equal the reference kernel's.
 * Needs bias_folded; anything else (several output channels, strided pixels, horizontal
 * dilation, more than TR_1CH_MAX_ROWS filter rows, a filter over TR_1CH_WBUF bytes, an input
 * narrower than the filter) goes to tr_conv2d_s8_fast. */
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_simd.h"

#define TR_1CH_MAX_ROWS 16   /* filter rows (stack: two int32 per row) */
#define TR_1CH_WBUF 128      /* bytes of a shifted filter (filter_h * filter_w * in.c); stack kept small */

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

static inline int32_t wrap_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

/* Four pixels (runs at x, x + px, x + 2 px, x + 3 px; row step y_step) against `rows` filter
 * rows of RUN (> 0: a compile-time constant) or run values: each weight word is loaded and
 * sign-extended once for the four. */
static inline __attribute__((always_inline)) void dot_quad(const int8_t *x, int32_t px, const int8_t *w, int32_t run,
                                                           int32_t y_step, int32_t rows, int32_t *acc, const int32_t RUN) {
  const int32_t n = RUN > 0 ? RUN : run;
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *const w_end = w + rows * n;
  /* without the DSP extension only the plain multiply-accumulate loop runs (tr_simd.h) */
  if (RUN == 8 && !TR_SIMD_SCALAR) {
    /* the row's two weight words stay sign-extended in registers for the four pixels */
    for (; w != w_end; w += 8, x += y_step) {
      const uint32_t wv0 = tr_read4(w), wv1 = tr_read4(w + 4);
      const uint32_t w0l = tr_sxtb16(wv0), w0h = tr_sxtb16_ror8(wv0), w1l = tr_sxtb16(wv1), w1h = tr_sxtb16_ror8(wv1);
      const int8_t *xp = x;
      uint32_t v = tr_read4(xp), u = tr_read4(xp + 4);
      a0 = tr_smlad(tr_sxtb16(v), w0l, a0); a0 = tr_smlad(tr_sxtb16_ror8(v), w0h, a0);
      a0 = tr_smlad(tr_sxtb16(u), w1l, a0); a0 = tr_smlad(tr_sxtb16_ror8(u), w1h, a0);
      xp += px; v = tr_read4(xp); u = tr_read4(xp + 4);
      a1 = tr_smlad(tr_sxtb16(v), w0l, a1); a1 = tr_smlad(tr_sxtb16_ror8(v), w0h, a1);
      a1 = tr_smlad(tr_sxtb16(u), w1l, a1); a1 = tr_smlad(tr_sxtb16_ror8(u), w1h, a1);
      xp += px; v = tr_read4(xp); u = tr_read4(xp + 4);
      a2 = tr_smlad(tr_sxtb16(v), w0l, a2); a2 = tr_smlad(tr_sxtb16_ror8(v), w0h, a2);
      a2 = tr_smlad(tr_sxtb16(u), w1l, a2); a2 = tr_smlad(tr_sxtb16_ror8(u), w1h, a2);
      xp += px; v = tr_read4(xp); u = tr_read4(xp + 4);
      a3 = tr_smlad(tr_sxtb16(v), w0l, a3); a3 = tr_smlad(tr_sxtb16_ror8(v), w0h, a3);
      a3 = tr_smlad(tr_sxtb16(u), w1l, a3); a3 = tr_smlad(tr_sxtb16_ror8(u), w1h, a3);
    }
  } else {
    for (; w != w_end; w += n, x += y_step) {
      const int8_t *x1 = x + px, *x2 = x1 + px, *x3 = x2 + px;
      int32_t k = 0;
      for (; !TR_SIMD_SCALAR && k + 4 <= n; k += 4) {
        const uint32_t wv = tr_read4(w + k);
        const uint32_t wl = tr_sxtb16(wv), wh = tr_sxtb16_ror8(wv);
        uint32_t xv = tr_read4(x + k);
        a0 = tr_smlad(tr_sxtb16(xv), wl, a0); a0 = tr_smlad(tr_sxtb16_ror8(xv), wh, a0);
        xv = tr_read4(x1 + k);
        a1 = tr_smlad(tr_sxtb16(xv), wl, a1); a1 = tr_smlad(tr_sxtb16_ror8(xv), wh, a1);
        xv = tr_read4(x2 + k);
        a2 = tr_smlad(tr_sxtb16(xv), wl, a2); a2 = tr_smlad(tr_sxtb16_ror8(xv), wh, a2);
        xv = tr_read4(x3 + k);
        a3 = tr_smlad(tr_sxtb16(xv), wl, a3); a3 = tr_smlad(tr_sxtb16_ror8(xv), wh, a3);
      }
      for (; k < n; k++) {
        const int32_t wk = w[k];
        a0 += (int32_t)x[k] * wk; a1 += (int32_t)x1[k] * wk; a2 += (int32_t)x2[k] * wk; a3 += (int32_t)x3[k] * wk;
      }
    }
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}

static __attribute__((noinline)) void dot_quad_any(const int8_t *x, int32_t px, const int8_t *w, int32_t run, int32_t y_step,
                                                   int32_t rows, int32_t *acc) {
  if (run == 8) dot_quad(x, px, w, run, y_step, rows, acc, 8);
  else dot_quad(x, px, w, run, y_step, rows, acc, 0);
}

/* One pixel: acc + sum over `rows` rows of run values. */
static inline int32_t dot_rows(const int8_t *x, const int8_t *w, int32_t run, int32_t y_step, int32_t rows, int32_t acc) {
  for (int32_t r = 0; r < rows; r++, x += y_step, w += run) acc = tr_dot1_s8(x, w, run, acc);
  return acc;
}

typedef struct {
  int32_t ic_n, fh, fw, run, y_step, off;
  int32_t bias;                    /* the plain bias: folded bias minus the whole filter's term */
} geom1_t;

/* Output column ox (clipped at the left or right), every output row: the shifted filter is
 * built once, then each pixel is a whole-run dot product over its valid rows. */
static __attribute__((noinline)) void clipped_column(const tr_conv_s8_params_t *p, const geom1_t *g, const tr_requant_t *rq,
                                                     const int8_t *in, const int8_t *filter, int8_t *out, int32_t ox, const int mode) {
  const int32_t ic_n = g->ic_n, fh = g->fh, fw = g->fw, run = g->run;
  const int32_t ix0 = ox * p->stride_w - p->pad_left;
  int32_t xs = ix0 > p->in.w - fw ? p->in.w - fw : ix0;   /* window moved inside the input */
  if (xs < 0) xs = 0;
  const int32_t s = ix0 - xs;                              /* shifted tap j reads filter tap j - s */
  /* sized by the filter (at most TR_1CH_WBUF bytes and TR_1CH_MAX_ROWS rows): stack is RAM */
  int8_t wbuf[fh * run] __attribute__((aligned(4)));
  int32_t term[fh];
  for (int32_t ky = 0; ky < fh; ky++) {
    int32_t sum = 0;
    for (int32_t j = 0; j < fw; j++) {
      const int32_t kx = j - s;
      for (int32_t c = 0; c < ic_n; c++) {
        const int8_t v = (kx >= 0 && kx < fw) ? filter[ky * run + kx * ic_n + c] : 0;
        wbuf[ky * run + j * ic_n + c] = v;
        sum += v;
      }
    }
    term[ky] = (int32_t)((uint32_t)sum * (uint32_t)g->off);
  }
  const tr_requant_t rq_l = *rq;
  const int32_t zp = rq_l.zp, lo = rq_l.lo, hi = rq_l.hi;
  int32_t whole = g->bias;                                  /* start value with every row valid */
  for (int32_t ky = 0; ky < fh; ky++) whole = wrap_add(whole, term[ky]);
  /* output rows whose filter rows are all inside the input: [oy_lo, oy_hi), four at a time
   * down the column (pixel step stride_h rows) */
  const int32_t span = (fh - 1) * p->dilation_h;
  int32_t oy_lo, oy_hi;
  tr_inside_outputs(p->pad_top, p->stride_h, p->in.h, span + 1, p->out.h, &oy_lo, &oy_hi);
  const int32_t py = p->stride_h * p->in.sh;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn + xs * ic_n;
    int8_t *out_b = out + b * p->out.sn + ox * p->out.sw;
    int32_t oy = oy_lo;
    for (; oy + 4 <= oy_hi; oy += 4) {
      int32_t a[4] = { whole, whole, whole, whole };
      dot_quad_any(in_b + (oy * p->stride_h - p->pad_top) * p->in.sh, py, wbuf, run, g->y_step, fh, a);
      int8_t *o = out_b + oy * p->out.sh;
      for (int32_t j = 0; j < 4; j++, o += p->out.sh) *o = tr_requant_m(&rq_l, a[j], 0, mode, zp, lo, hi);
    }
    for (int32_t oy_s = 0; oy_s < p->out.h; oy_s++) {
      if (oy_s >= oy_lo && oy_s < oy) continue;           /* done by the quads */
      const int32_t iy0 = oy_s * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tap_range(iy0, p->dilation_h, fh, p->in.h, &ky0, &ky1);
      int32_t acc = g->bias;
      for (int32_t ky = ky0; ky < ky1; ky++) acc = wrap_add(acc, term[ky]);
      acc = dot_rows(in_b + (iy0 + ky0 * p->dilation_h) * p->in.sh, wbuf + ky0 * run, run, g->y_step, ky1 - ky0, acc);
      out_b[oy_s * p->out.sh] = tr_requant_m(&rq_l, acc, 0, mode, zp, lo, hi);
    }
  }
}

static inline __attribute__((always_inline)) void conv_1ch_m(const tr_conv_s8_params_t *p, const int8_t *in,
                                                             const int8_t *filter, int8_t *out, const int mode) {
  const tr_requant_t rq = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t zp = p->output_offset, lo = p->act_min, hi = p->act_max;
  const int32_t ic_n = p->in.c, fh = p->filter_h, fw = p->filter_w;
  const int32_t run = fw * ic_n;                 /* one filter row = one input run */
  const int32_t y_step = p->dilation_h * p->in.sh, px_step = p->stride_w * ic_n;
  const int32_t off = p->input_offset;
  /* input_offset * (weights of filter row ky): what a row in the padding must not add */
  int32_t row_term[TR_1CH_MAX_ROWS];
  for (int32_t ky = 0; ky < fh; ky++) {
    int32_t sum = 0;
    for (int32_t k = 0; k < run; k++) sum += filter[ky * run + k];
    row_term[ky] = (int32_t)((uint32_t)sum * (uint32_t)off);
  }
  const int32_t folded = p->bias_folded[0];
  /* whole-column pixels: ox in [ox_lo, ox_hi) (window columns inside the input) */
  int32_t ox_lo, ox_hi;
  tr_inside_outputs(p->pad_left, p->stride_w, p->in.w, fw, p->out.w, &ox_lo, &ox_hi);
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    for (int32_t oy = 0; oy < p->out.h; oy++) {
      const int32_t iy0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tap_range(iy0, p->dilation_h, fh, p->in.h, &ky0, &ky1);
      int32_t base = folded;
      for (int32_t ky = 0; ky < ky0; ky++) base = (int32_t)((uint32_t)base - (uint32_t)row_term[ky]);
      for (int32_t ky = ky1; ky < fh; ky++) base = (int32_t)((uint32_t)base - (uint32_t)row_term[ky]);
      const int32_t rows = ky1 - ky0;
      const int8_t *row0 = in_b + (iy0 + ky0 * p->dilation_h) * p->in.sh;   /* first valid row */
      const int8_t *w0 = filter + ky0 * run;
      int8_t *orow = out + b * p->out.sn + oy * p->out.sh;
      int32_t ox = ox_lo;
      for (; ox + 4 <= ox_hi; ox += 4) {
        int32_t a[4] = { base, base, base, base };
        dot_quad_any(row0 + (ox * p->stride_w - p->pad_left) * ic_n, px_step, w0, run, y_step, rows, a);
        int8_t *o = orow + ox * p->out.sw;
        for (int32_t j = 0; j < 4; j++, o += p->out.sw) *o = tr_requant_m(&rq, a[j], 0, mode, zp, lo, hi);
      }
      for (; ox < ox_hi; ox++) {
        const int32_t acc = dot_rows(row0 + (ox * p->stride_w - p->pad_left) * ic_n, w0, run, y_step, rows, base);
        orow[ox * p->out.sw] = tr_requant_m(&rq, acc, 0, mode, zp, lo, hi);
      }
    }
  }
}

/* The clipped columns (ox outside [ox_lo, ox_hi) of conv_1ch_m), called after conv_1ch_m has
 * returned rather than from it: nested, the two frames added up (832 B of stack with
 * dot_quad_any, -fstack-usage, arm-none-eabi-gcc 12.2 -O2), the deepest path of micro_speech. */
static __attribute__((noinline)) void clipped_columns(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out) {
  const tr_requant_t rq = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t ic_n = p->in.c, fh = p->filter_h, fw = p->filter_w;
  const int32_t run = fw * ic_n;
  const int32_t off = p->input_offset;
  int32_t all_rows = 0;
  for (int32_t k = 0; k < fh * run; k++) all_rows = wrap_add(all_rows, (int32_t)((uint32_t)filter[k] * (uint32_t)off));
  const geom1_t g = { ic_n, fh, fw, run, p->dilation_h * p->in.sh, off, (int32_t)((uint32_t)p->bias_folded[0] - (uint32_t)all_rows) };
  int32_t ox_lo, ox_hi;
  tr_inside_outputs(p->pad_left, p->stride_w, p->in.w, fw, p->out.w, &ox_lo, &ox_hi);
  const int mode = tr_requant_mode(&rq);
  for (int32_t ox = 0; ox < p->out.w; ox++) {
    if (ox >= ox_lo && ox < ox_hi) continue;
    clipped_column(p, &g, &rq, in, filter, out, ox, mode);
  }
}

/* One function per requantization mode, not inlined here: inlined, the three copies' locals
 * took separate stack slots (344 B of frame, measured with -fstack-usage, arm-none-eabi-gcc
 * 12.2 -O2), and this frame sits under clipped_column's on the deepest path of micro_speech. */
static __attribute__((noinline)) void conv_1ch_single(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out) {
  conv_1ch_m(p, in, filter, out, TR_RQ_SINGLE);
}
static __attribute__((noinline)) void conv_1ch_fp32(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out) {
  conv_1ch_m(p, in, filter, out, TR_RQ_FP32);
}
static __attribute__((noinline)) void conv_1ch_mbqm(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out) {
  conv_1ch_m(p, in, filter, out, TR_RQ_MBQM);
}

void tr_conv2d_s8_fast_1ch(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                           const int32_t *bias, int8_t *out) {
  /* the clipped columns' shifted window needs the input at least one filter wide */
  if (p->out.c != 1 || !p->bias_folded || p->in.sw != p->in.c || p->dilation_w != 1 || p->filter_h > TR_1CH_MAX_ROWS ||
      p->filter_h * p->filter_w * p->in.c > TR_1CH_WBUF || p->in.w < p->filter_w) {
    tr_conv2d_s8_fast(p, in, filter, bias, out);
    return;
  }
  if (p->rq) conv_1ch_single(p, in, filter, out);
  else if (p->fscale) conv_1ch_fp32(p, in, filter, out);
  else conv_1ch_mbqm(p, in, filter, out);
  clipped_columns(p, in, filter, out);
}
