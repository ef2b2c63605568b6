/* CONV_2D int8, any window (and a depthwise conv over one input channel run as a conv),
 * specialised per layer, for cores with the DSP extension: the "speed" variant of
 * tr_conv2d_s8_fast for windows of K = filter_h * filter_w * in.c values. The filter is
 * pre-widened at build time exactly like a 1x1 conv's (rows of K in OHWI order,
 * kernel-layout.ts conv1x1WideLayout), so per output pixel the kernel
 *   1. gathers the window into a contiguous int8 buffer in filter order (taps in the padding
 *      read the input zero point, which the folded bias cancels: they add exactly 0),
 *   2. widens it once to int16 pairs (tr_conv1x1_wide.h tr_wide_input),
 *   3. runs the 1x1 kernel's channel blocks over it (11 instructions per 16 MACs).
 * Steps 1-2 cost about 1.5 instructions per window value, paid once for all C output
 * channels. Pixels in raster order, each written after its window is read (the order
 * firmware/plan/streaming.ts assumes for convs). Results are those of tr_conv2d_s8. */
#ifndef TR_CONV_WIDE_H
#define TR_CONV_WIDE_H
#include "tr_conv1x1_wide.h"

/* n bytes from src to dst a word at a time where it can (window row runs). */
static inline __attribute__((always_inline)) void tr_wide_copy(int8_t *dst, const int8_t *src, int32_t n) {
  int32_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const uint32_t v = tr_read4(src + k);
    __builtin_memcpy(dst + k, &v, 4);
  }
  for (; k < n; k++) dst[k] = src[k];
}

/* Window of the pixel at input origin (iy0, ix0) into buf (filter order), padding taps from
 * pad_row (filter_w * in.c copies of the input zero point). */
static inline __attribute__((always_inline)) void tr_wide_gather(const tr_conv_s8_params_t *p, const int8_t *in_b,
                                                                 int32_t iy0, int32_t ix0, int8_t *buf,
                                                                 const int32_t KH, const int32_t KW, const int32_t IC) {
  const int32_t in_h = p->in.h, in_w = p->in.w, sh = p->in.sh, sw = p->in.sw, dh = p->dilation_h, dw = p->dilation_w;
  const int32_t row_len = KW * IC;
  const int dense = dw == 1 && sw == IC;
  /* dense rows: a window row is (padding, input, padding) runs, taps [kx0, kx1) inside */
  int32_t kx0 = 0, kx1 = KW;
  if (dense) {
    if (ix0 < 0) kx0 = -ix0 < KW ? -ix0 : KW;
    if (ix0 + KW > in_w) kx1 = in_w - ix0 > kx0 ? in_w - ix0 : kx0;
  }
  for (int32_t ky = 0; ky < KH; ky++, buf += row_len) {
    const int32_t iy = iy0 + ky * dh;
    if (iy < 0 || iy >= in_h) { tr_wide_copy(buf, p->pad_row, row_len); continue; }
    const int8_t *row = in_b + iy * sh;
    if (dense) {
      tr_wide_copy(buf, p->pad_row, kx0 * IC);
      tr_wide_copy(buf + kx0 * IC, row + (ix0 + kx0) * IC, (kx1 - kx0) * IC);
      tr_wide_copy(buf + kx1 * IC, p->pad_row, (KW - kx1) * IC);
      continue;
    }
    for (int32_t kx = 0; kx < KW; kx++) {
      const int32_t ix = ix0 + kx * dw;
      const int8_t *src = (ix >= 0 && ix < in_w) ? row + ix * sw : p->pad_row;
      if (IC == 1) buf[kx] = src[0];
      else tr_wide_copy(buf + kx * IC, src, IC);
    }
  }
}

/* The whole layer. KH, KW, IC (window), C (output channels), the requantization mode, output
 * zero point and clamp bounds are literals at the call; gbuf (K4 bytes, K4 = K rounded up to
 * 4) and xw (K4 / 2 words) are buffers the generated per-layer function declares. */
static inline __attribute__((always_inline)) void tr_conv_wide_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const uint32_t *filter, int8_t *out, int8_t *gbuf, uint32_t *xw,
    const int32_t KH, const int32_t KW, const int32_t IC, const int32_t C, const int mode,
    const int32_t zp, const int32_t lo, const int32_t hi) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t *bias = p->bias_folded;
  const int32_t K = KH * KW * IC, K4 = (K + 3) & ~3;
  for (int32_t k = K; k < K4; k++) gbuf[k] = 0;   /* their weights are zero too */
  const int32_t out_h = p->out.h, out_w = p->out.w, st_h = p->stride_h, st_w = p->stride_w, pt = p->pad_top, pl = p->pad_left;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *o = out + b * p->out.sn;
    for (int32_t oy = 0; oy < out_h; oy++) {
      const int32_t iy0 = oy * st_h - pt;
      for (int32_t ox = 0; ox < out_w; ox++, o += C) {
        const int32_t ix0 = ox * st_w - pl;
        if ((KW * IC) % 4 == 0 && p->dilation_h == 1 && p->dilation_w == 1 && p->in.sw == IC &&
            iy0 >= 0 && iy0 + KH <= p->in.h && ix0 >= 0 && ix0 + KW <= p->in.w) {
          /* whole window, rows of whole words: widened straight from the input rows */
          for (int32_t ky = 0; ky < KH; ky++) tr_wide_input(in_b + (iy0 + ky) * p->in.sh + ix0 * IC, xw + ky * (KW * IC / 2), KW * IC, KW * IC);
        } else {
          tr_wide_gather(p, in_b, iy0, ix0, gbuf, KH, KW, IC);
          tr_wide_input(gbuf, xw, K4, K4);
        }
        tr_wide_channels(&r, bias, xw, filter, o, K4, C, mode, zp, lo, hi);
      }
    }
  }
}

#endif
