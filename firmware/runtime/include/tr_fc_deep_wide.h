/* FULLY_CONNECTED (and 1x1 / stride 1 / unpadded CONV_2D) int8 with few output channels or
 * deep inputs, for cores with the DSP extension: the "speed" variant that needs no widened
 * input buffer. tr_conv1x1_wide.h widens each input row once into a stack buffer (2 bytes a
 * channel, hence its depth limit) and pays that per row whatever the output count; with few
 * outputs (vww's 256 -> 2) the widening is most of the work, and a deep row (micro_speech's
 * 4000 -> 4) does not fit. Here the input is sign-extended in registers where it is read: per
 * 4 inputs one LDR and two SXTB16 (lanes (x[k0], x[k2]) and (x[k1], x[k3])), shared by a block
 * of output channels, and one SMLAD per pre-widened weight word. The generator lays the
 * weights out in that order (firmware/codegen/aot/kernel-layout.ts, fcDeepWideLayout):
 *   blocks of 4 output channels, then one block of the C % 4 channels left;
 *   within a block, per group of 4 inputs k0..k3 (K padded with zero weights to a multiple
 *   of 4), per channel of the block: word (w[k0], w[k2]), word (w[k1], w[k3]).
 * The input offset is folded into the bias by the generator, so the dot products are pure.
 * Each block re-reads the row from memory: per 16 MACs of a block of 4 that is 13
 * instructions (LDR, 2 SXTB16, 2 LDM, 8 SMLAD) against tr_conv1x1_wide.h's 11 plus its
 * per-row widening, so this kernel is chosen for few blocks (aot/lower-fc.ts).
 * A row's outputs are written block by block while the row is still read: the generator only
 * picks it where the output does not overlap the input. Results are those of tr_conv2d_s8 /
 * tr_fully_connected_s8. */
#ifndef TR_FC_DEEP_WIDE_H
#define TR_FC_DEEP_WIDE_H
#include "tr_conv1x1_wide.h"

/* One group of 4 inputs (the word v) into N accumulators: the C form of the assembly below
 * (the host's path and the partial last group). */
static inline __attribute__((always_inline)) void tr_fcd_group(const uint32_t v, const uint32_t *w, const int32_t N,
                                                                int32_t *a0, int32_t *a1, int32_t *a2, int32_t *a3) {
  const uint32_t xl = tr_sxtb16(v), xh = tr_sxtb16_ror8(v);
  *a0 = tr_smlad(xh, w[1], tr_smlad(xl, w[0], *a0));
  if (N > 1) *a1 = tr_smlad(xh, w[3], tr_smlad(xl, w[2], *a1));
  if (N > 2) *a2 = tr_smlad(xh, w[5], tr_smlad(xl, w[4], *a2));
  if (N > 3) *a3 = tr_smlad(xh, w[7], tr_smlad(xl, w[6], *a3));
}

/* acc[0..N) += the row x (K int8 values, K4 = K rounded up to 4) . the block's weights w
 * (N = 1..4 channels); returns the next block's weights. */
static inline __attribute__((always_inline)) const uint32_t *tr_fcd_dot(const int8_t *x, const uint32_t *w, const int32_t K,
                                                                       const int32_t N, int32_t *acc) {
  int32_t a0 = acc[0], a1 = N > 1 ? acc[1] : 0, a2 = N > 2 ? acc[2] : 0, a3 = N > 3 ? acc[3] : 0;
  const int32_t G = K / 4; /* whole groups; a partial last group is done in C below */
#if TR_SIMD_NATIVE
  {
    /* One group: LDR of 4 inputs (unaligned is fine for LDR on M4), SXTB16 ROR 8 then SXTB16
     * in place, then the block's weight pairs: LDRD for one channel, LDM of two channels'
     * (r8-r11: LDM needs ascending registers, so they are fixed) and 2 SMLAD per channel.
     * Loops of 4 groups and the G % 4 groups left written out, as in tr_conv1x1_wide.h. */
    uint32_t v, xh, n;
#define TR_FCD_GROUP                                       \
    "ldr %[v], [%[x]], #4\n\t"                             \
    "sxtb16 %[xh], %[v], ror #8\n\t"                       \
    "sxtb16 %[v], %[v]\n\t"                                \
    ".if %c[N] == 1\n\t"                                   \
    "ldrd r8, r9, [%[w]], #8\n\t"                          \
    ".else\n\t"                                            \
    "ldmia %[w]!, {r8, r9, r10, r11}\n\t"                  \
    ".endif\n\t"                                           \
    "smlad %[a0], %[v], r8, %[a0]\n\t"                     \
    "smlad %[a0], %[xh], r9, %[a0]\n\t"                    \
    ".if %c[N] >= 2\n\t"                                   \
    "smlad %[a1], %[v], r10, %[a1]\n\t"                    \
    "smlad %[a1], %[xh], r11, %[a1]\n\t"                   \
    ".endif\n\t"                                           \
    ".if %c[N] == 3\n\t"                                   \
    "ldrd r8, r9, [%[w]], #8\n\t"                          \
    "smlad %[a2], %[v], r8, %[a2]\n\t"                     \
    "smlad %[a2], %[xh], r9, %[a2]\n\t"                    \
    ".endif\n\t"                                           \
    ".if %c[N] == 4\n\t"                                   \
    "ldmia %[w]!, {r8, r9, r10, r11}\n\t"                  \
    "smlad %[a2], %[v], r8, %[a2]\n\t"                     \
    "smlad %[a2], %[xh], r9, %[a2]\n\t"                    \
    "smlad %[a3], %[v], r10, %[a3]\n\t"                    \
    "smlad %[a3], %[xh], r11, %[a3]\n\t"                   \
    ".endif\n\t"
    __asm__(".if %c[Q]\n\t"
            "movw %[n], #%c[Q]\n"
            "1:\n\t"
            TR_FCD_GROUP TR_FCD_GROUP TR_FCD_GROUP TR_FCD_GROUP
            "subs %[n], %[n], #1\n\t"
            "bne 1b\n\t"
            ".endif\n\t"
            ".if %c[R] >= 1\n\t" TR_FCD_GROUP ".endif\n\t"
            ".if %c[R] >= 2\n\t" TR_FCD_GROUP ".endif\n\t"
            ".if %c[R] >= 3\n\t" TR_FCD_GROUP ".endif"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w] "+r"(w),
              [v] "=&r"(v), [xh] "=&r"(xh), [n] "=&r"(n)
            : [Q] "i"(G / 4), [R] "i"(G % 4), [N] "i"(N)
            : "r8", "r9", "r10", "r11", "cc", "memory");
#undef TR_FCD_GROUP
  }
#else
  for (int32_t g = 0; g < G; g++, x += 4, w += 2 * N) tr_fcd_group(tr_read4(x), w, N, &a0, &a1, &a2, &a3);
#endif
  if (K % 4) {
    /* the last partial group, built byte by byte so nothing past the row is read; the
     * missing inputs are zero (their weights are zero too) */
    uint32_t v = 0;
    for (int32_t j = 0; j < K % 4; j++) v |= (uint32_t)(uint8_t)x[j] << (8 * j);
    tr_fcd_group(v, w, N, &a0, &a1, &a2, &a3);
    w += 2 * N;
  }
  acc[0] = a0;
  if (N > 1) acc[1] = a1;
  if (N > 2) acc[2] = a2;
  if (N > 3) acc[3] = a3;
  return w;
}

/* Every output channel of one row of K inputs x: blocks of 4, then the C % 4 left as one block. */
static inline __attribute__((always_inline)) void tr_fcd_row(
    const tr_requant_t *r, const int32_t *bias, const int8_t *x, const uint32_t *filter, int8_t *o,
    const int32_t K, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const uint32_t *w = filter;
  int32_t oc = 0;
  for (; oc + 4 <= C; oc += 4) {
    int32_t acc[4] = { bias[oc], bias[oc + 1], bias[oc + 2], bias[oc + 3] };
    w = tr_fcd_dot(x, w, K, 4, acc);
    const uint32_t packed = tr_pack4(tr_wide_rq(r, acc[0], oc, mode, zp, lo, hi), tr_wide_rq(r, acc[1], oc + 1, mode, zp, lo, hi),
                                     tr_wide_rq(r, acc[2], oc + 2, mode, zp, lo, hi), tr_wide_rq(r, acc[3], oc + 3, mode, zp, lo, hi));
    __builtin_memcpy(o + oc, &packed, 4);
  }
  /* C % 4 is a literal: one block of that many channels, unrolled */
  const int32_t T = C % 4;
  if (T) {
    int32_t acc[4] = { bias[oc], T > 1 ? bias[oc + 1] : 0, T > 2 ? bias[oc + 2] : 0, 0 };
    tr_fcd_dot(x, w, K, T, acc);
    o[oc] = (int8_t)tr_wide_rq(r, acc[0], oc, mode, zp, lo, hi);
    if (T > 1) o[oc + 1] = (int8_t)tr_wide_rq(r, acc[1], oc + 1, mode, zp, lo, hi);
    if (T > 2) o[oc + 2] = (int8_t)tr_wide_rq(r, acc[2], oc + 2, mode, zp, lo, hi);
  }
}

/* R rows of K int8 inputs times the C x K pre-widened weights, requantized, row by row. */
static inline __attribute__((always_inline)) void tr_fcd_gemm(
    const tr_requant_t *r, const int32_t *bias, const int8_t *in, const uint32_t *filter, int8_t *out,
    const int32_t R, const int32_t K, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  for (int32_t row = 0; row < R; row++) tr_fcd_row(r, bias, in + row * K, filter, out + row * C, K, C, mode, zp, lo, hi);
}

/* FULLY_CONNECTED: B batch rows of K inputs, C outputs; mode, output zero point and clamp
 * bounds literals at the call (see tr_conv1x1_wide_layer). */
static inline __attribute__((always_inline)) void tr_fc_deep_layer(
    const tr_fc_s8_params_t *p, const int8_t *in, const uint32_t *filter, int8_t *out,
    const int32_t B, const int32_t K, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  tr_fcd_gemm(&r, p->bias_folded, in, filter, out, B, K, C, mode, zp, lo, hi);
}

/* 1x1 / stride 1 / unpadded CONV_2D: P pixels of K channels, C output channels, forwards only. */
static inline __attribute__((always_inline)) void tr_conv1x1_deep_layer(
    const tr_conv_s8_params_t *p, const int8_t *in, const uint32_t *filter, int8_t *out,
    const int32_t P, const int32_t K, const int32_t C, const int mode, const int32_t zp, const int32_t lo, const int32_t hi) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  tr_fcd_gemm(&r, p->bias_folded, in, filter, out, P, K, C, mode, zp, lo, hi);
}

#endif
