/* DEPTHWISE_CONV_2D int8 over ONE input channel (depth multiplier C, no dilation), specialised
 * per layer, for cores with the DSP extension: the "speed" variant for micro_speech's first
 * layer (49x40x1 -> 25x20x8, 10x8 window, stride 2) and for its FDT partitions (1-3 channels).
 * The generator passes it as a conv over one input channel (lower-conv.ts asConv) and stores
 * the filter pre-widened (kernel-layout.ts dw1chWideLayout): rows of KH x KW4 taps per output
 * channel, each window row padded with zero weights to KW4 = KW rounded up to 4, in the 1x1
 * kernel's order (tr_conv1x1_wide.h). A window row of one channel is KW contiguous input bytes,
 * so the window is read a word at a time straight from the input; the padding bytes past KW
 * meet zero weights, so whatever they hold adds nothing.
 *   - Interior pixels (the KW4-wide window inside the input) read the input in place.
 *   - Border pixels build their window a word column at a time (the column's case is the same
 *     in every row): whole words inside the row are one load, words outside it (and rows outside
 *     the input) four input zero points (which the folded bias cancels: they add exactly 0), a
 *     word straddling a row end the nearest inside word shifted with zero points shifted in.
 *     The general conv's gather (tr_conv_wide.h) copies clipped runs byte by byte; measured on
 *     micro_speech's first layer (Cortex-M4, QEMU): 515,776 instructions there, 391,040 here.
 *   - C >= 4: the window is widened once to int16 pairs (xw; border windows as they are built)
 *     and runs the 1x1 kernel's channel blocks (11 instructions per 16 MACs), the widening paid
 *     once for all C channels.
 *   - C < 4 (FDT partitions): widening would be paid for 1-3 channels, so each input word is
 *     sign-extended in registers (one load, two SXTB16) and used for every channel at once,
 *     two SMLAD per channel (border windows go through gbuf first).
 * One pixel at a time in raster order, all channels of a pixel written after its window is read
 * (within the two-pixel unit firmware/plan/streaming.ts assumes for a one-input-channel
 * depthwise). Results are those of tr_depthwise_conv2d_s8. */
#ifndef TR_DWCONV1CH_WIDE_H
#define TR_DWCONV1CH_WIDE_H
#include "tr_conv1x1_wide.h"

/* Word j (a byte offset) of window row ky: raw into gbuf, or (WIDE) sign-extended into the
 * row's two int16-pair words of xw, the layout tr_wide_input gives. */
static inline __attribute__((always_inline)) void tr_dw1ch_put(int8_t *gbuf, uint32_t *xw, const int32_t ky, const int32_t j,
                                                               const uint32_t v, const int32_t KW4, const int WIDE) {
  if (WIDE) {
    xw[ky * (KW4 / 2) + j / 2] = tr_sxtb16(v);
    xw[ky * (KW4 / 2) + j / 2 + 1] = tr_sxtb16_ror8(v);
  } else {
    __builtin_memcpy(gbuf + ky * KW4 + j, &v, 4);
  }
}

/* The window of the pixel at input origin (iy0, ix0) into gbuf (KH rows of KW4 bytes) or, WIDE, widened into xw, one word
 * column at a time (its case is the same in every row): words inside the input row are one
 * load, words outside it (and rows outside the input) zpw (four input zero points), a word
 * straddling a row end the nearest inside word shifted, the zero points shifted in. */
static inline __attribute__((always_inline)) void tr_dw1ch_window(
    const int8_t *in_b, int32_t iy0, int32_t ix0, int8_t *gbuf, uint32_t *xw, const int32_t in_h, const int32_t in_w,
    const int32_t sh, const uint32_t zpw, const int32_t KH, const int32_t KW4, const int WIDE) {
  int32_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = in_h - iy0 < KH ? in_h - iy0 : KH;
  if (ky0 > KH) ky0 = KH;
  if (ky1 < ky0) ky1 = ky0;
  const int8_t *row0 = in_b + iy0 * sh;
  for (int32_t j = 0; j < KW4; j += 4) {
    const int32_t b = ix0 + j;
#define TR_DW1_PUT(KY, V) tr_dw1ch_put(gbuf, xw, KY, j, V, KW4, WIDE)
    for (int32_t ky = 0; ky < ky0; ky++) TR_DW1_PUT(ky, zpw);
    for (int32_t ky = ky1; ky < KH; ky++) TR_DW1_PUT(ky, zpw);
    if (b >= 0 && b + 4 <= in_w) {
      for (int32_t ky = ky0; ky < ky1; ky++) TR_DW1_PUT(ky, tr_read4(row0 + ky * sh + b));
    } else if (b + 4 <= 0 || b >= in_w) {
      for (int32_t ky = ky0; ky < ky1; ky++) TR_DW1_PUT(ky, zpw);
    } else if (in_w >= 4 && b < 0) {
      /* -b padding bytes, then the row's first bytes */
      const int32_t s = -8 * b;
      const uint32_t fill = zpw >> (32 - s);
      for (int32_t ky = ky0; ky < ky1; ky++) TR_DW1_PUT(ky, (tr_read4(row0 + ky * sh) << s) | fill);
    } else if (in_w >= 4) {
      /* the row's last bytes, then b + 4 - in_w padding bytes */
      const int32_t t = 8 * (b + 4 - in_w);
      const uint32_t fill = zpw << (32 - t);
      for (int32_t ky = ky0; ky < ky1; ky++) TR_DW1_PUT(ky, (tr_read4(row0 + ky * sh + in_w - 4) >> t) | fill);
    } else {
      /* an input narrower than a word: byte by byte */
      for (int32_t ky = ky0; ky < ky1; ky++) {
        uint32_t v = zpw;
        for (int32_t i = 0; i < 4; i++) {
          if (b + i >= 0 && b + i < in_w) v = (v & ~(0xffu << (8 * i))) | ((uint32_t)(uint8_t)row0[ky * sh + b + i] << (8 * i));
        }
        TR_DW1_PUT(ky, v);
      }
    }
#undef TR_DW1_PUT
  }
}

/* C < 4 output channels of one pixel whose window is KH rows of KW4 bytes at src (row stride
 * rs): each input word sign-extended once for every channel; channel c's weights at
 * w + c * (KH * KW4 / 2) (kernel-layout.ts: one channel's row after another). */
static inline __attribute__((always_inline)) void tr_dw1ch_direct(
    const tr_requant_t *r, const int32_t *bias, const int8_t *src, const int32_t rs, const uint32_t *w, int8_t *o,
    const int32_t KH, const int32_t KW4, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const int32_t CW = KH * KW4 / 2; /* words per channel */
  int32_t a0 = bias[0], a1 = C > 1 ? bias[1] : 0, a2 = C > 2 ? bias[2] : 0;
  /* written out (KH and KW4 are literals): loads at immediate offsets, no loop counter */
#pragma GCC unroll 64
  for (int32_t ky = 0; ky < KH; ky++) {
#pragma GCC unroll 16
    for (int32_t j = 0; j < KW4 / 4; j++) {
      const uint32_t xv = tr_read4(src + ky * rs + 4 * j);
      const uint32_t xl = tr_sxtb16(xv), xh = tr_sxtb16_ror8(xv);
      const uint32_t *wk = w + ky * (KW4 / 2) + 2 * j;
      a0 = tr_smlad(xl, wk[0], a0); a0 = tr_smlad(xh, wk[1], a0);
      if (C > 1) { a1 = tr_smlad(xl, wk[CW], a1); a1 = tr_smlad(xh, wk[CW + 1], a1); }
      if (C > 2) { a2 = tr_smlad(xl, wk[2 * CW], a2); a2 = tr_smlad(xh, wk[2 * CW + 1], a2); }
    }
  }
  o[0] = (int8_t)tr_wide_rq(r, a0, 0, mode, zp, lo, hi);
  if (C > 1) o[1] = (int8_t)tr_wide_rq(r, a1, 1, mode, zp, lo, hi);
  if (C > 2) o[2] = (int8_t)tr_wide_rq(r, a2, 2, mode, zp, lo, hi);
}

/* Every output channel of one pixel whose window is at src (row stride rs): C >= 4 widens the
 * window into xw (unrolled: one load, two SXTB16 and a two-word store per word) and runs the
 * 1x1 kernel's channel blocks; C < 4 the direct path. */
static inline __attribute__((always_inline)) void tr_dw1ch_pixel(
    const tr_requant_t *r, const int32_t *bias, const int8_t *src, const int32_t rs, const uint32_t *filter, int8_t *o,
    uint32_t *xw, const int32_t KH, const int32_t KW4, const int32_t C, const int mode, const int32_t zp, const int32_t lo,
    const int32_t hi) {
  if (C < 4) {
    tr_dw1ch_direct(r, bias, src, rs, filter, o, KH, KW4, C, mode, zp, lo, hi);
    return;
  }
#pragma GCC unroll 64
  for (int32_t ky = 0; ky < KH; ky++) {
#pragma GCC unroll 16
    for (int32_t j = 0; j < KW4; j += 4) {
      const uint32_t v = tr_read4(src + ky * rs + j);
      xw[ky * (KW4 / 2) + j / 2] = tr_sxtb16(v);
      xw[ky * (KW4 / 2) + j / 2 + 1] = tr_sxtb16_ror8(v);
    }
  }
  tr_wide_channels(r, bias, xw, filter, o, KH * KW4, C, mode, zp, lo, hi);
}

/* The whole layer. KH, KW4 (window rows and their padded width), C (output channels), the
 * requantization mode, output zero point and clamp bounds are literals at the call; xw
 * (KH * KW4 / 2 words, C >= 4) or gbuf (KH * KW4 bytes, word-aligned, C < 4) is the buffer the
 * generated per-layer function declares. The input is one channel: p->in.sw == 1. */
static inline __attribute__((always_inline)) void tr_dw1ch_wide_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const uint32_t *filter, int8_t *out, int8_t *gbuf, uint32_t *xw,
    const int32_t KH, const int32_t KW4, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t *bias = p->bias_folded;
  const uint32_t zpw = (uint32_t)(uint8_t)p->pad_row[0] * 0x01010101u;
  /* read once: stores to int8 outputs may alias the params, so the compiler would reload them */
  const int32_t in_h = p->in.h, in_w = p->in.w, sh = p->in.sh, out_h = p->out.h, out_w = p->out.w;
  const int32_t st_h = p->stride_h, st_w = p->stride_w, pt = p->pad_top, pl = p->pad_left;
  for (int32_t b = 0; b < p->out.n; b++) {
    const int8_t *in_b = in + b * p->in.sn;
    int8_t *o = out + b * p->out.sn;
    for (int32_t oy = 0; oy < out_h; oy++) {
      const int32_t iy0 = oy * st_h - pt;
      const int rows_in = iy0 >= 0 && iy0 + KH <= in_h;
      for (int32_t ox = 0; ox < out_w; ox++, o += C) {
        const int32_t ix0 = ox * st_w - pl;
        if (rows_in && ix0 >= 0 && ix0 + KW4 <= in_w) {
          tr_dw1ch_pixel(&r, bias, in_b + iy0 * sh + ix0, sh, filter, o, xw, KH, KW4, C, mode, zp, lo, hi);
        } else if (C >= 4) {
          /* the border window widened as it is built */
          tr_dw1ch_window(in_b, iy0, ix0, gbuf, xw, in_h, in_w, sh, zpw, KH, KW4, 1);
          tr_wide_channels(&r, bias, xw, filter, o, KH * KW4, C, mode, zp, lo, hi);
        } else {
          tr_dw1ch_window(in_b, iy0, ix0, gbuf, xw, in_h, in_w, sh, zpw, KH, KW4, 0);
          tr_dw1ch_direct(&r, bias, gbuf, KW4, filter, o, KH, KW4, C, mode, zp, lo, hi);
        }
      }
    }
  }
}

#endif
