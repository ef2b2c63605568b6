/* Integer fixed-point helpers with TFLite's exact semantics (reference kernels, the default
 * double-rounding MultiplyByQuantizedMultiplier, and the gemmlowp pieces softmax needs).
 * Shifts of signed values are done on unsigned types where C leaves them undefined. */
#ifndef TR_FIXEDPOINT_H
#define TR_FIXEDPOINT_H
#include <stdint.h>

static inline int32_t tr_clamp_i32(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* gemmlowp SaturatingRoundingDoublingHighMul. */
static inline int32_t tr_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: round half away from zero. */
static inline int32_t tr_rdbpot(int32_t x, int exponent) {
  int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static inline int32_t tr_shl_i32(int32_t x, int s) {
  return (int32_t)((uint32_t)x << s);
}

/* TFLite MultiplyByQuantizedMultiplier (shift > 0 is a left shift). */
static inline int32_t tr_mbqm(int32_t x, int32_t mult, int32_t shift) {
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  return tr_rdbpot(tr_srdhm(tr_shl_i32(x, left), mult), right);
}

/* tr_mbqm for a non-negative multiplier (what quantizeMultiplier produces), cheaper: the
 * saturation case of SRDHM (both operands INT32_MIN) cannot occur, and for every product
 * floor((ab + 2^30) / 2^31) equals gemmlowp's nudge-then-truncate rounding. */
static inline int32_t tr_mbqm_pos(int32_t x, int32_t mult, int32_t shift) {
  /* branch-free: left = max(shift, 0), right = max(-shift, 0) */
  const int32_t left = shift & ~(shift >> 31);
  const int32_t right = (-shift) & ~((-shift) >> 31);
  const int64_t ab = (int64_t)tr_shl_i32(x, left) * (int64_t)mult;
  const int32_t high = (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
  const int32_t mask = (int32_t)(((uint32_t)1 << right) - 1u);
  const int32_t remainder = high & mask;
  const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> right) + (remainder > threshold ? 1 : 0);
}

/* gemmlowp SaturatingRoundingMultiplyByPOT with a positive exponent. */
static inline int32_t tr_sat_shl(int32_t x, int exponent) {
  int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return tr_shl_i32(x, exponent);
}

/* std::round on a float (halves away from zero), exact, without libm. Values beyond +-2^30
 * saturate there: every caller clamps to an 8-bit range afterwards. */
static inline int32_t tr_round_half_away_f(float x) {
  if (x >= 1073741824.0f) return 1073741824;
  if (x <= -1073741824.0f) return -1073741824;
  if (x != x) return 0;
  int32_t t = (int32_t)x;                 /* truncates toward zero */
  const float frac = x - (float)t;        /* exact: the fractional part of a float */
  if (frac >= 0.5f) t++;
  else if (frac <= -0.5f) t--;
  return t;
}
#endif
