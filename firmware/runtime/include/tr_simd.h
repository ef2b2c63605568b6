/* The SIMD steps the optimized int8 kernels are written in: Cortex-M4/M7 DSP instructions
 * (SMLAD, SXTB16) through ACLE intrinsics when the target has them, else a portable C
 * emulation with identical results. Defining TR_DSP_EMULATE forces the emulation (host tests
 * run the exact code paths the boards run). */
#ifndef TR_SIMD_H
#define TR_SIMD_H
#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && !defined(TR_DSP_EMULATE)
#include <arm_acle.h>
#define TR_SIMD_NATIVE 1
static inline int32_t tr_smlad(uint32_t a, uint32_t b, int32_t acc) { return __smlad(a, b, acc); }
/* bytes 0 and 2, sign-extended to two int16 lanes */
static inline uint32_t tr_sxtb16(uint32_t x) { return __sxtb16(x); }
/* bytes 1 and 3, sign-extended to two int16 lanes (SXTB16 with ROR #8) */
static inline uint32_t tr_sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
#else
#define TR_SIMD_NATIVE 0
static inline int32_t tr_smlad(uint32_t a, uint32_t b, int32_t acc) {
  const int32_t lo = (int32_t)(int16_t)(a & 0xffffu) * (int32_t)(int16_t)(b & 0xffffu);
  const int32_t hi = (int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16);
  /* SMLAD wraps modulo 2^32 (it only sets the Q flag) */
  return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
}
static inline uint32_t tr_sxtb16(uint32_t x) {
  const uint32_t lo = (uint32_t)(uint16_t)(int16_t)(int8_t)(x & 0xffu);
  const uint32_t hi = (uint32_t)(uint16_t)(int16_t)(int8_t)((x >> 16) & 0xffu);
  return lo | (hi << 16);
}
static inline uint32_t tr_sxtb16_ror8(uint32_t x) { return tr_sxtb16((x >> 8) | (x << 24)); }
#endif

/* Unaligned little-endian 32-bit load (LDR handles unaligned addresses on Cortex-M3 and up;
 * the builtin compiles to a byte-wise load where it does not). */
static inline uint32_t tr_read4(const int8_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/* acc += dot(x[0..len), w[0..len)) for one weight row. */
static inline int32_t tr_dot1_s8(const int8_t *x, const int8_t *w, int32_t len, int32_t acc) {
  int32_t k = 0;
  for (; k + 4 <= len; k += 4) {
    const uint32_t xv = tr_read4(x + k);
    const uint32_t wv = tr_read4(w + k);
    acc = tr_smlad(tr_sxtb16(xv), tr_sxtb16(wv), acc);
    acc = tr_smlad(tr_sxtb16_ror8(xv), tr_sxtb16_ror8(wv), acc);
  }
  for (; k < len; k++) acc += (int32_t)x[k] * (int32_t)w[k];
  return acc;
}

/* Four weight rows (stride w_stride) against one input vector: each input word is loaded and
 * sign-extended once for four outputs. */
static inline void tr_dot4_s8(const int8_t *x, const int8_t *w, int32_t w_stride, int32_t len,
                              int32_t *acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *w0 = w, *w1 = w + w_stride, *w2 = w + 2 * w_stride, *w3 = w + 3 * w_stride;
  int32_t k = 0;
  for (; k + 4 <= len; k += 4) {
    const uint32_t xv = tr_read4(x + k);
    const uint32_t xl = tr_sxtb16(xv), xh = tr_sxtb16_ror8(xv);
    uint32_t wv = tr_read4(w0 + k);
    a0 = tr_smlad(xl, tr_sxtb16(wv), a0); a0 = tr_smlad(xh, tr_sxtb16_ror8(wv), a0);
    wv = tr_read4(w1 + k);
    a1 = tr_smlad(xl, tr_sxtb16(wv), a1); a1 = tr_smlad(xh, tr_sxtb16_ror8(wv), a1);
    wv = tr_read4(w2 + k);
    a2 = tr_smlad(xl, tr_sxtb16(wv), a2); a2 = tr_smlad(xh, tr_sxtb16_ror8(wv), a2);
    wv = tr_read4(w3 + k);
    a3 = tr_smlad(xl, tr_sxtb16(wv), a3); a3 = tr_smlad(xh, tr_sxtb16_ror8(wv), a3);
  }
  for (; k < len; k++) {
    const int32_t xv = x[k];
    a0 += xv * w0[k]; a1 += xv * w1[k]; a2 += xv * w2[k]; a3 += xv * w3[k];
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}
#endif
