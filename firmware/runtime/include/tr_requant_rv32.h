/* Exact requantization for cores without a DSP extension (RV32IMAC): TFLite's double rounding
 * (tr_mbqm_pos) in one 32-bit high multiply, one add and one shift.
 *
 * tr_rq_apply (tr_fixedpoint.h) is floor((x*M + K) / 2^(31+r)) with K = 2^30 + 2^(30+r)
 * - 2^31*[x<0]; on rv32imac that is mul + mulh for the 64-bit product, a 64-bit add with its
 * carry (add, sltu, add, add), the sign term (srai, slli, sub on both words), two shifts, the
 * zero point, the clamp and the store: about 25 instructions per output. Every term of K is a
 * multiple of 2^30, so the division splits exactly: floor((x*M + K) / 2^(31+r)) =
 * floor((floor(x*M / 2^30) + K / 2^30) / 2^(r+1)), and floor(x*M / 2^30) = mulh(4x, M) while
 * 4x fits in int32. Adding zp * 2^(r+1) before the floor adds the zero point, so per output:
 *   h = mulh(4x, M); v = (h + add - 2*[h<0]) >> (r+1),  add = 1 + 2^r + zp * 2^(r+1)
 * and h < 0 exactly when x < 0 (M >= 2^30; M = 0 gives 0 either way). The generator
 * (lower-scalar-depthwise.ts rq32Rows) proves from the weights' accumulator bounds that 4x and
 * h + add stay inside int32 for the layer, else keeps tr_rq_t.
 *
 * The sign term is dropped (SIGN = 0) where it cannot change a result: when the clamp's lower
 * bound is at or above the zero point (ReLU, ReLU6), a negative x gives a value <= zp either
 * way (h <= -1, so h + 1 + 2^r < 2^(r+1)), which the clamp lifts to lo. Kernels keep the three
 * per-channel constants and lo/hi in registers; the clamp is two branches that are almost
 * never taken (instructions, not cycles, are what minstret counts).
 * Checked against tr_mbqm_pos in test/codegen/fixedpoint.test.ts. */
#ifndef TR_REQUANT_RV32_H
#define TR_REQUANT_RV32_H
#include <stdint.h>

/* For the generator's per-layer wrappers around the always_inline rv32 kernels: a kernel's
 * "#pragma GCC optimize" does not reach code inlined into a caller compiled without it, and
 * GCC 12's pre-allocation scheduler hoists the loads of an unrolled window and spills (dw3x3
 * pair loop: 64 instructions with 9 spills per 18 MACs, 51 without the scheduler). */
#if defined(__GNUC__) && !defined(__clang__)
#define TR_RV32_NOSCHED __attribute__((optimize("no-schedule-insns")))
#else
#define TR_RV32_NOSCHED
#endif

/* The kernels' mode literal for this arithmetic, beside tr_fixedpoint.h's TR_RQ_* (0..2). */
#define TR_RQ_RV32 3

typedef struct {
  int32_t mult;  /* Q31 multiplier M, >= 2^30 or 0 */
  int32_t add;   /* 1 + 2^r + zp * 2^(r+1) */
  int32_t sh;    /* r + 1 */
} tr_rq32_t;

/* The requantized, zero-pointed value of an accumulator already multiplied by 4 (kernels
 * fold the 4 into their weights or bias where that is free). */
static inline __attribute__((always_inline)) int32_t tr_rq32_value(int32_t acc4, int32_t mult, int32_t add, int32_t sh, const int SIGN) {
  int32_t h = (int32_t)(((int64_t)acc4 * mult) >> 32);
  if (SIGN) h -= (int32_t)((uint32_t)h >> 31) << 1;
  return (h + add) >> sh;
}

/* int32 (not int8): a kernel that holds several results before storing them would otherwise
 * pay a sign extension for each (slli + srai) */
static inline __attribute__((always_inline)) int32_t tr_rq32_clamp(int32_t v, int32_t lo, int32_t hi) {
  if (__builtin_expect(v < lo, 0)) v = lo;
  if (__builtin_expect(v > hi, 0)) v = hi;
  return v;
}

static inline __attribute__((always_inline)) int8_t tr_rq32(int32_t acc4, const tr_rq32_t *q, int32_t lo, int32_t hi, const int SIGN) {
  return (int8_t)tr_rq32_clamp(tr_rq32_value(acc4, q->mult, q->add, q->sh, SIGN), lo, hi);
}
#endif
