/* CONV_2D int8 1x1 / stride 1 / no padding, specialised per layer, for cores with the DSP
 * extension (SMLAD): the "speed" variant of tr_conv_spec.h. The generator knows every weight,
 * so it stores them pre-widened to int16 pairs in the order this loop reads them
 * (firmware/codegen/aot/kernel-layout.ts, conv1x1WideLayout):
 *   for each block of 4 output channels (the channels past the last full block one at a time):
 *     for each group of 4 input channels k0..k3 (K padded with zero weights to a multiple of 4):
 *       for each channel of the block: word (w[k0], w[k2]), word (w[k1], w[k3])
 * Each input pixel is widened once into a stack buffer in the same pairing (SXTB16 gives
 * (x[k0], x[k2]) and (x[k1], x[k3])), zero-padded to the multiple of 4. The inner loop is then
 * one LDRD of input pairs, two LDM of weight pairs and eight SMLAD per 16 MACs, with four
 * accumulators (one pixel x four output channels), against 1.25 instructions per MAC for the
 * int8 kernels that must sign-extend every weight word each time they load it. The price is
 * twice the weight ROM, hence `optimize: 'size'` keeps tr_conv_spec.h.
 * One pixel at a time, every output channel, in raster order (or reversed with REVERSE): the
 * input pixel is read completely before its output is written, within the write order
 * firmware/plan/streaming.ts assumes for 1x1 convs. Results are those of tr_conv2d_s8. */
#ifndef TR_CONV1X1_WIDE_H
#define TR_CONV1X1_WIDE_H
#include "tr_kernels.h"
#include "tr_fixedpoint.h"
#include "tr_simd.h"

/* acc[0..N) += the pixel's widened inputs xw (K4 / 2 words) . the block's weights w (N = 4 or
 * 1 channels); returns the next block's weights. */
static inline __attribute__((always_inline)) const uint32_t *tr_wide_dot(const uint32_t *xw, const uint32_t *w,
                                                                        const int32_t K4, const int32_t N, int32_t *acc) {
  int32_t a0 = acc[0], a1 = N > 1 ? acc[1] : 0, a2 = N > 2 ? acc[2] : 0, a3 = N > 3 ? acc[3] : 0;
#if TR_SIMD_NATIVE
  if (N == 4) {
    /* GCC loads the pairs one word at a time and keeps a loop counter; written out, every
     * group of four input channels is one LDRD of input pairs, two LDM of two channels' weight
     * pairs each (r8-r11: LDM needs ascending registers, so they are fixed) and eight SMLAD:
     * 11 instructions per 16 MACs, in a loop of four groups (46 instructions per 64 MACs) and
     * the G % 4 groups left written out. Not one .rept over all G groups: GCC sizes an asm by
     * its lines, and a longer body pushes float literal pools out of VLDR range. */
    uint32_t xl, xh, n;
#define TR_WIDE_GROUP                               \
    "ldrd %[xl], %[xh], [%[x]], #8\n\t"             \
    "ldmia %[w]!, {r8, r9, r10, r11}\n\t"           \
    "smlad %[a0], %[xl], r8, %[a0]\n\t"             \
    "smlad %[a0], %[xh], r9, %[a0]\n\t"             \
    "smlad %[a1], %[xl], r10, %[a1]\n\t"            \
    "smlad %[a1], %[xh], r11, %[a1]\n\t"            \
    "ldmia %[w]!, {r8, r9, r10, r11}\n\t"           \
    "smlad %[a2], %[xl], r8, %[a2]\n\t"             \
    "smlad %[a2], %[xh], r9, %[a2]\n\t"             \
    "smlad %[a3], %[xl], r10, %[a3]\n\t"            \
    "smlad %[a3], %[xh], r11, %[a3]\n\t"
    __asm__(".if %c[Q]\n\t"
            "movw %[n], #%c[Q]\n"
            "1:\n\t"
            TR_WIDE_GROUP TR_WIDE_GROUP TR_WIDE_GROUP TR_WIDE_GROUP
            "subs %[n], %[n], #1\n\t"
            "bne 1b\n\t"
            ".endif\n\t"
            ".if %c[R] >= 1\n\t" TR_WIDE_GROUP ".endif\n\t"
            ".if %c[R] >= 2\n\t" TR_WIDE_GROUP ".endif\n\t"
            ".if %c[R] >= 3\n\t" TR_WIDE_GROUP ".endif"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(xw), [w] "+r"(w),
              [xl] "=&r"(xl), [xh] "=&r"(xh), [n] "=&r"(n)
            : [Q] "i"(K4 / 16), [R] "i"(K4 / 4 % 4)
            : "r8", "r9", "r10", "r11", "cc", "memory");
#undef TR_WIDE_GROUP
    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
    return w;
  }
#endif
  for (int32_t g = 0; g < K4 / 4; g++, xw += 2, w += 2 * N) {
    const uint32_t xl = xw[0], xh = xw[1];
    a0 = tr_smlad(xl, w[0], a0); a0 = tr_smlad(xh, w[1], a0);
    if (N > 1) { a1 = tr_smlad(xl, w[2], a1); a1 = tr_smlad(xh, w[3], a1); }
    if (N > 2) { a2 = tr_smlad(xl, w[4], a2); a2 = tr_smlad(xh, w[5], a2); }
    if (N > 3) { a3 = tr_smlad(xl, w[6], a3); a3 = tr_smlad(xh, w[7], a3); }
  }
  acc[0] = a0;
  if (N > 1) acc[1] = a1;
  if (N > 2) acc[2] = a2;
  if (N > 3) acc[3] = a3;
  return w;
}

/* Widens one pixel's K int8 inputs into xw (K4 / 2 words), zero past K. */
static inline __attribute__((always_inline)) void tr_wide_input(const int8_t *x, uint32_t *xw, const int32_t K, const int32_t K4) {
  int32_t k = 0;
  for (; k + 4 <= K; k += 4, xw += 2) {
    const uint32_t v = tr_read4(x + k);
    xw[0] = tr_sxtb16(v);
    xw[1] = tr_sxtb16_ror8(v);
  }
  if (K4 > K) {
    /* the last partial group: the missing inputs are zero (their weights are zero too) */
    uint32_t v = 0;
    for (int32_t j = 0; j < K - k; j++) v |= (uint32_t)(uint8_t)x[k + j] << (8 * j);
    xw[0] = tr_sxtb16(v);
    xw[1] = tr_sxtb16_ror8(v);
  }
}

/* Requantization with the clamp bounds as literals (lo, hi): the int8 range is one SSAT on
 * DSP cores (GCC emits two compare-and-move pairs for the plain clamp), a ReLU's raised lower
 * bound one compare more. Returns the int8 value in the low byte (upper bits undefined). */
static inline __attribute__((always_inline)) int32_t tr_wide_rq(const tr_requant_t *r, int32_t acc, int32_t c, const int mode,
                                                                const int32_t zp, const int32_t lo, const int32_t hi) {
  int32_t v;
  if (mode == TR_RQ_SINGLE) v = tr_rq_apply(acc, &r->rq[c]);
  else if (mode == TR_RQ_FP32) v = tr_rq_fp32(acc, r->fscale[c]);
  else v = tr_mbqm_pos(acc, r->mult[c], r->shift[c]);
  v += zp;
#if TR_SIMD_NATIVE
  if (hi == 127) {
    v = __ssat(v, 8);
    return lo > -128 && v < lo ? lo : v;
  }
#endif
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

/* Four int8 values (low bytes of v0..v3) in one word, v0 lowest: three bit-field inserts. */
static inline __attribute__((always_inline)) uint32_t tr_pack4(int32_t v0, int32_t v1, int32_t v2, int32_t v3) {
  uint32_t p = (uint32_t)v0;
#if TR_SIMD_NATIVE
  /* GCC does not find BFI in the mask-and-or form below */
  __asm__("bfi %0, %1, #8, #8\n\tbfi %0, %2, #16, #8\n\tbfi %0, %3, #24, #8" : "+r"(p) : "r"(v1), "r"(v2), "r"(v3));
  return p;
#endif
  p = (p & ~0x0000ff00u) | (((uint32_t)v1 & 0xffu) << 8);
  p = (p & ~0x00ff0000u) | (((uint32_t)v2 & 0xffu) << 16);
  p = (p & ~0xff000000u) | ((uint32_t)v3 << 24);
  return p;
}

/* Every output channel of one pixel whose widened input (K4 / 2 words) is in xw. */
static inline __attribute__((always_inline)) void tr_wide_channels(
    const tr_requant_t *r, const int32_t *bias, const uint32_t *xw, const uint32_t *filter, int8_t *o,
    const int32_t K4, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const uint32_t *w = filter;
  int32_t oc = 0;
  for (; oc + 4 <= C; oc += 4) {
    int32_t acc[4] = { bias[oc], bias[oc + 1], bias[oc + 2], bias[oc + 3] };
    w = tr_wide_dot(xw, w, K4, 4, acc);
    /* one word store per block: a single aliasing point for the compiler */
    const uint32_t packed = tr_pack4(tr_wide_rq(r, acc[0], oc, mode, zp, lo, hi), tr_wide_rq(r, acc[1], oc + 1, mode, zp, lo, hi),
                                     tr_wide_rq(r, acc[2], oc + 2, mode, zp, lo, hi), tr_wide_rq(r, acc[3], oc + 3, mode, zp, lo, hi));
    __builtin_memcpy(o + oc, &packed, 4);
  }
  /* The C % 4 channels past the last block, counted from the block's end (see tr_gemm_scalar.h:
   * with a literal C, `oc < C` trips GCC's -Waggressive-loop-optimizations on an empty tail). */
  for (int32_t t = C - oc; t > 0; t--, oc++) {
    int32_t acc[1] = { bias[oc] };
    w = tr_wide_dot(xw, w, K4, 1, acc);
    o[oc] = (int8_t)tr_wide_rq(r, acc[0], oc, mode, zp, lo, hi);
  }
}

/* One pixel: widen its input into xw, then every output channel. */
static inline __attribute__((always_inline)) void tr_conv1x1_wide_pixel(
    const tr_requant_t *r, const int32_t *bias, const int8_t *x, const uint32_t *filter, int8_t *o, uint32_t *xw,
    const int32_t K, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const int32_t K4 = (K + 3) & ~3;
  tr_wide_input(x, xw, K, K4);
  tr_wide_channels(r, bias, xw, filter, o, K4, C, mode, zp, lo, hi);
}

/* P rows (pixels) of K int8 inputs times the C x K pre-widened filter, requantized; row by
 * row, every output channel of a row at once, forwards or (REVERSE) backwards. */
static inline __attribute__((always_inline)) void tr_wide_gemm(
    const tr_requant_t *r, const int32_t *bias, const int8_t *in, const uint32_t *filter, int8_t *out, uint32_t *xw,
    const int32_t P, const int32_t K, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi,
    const int REVERSE) {
  if (!REVERSE) {
    for (int32_t px = 0; px < P; px++) tr_conv1x1_wide_pixel(r, bias, in + px * K, filter, out + px * C, xw, K, C, mode, zp, lo, hi);
  } else {
    for (int32_t px = P - 1; px >= 0; px--) tr_conv1x1_wide_pixel(r, bias, in + px * K, filter, out + px * C, xw, K, C, mode, zp, lo, hi);
  }
}

/* The whole layer: P pixels of K input channels, C output channels, the requantization mode,
 * output zero point and clamp bounds as literals at the call; xw a buffer of (K + 3) / 4 * 2
 * words the generated per-layer function declares (a fixed size there, where a variable-length
 * array here would cost a frame pointer). REVERSE (a literal) walks the pixels from the last
 * to the first (see tr_conv_spec.h). */
static inline __attribute__((always_inline)) void tr_conv1x1_wide_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const uint32_t *filter, int8_t *out, uint32_t *xw,
    const int32_t P, const int32_t K, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi,
    const int REVERSE) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  tr_wide_gemm(&r, p->bias_folded, in, filter, out, xw, P, K, C, mode, zp, lo, hi, REVERSE);
}

/* FULLY_CONNECTED over dense rows: the same GEMM, B batch rows of K inputs, C outputs, the
 * weights ([C][K]) laid out like a 1x1 conv's filter. Loads each weight once per row. */
static inline __attribute__((always_inline)) void tr_fc_wide_layer(
    const tr_fc_s8_params_t *p, const int8_t *in, const uint32_t *filter, int8_t *out, uint32_t *xw,
    const int32_t B, const int32_t K, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  tr_wide_gemm(&r, p->bias_folded, in, filter, out, xw, B, K, C, mode, zp, lo, hi, 0);
}

#endif
