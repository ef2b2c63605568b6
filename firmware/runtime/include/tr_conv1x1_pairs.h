/* CONV_2D int8 1x1 / stride 1 / unpadded with up to 256 input channels, for cores with the DSP
 * extension: the "speed" variant that beats tr_conv1x1_wide.h most where a channel has few
 * MACs (vww's 8 -> 16: 2.90 -> 2.68 instructions per MAC, measured), where that kernel spends
 * most of a pixel on per-output overheads (the bias and the requantization constants loaded
 * for every output). Here two pixels go together: both are
 * widened once into a stack buffer (SXTB16 lanes, as tr_conv1x1_wide.h), then per pair of
 * output channels the weights, the biases and the requantization constants are loaded once
 * and used for both pixels (four accumulators).
 * Weights (kernel-layout.ts, conv1x1PairsLayout): blocks of 2 output channels (an odd last channel
 * alone); within a block, per group of 4 inputs k0..k3 (K padded with zero weights to a
 * multiple of 4), per channel: (w[k0], w[k2]), (w[k1], w[k3]).
 * Write order: pixels in raster order, two at a time (an odd count ends with one); both
 * pixels' inputs are read before the first of their outputs is written, so the output may
 * stream over the input at the two-pixel lag firmware/plan/streaming.ts gives 1x1 convs.
 * Forwards only. Results are those of tr_conv2d_s8. */
#ifndef TR_CONV1X1_PAIRS_H
#define TR_CONV1X1_PAIRS_H
#include "tr_conv1x1_wide.h"

/* Widest input this kernel takes (its widened pair of pixels: K words on the stack; the LDRD
 * offset of the second pixel, 2K bytes, stays within its 1020). */
#define TR_PAIRS_MAX_K 256

/* Channels c (and, with N == 2, c + 1) of pixels A and (TWO) B, whose widened inputs are xa
 * and xb (G words of pairs each), into oa[c..] and ob[c..]. */
static inline __attribute__((always_inline)) void tr_pairs_channels(
    const tr_requant_t *r, const int32_t *bias, const uint32_t *xa, const uint32_t *xb, const uint32_t *w,
    int8_t *oa, int8_t *ob, const int32_t c, const int32_t G, const int32_t N, const int TWO,
    const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  int32_t a0 = bias[c], b0 = a0, a1 = N > 1 ? bias[c + 1] : 0, b1 = a1;
#if TR_SIMD_NATIVE
  if (N == 2 && TWO) {
    /* per group: one LDM of both channels' weight pairs (r8-r11: LDM needs ascending
     * registers), one LDRD of each pixel's input pairs, eight SMLAD: 11 instructions per 16 MACs */
    uint32_t xl, xh;
    const uint32_t *x = xa;
#define TR_PAIRS_GROUP                                 \
    "ldmia %[w]!, {r8, r9, r10, r11}\n\t"            \
    "ldrd %[xl], %[xh], [%[x], #%c[OFF]]\n\t"        \
    "smlad %[b0], %[xl], r8, %[b0]\n\t"              \
    "smlad %[b0], %[xh], r9, %[b0]\n\t"              \
    "smlad %[b1], %[xl], r10, %[b1]\n\t"             \
    "smlad %[b1], %[xh], r11, %[b1]\n\t"             \
    "ldrd %[xl], %[xh], [%[x]], #8\n\t"              \
    "smlad %[a0], %[xl], r8, %[a0]\n\t"              \
    "smlad %[a0], %[xh], r9, %[a0]\n\t"              \
    "smlad %[a1], %[xl], r10, %[a1]\n\t"             \
    "smlad %[a1], %[xh], r11, %[a1]\n\t"
    /* Up to 16 groups written out (8 with the fp32 requantization); deeper inputs in a loop of
     * 4 groups and the G % 4 left written out: GCC sizes an asm by its source lines, not by
     * what .rept expands to, so a longer body pushes float literal pools out of VLDR range
     * (1020 bytes; the integer modes load no floats). A separate statement: the loop counter
     * would cost the code around one more register. */
    if (G <= (mode == TR_RQ_FP32 ? 8 : 16)) {
      __asm__(".rept %c[G]\n\t" TR_PAIRS_GROUP ".endr"
              : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [x] "+r"(x), [w] "+r"(w),
                [xl] "=&r"(xl), [xh] "=&r"(xh)
              : [G] "i"(G), [OFF] "i"(8 * G)
              : "r8", "r9", "r10", "r11", "memory");
    } else {
      uint32_t n;
      __asm__("movw %[n], #%c[Q]\n"
              "1:\n\t"
              TR_PAIRS_GROUP TR_PAIRS_GROUP TR_PAIRS_GROUP TR_PAIRS_GROUP
              "subs %[n], %[n], #1\n\t"
              "bne 1b\n\t"
              ".if %c[R] >= 1\n\t" TR_PAIRS_GROUP ".endif\n\t"
              ".if %c[R] >= 2\n\t" TR_PAIRS_GROUP ".endif\n\t"
              ".if %c[R] >= 3\n\t" TR_PAIRS_GROUP ".endif"
              : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [x] "+r"(x), [w] "+r"(w),
                [xl] "=&r"(xl), [xh] "=&r"(xh), [n] "=&r"(n)
              : [Q] "i"(G / 4), [R] "i"(G % 4), [OFF] "i"(8 * G)
              : "r8", "r9", "r10", "r11", "cc", "memory");
    }
#undef TR_PAIRS_GROUP
  } else
#endif
  {
    (void)xb;
#pragma GCC unroll 4
    for (int32_t g = 0; g < G; g++, w += 2 * N) {
      const uint32_t xal = xa[2 * g], xah = xa[2 * g + 1];
      a0 = tr_smlad(xah, w[1], tr_smlad(xal, w[0], a0));
      if (N > 1) a1 = tr_smlad(xah, w[3], tr_smlad(xal, w[2], a1));
      if (TWO) {
        const uint32_t xbl = xb[2 * g], xbh = xb[2 * g + 1];
        b0 = tr_smlad(xbh, w[1], tr_smlad(xbl, w[0], b0));
        if (N > 1) b1 = tr_smlad(xbh, w[3], tr_smlad(xbl, w[2], b1));
      }
    }
  }
  const int32_t va0 = tr_wide_rq(r, a0, c, mode, zp, lo, hi);
  const int32_t vb0 = TWO ? tr_wide_rq(r, b0, c, mode, zp, lo, hi) : 0;
  if (N > 1) {
    const int32_t va1 = tr_wide_rq(r, a1, c + 1, mode, zp, lo, hi);
    const int32_t vb1 = TWO ? tr_wide_rq(r, b1, c + 1, mode, zp, lo, hi) : 0;
    oa[c + 1] = (int8_t)va1;
    if (TWO) ob[c + 1] = (int8_t)vb1;
  }
  oa[c] = (int8_t)va0;
  if (TWO) ob[c] = (int8_t)vb0;
}

/* Pixels A = x and (TWO) B = x + K into o and o + C: every output channel, two at a time. */
static inline __attribute__((always_inline)) void tr_pairs_pixels(
    const tr_requant_t *r, const int32_t *bias, const int8_t *x, const uint32_t *filter, int8_t *o, uint32_t *xw,
    const int32_t K, const int32_t C, const int TWO, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const int32_t K4 = (K + 3) & ~3, G = K4 / 4;
  tr_wide_input(x, xw, K, K4);
  if (TWO) tr_wide_input(x + K, xw + 2 * G, K, K4);
  int32_t c = 0;
  for (; c + 2 <= C; c += 2) {
    tr_pairs_channels(r, bias, xw, xw + 2 * G, filter + c * 2 * G, o, o + C, c, G, 2, TWO, mode, zp, lo, hi);
  }
  if (C % 2) tr_pairs_channels(r, bias, xw, xw + 2 * G, filter + c * 2 * G, o, o + C, c, G, 1, TWO, mode, zp, lo, hi);
}

/* The whole layer: P pixels of K (<= TR_PAIRS_MAX_K) input channels, C output channels; the requantization
 * mode, output zero point and clamp bounds literals at the call (see tr_conv1x1_wide_layer);
 * xw a buffer of (K + 3) / 4 * 4 words the generated per-layer function declares. */
static inline __attribute__((always_inline)) void tr_conv1x1_pairs_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const uint32_t *filter, int8_t *out, uint32_t *xw,
    const int32_t P, const int32_t K, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  int32_t px = 0;
  for (; px + 2 <= P; px += 2) tr_pairs_pixels(&r, p->bias_folded, in + px * K, filter, out + px * C, xw, K, C, 1, mode, zp, lo, hi);
  if (P % 2) tr_pairs_pixels(&r, p->bias_folded, in + px * K, filter, out + px * C, xw, K, C, 0, mode, zp, lo, hi);
}

#endif
