/* The SIMD steps the optimized int8 kernels are written in: Cortex-M4/M7 DSP instructions
 * (SMLAD, SXTB16) through ACLE intrinsics when the target has them, else a portable C
 * emulation with identical results. Defining TR_DSP_EMULATE forces the emulation (host tests
 * run the exact code paths the Cortex-M4 runs).
 * On targets without the DSP extension (RISC-V, Cortex-M0, a host build without
 * TR_DSP_EMULATE) the dot-product helpers below skip their packed loop and run only their
 * plain multiply-accumulate loop (TR_SIMD_SCALAR): packing bytes into int16 lanes just to
 * unpack them again costs those cores several instructions per MAC. Integer sums wrap modulo
 * 2^32 in any order, so every path gives the same results. */
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
/* lane-wise int16 add (no saturation) */
static inline uint32_t tr_sadd16(uint32_t a, uint32_t b) { return __sadd16(a, b); }
/* acc + bottom(a) * bottom(b), acc + top(a) * top(b) (16x16 signed) */
static inline int32_t tr_smlabb(uint32_t a, uint32_t b, int32_t acc) { return __smlabb(a, b, acc); }
static inline int32_t tr_smlatt(uint32_t a, uint32_t b, int32_t acc) { return __smlatt(a, b, acc); }
static inline int32_t tr_smlabt(uint32_t a, uint32_t b, int32_t acc) { return __smlabt(a, b, acc); }
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
static inline int32_t tr_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a & 0xffffu) * (int32_t)(int16_t)(b & 0xffffu)));
}
static inline int32_t tr_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16)));
}
static inline int32_t tr_smlabt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a & 0xffffu) * (int32_t)(int16_t)(b >> 16)));
}
static inline uint32_t tr_sadd16(uint32_t a, uint32_t b) {
  const uint32_t lo = (a + b) & 0xffffu;
  const uint32_t hi = ((a >> 16) + (b >> 16)) & 0xffffu;
  return lo | (hi << 16);
}

#endif

#if !TR_SIMD_NATIVE && !defined(TR_DSP_EMULATE)
#define TR_SIMD_SCALAR 1
#else
#define TR_SIMD_SCALAR 0
#endif

/* An int16 value in both lanes. */
static inline uint32_t tr_dup16(int32_t v) {
  return ((uint32_t)v & 0xffffu) | (((uint32_t)v & 0xffffu) << 16);
}

/* Unaligned little-endian 32-bit load. On DSP targets LDR handles unaligned addresses (the
 * builtin compiles to one LDR); elsewhere (Cortex-M0, RISC-V, host) bytes are combined, which
 * compilers merge into one load where the target allows it. */
static inline uint32_t tr_read4(const int8_t *p) {
#if TR_SIMD_NATIVE
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
#else
  const uint8_t *b = (const uint8_t *)p;
  return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
#endif
}

/* acc += dot(x[0..len), w[0..len)) for one weight row. */
static inline int32_t tr_dot1_s8(const int8_t *x, const int8_t *w, int32_t len, int32_t acc) {
  int32_t k = 0;
#if !TR_SIMD_SCALAR
  for (; k + 4 <= len; k += 4) {
    const uint32_t xv = tr_read4(x + k);
    const uint32_t wv = tr_read4(w + k);
    acc = tr_smlad(tr_sxtb16(xv), tr_sxtb16(wv), acc);
    acc = tr_smlad(tr_sxtb16_ror8(xv), tr_sxtb16_ror8(wv), acc);
  }
#endif
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
#if !TR_SIMD_SCALAR
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
#endif
  for (; k < len; k++) {
    const int32_t xv = x[k];
    a0 += xv * w0[k]; a1 += xv * w1[k]; a2 += xv * w2[k]; a3 += xv * w3[k];
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}

/* Four weight rows against one input vector with the input offset added to every input value
 * (offset2 = tr_dup16(offset)): acc += w . (x + offset). Used where the offset cannot be
 * folded into the bias (windows clipped at the input border). */
static inline void tr_dot4_s8_off(const int8_t *x, const int8_t *w, int32_t w_stride, int32_t len,
                                  int32_t offset, int32_t *acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  const int8_t *w0 = w, *w1 = w + w_stride, *w2 = w + 2 * w_stride, *w3 = w + 3 * w_stride;
  int32_t k = 0;
#if !TR_SIMD_SCALAR
  const uint32_t off2 = tr_dup16(offset);
  for (; k + 4 <= len; k += 4) {
    const uint32_t xv = tr_read4(x + k);
    const uint32_t xl = tr_sadd16(tr_sxtb16(xv), off2), xh = tr_sadd16(tr_sxtb16_ror8(xv), off2);
    uint32_t wv = tr_read4(w0 + k);
    a0 = tr_smlad(xl, tr_sxtb16(wv), a0); a0 = tr_smlad(xh, tr_sxtb16_ror8(wv), a0);
    wv = tr_read4(w1 + k);
    a1 = tr_smlad(xl, tr_sxtb16(wv), a1); a1 = tr_smlad(xh, tr_sxtb16_ror8(wv), a1);
    wv = tr_read4(w2 + k);
    a2 = tr_smlad(xl, tr_sxtb16(wv), a2); a2 = tr_smlad(xh, tr_sxtb16_ror8(wv), a2);
    wv = tr_read4(w3 + k);
    a3 = tr_smlad(xl, tr_sxtb16(wv), a3); a3 = tr_smlad(xh, tr_sxtb16_ror8(wv), a3);
  }
#endif
  for (; k < len; k++) {
    const int32_t xv = x[k] + offset;
    a0 += xv * w0[k]; a1 += xv * w1[k]; a2 += xv * w2[k]; a3 += xv * w3[k];
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}

static inline int32_t tr_dot1_s8_off(const int8_t *x, const int8_t *w, int32_t len, int32_t offset,
                                     int32_t acc) {
  int32_t k = 0;
#if !TR_SIMD_SCALAR
  const uint32_t off2 = tr_dup16(offset);
  for (; k + 4 <= len; k += 4) {
    const uint32_t xv = tr_read4(x + k);
    const uint32_t wv = tr_read4(w + k);
    acc = tr_smlad(tr_sadd16(tr_sxtb16(xv), off2), tr_sxtb16(wv), acc);
    acc = tr_smlad(tr_sadd16(tr_sxtb16_ror8(xv), off2), tr_sxtb16_ror8(wv), acc);
  }
#endif
  for (; k < len; k++) acc += ((int32_t)x[k] + offset) * (int32_t)w[k];
  return acc;
}
/* Two input vectors (two output pixels) against two weight rows (two output channels):
 * acc = { x0.w0, x0.w1, x1.w0, x1.w1 } added in. Each loaded word feeds two SMLAD pairs. */
static inline void tr_dot2x2_s8(const int8_t *x0, const int8_t *x1, const int8_t *w0, const int8_t *w1,
                                int32_t len, int32_t *acc) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
  int32_t k = 0;
#if !TR_SIMD_SCALAR
  for (; k + 4 <= len; k += 4) {
    const uint32_t wa = tr_read4(w0 + k), wb = tr_read4(w1 + k);
    const uint32_t wal = tr_sxtb16(wa), wah = tr_sxtb16_ror8(wa);
    const uint32_t wbl = tr_sxtb16(wb), wbh = tr_sxtb16_ror8(wb);
    uint32_t xv = tr_read4(x0 + k);
    uint32_t xl = tr_sxtb16(xv), xh = tr_sxtb16_ror8(xv);
    a00 = tr_smlad(xl, wal, a00); a00 = tr_smlad(xh, wah, a00);
    a01 = tr_smlad(xl, wbl, a01); a01 = tr_smlad(xh, wbh, a01);
    xv = tr_read4(x1 + k);
    xl = tr_sxtb16(xv); xh = tr_sxtb16_ror8(xv);
    a10 = tr_smlad(xl, wal, a10); a10 = tr_smlad(xh, wah, a10);
    a11 = tr_smlad(xl, wbl, a11); a11 = tr_smlad(xh, wbh, a11);
  }
#endif
  for (; k < len; k++) {
    const int32_t p0 = x0[k], p1 = x1[k], q0 = w0[k], q1 = w1[k];
    a00 += p0 * q0; a01 += p0 * q1; a10 += p1 * q0; a11 += p1 * q1;
  }
  acc[0] = a00; acc[1] = a01; acc[2] = a10; acc[3] = a11;
}
#endif
