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
/* Single-rounding form of tr_mbqm for a non-negative multiplier with a right shift r >= 1
 * and no left shift (what every conv/FC requantization with a scale below 0.5 gets):
 * RDBPOT(SRDHM(x, M), r) == floor((x*M + 2^30 + 2^31 * (2^(r-1) - [x < 0])) / 2^(31+r))
 * exactly (nested floor divisions fold; the sign term only matters at the second rounding's
 * ties, where h = SRDHM(x, M) and x have the same sign for M >= 2^30). The generator
 * precomputes k = 2^30 + 2^(30+r) and rsh = r - 1: one 64-bit multiply-accumulate and two
 * shifts instead of the two roundings. Checked against tr_mbqm_pos in fixedpoint.test.ts. */
typedef struct {
  int64_t k;        /* 2^30 + 2^(30 + r) */
  int32_t mult;     /* Q31 multiplier, >= 2^30 or 0 */
  int32_t rsh;      /* r - 1 */
} tr_rq_t;

static inline int32_t tr_rq_apply(int32_t x, const tr_rq_t *q) {
  const int64_t k = q->k - (int64_t)((uint32_t)x >> 31) * 2147483648LL;
  return (int32_t)(((int64_t)x * q->mult + k) >> 32) >> q->rsh;
}

/* XNNPACK's fp32 requantization: lrintf((float)x * scale) (round half to even, default
 * rounding mode) via the 1.5 * 2^23 magic number, exact for |v| < 2^22; larger values are
 * clamped first, which cannot change an 8-bit result. Needs strict float32 evaluation (no
 * fast-math, no contraction: tr_kernels.h and AOT_CFLAGS see to it). */
static inline int32_t tr_rq_fp32(int32_t x, float scale) {
  float v = (float)x * scale;
  v = v < -4194304.0f ? -4194304.0f : (v > 4194304.0f ? 4194304.0f : v);
  return (int32_t)((v + 12582912.0f) - 12582912.0f);
}

/* XNNPACK float -> int8 conversion: lrintf(x * inv_scale) (round half to even), saturating. */
static inline int32_t tr_round_half_even_f(float v) {
  if (v != v) return 0;
  v = v < -4194304.0f ? -4194304.0f : (v > 4194304.0f ? 4194304.0f : v);
  return (int32_t)((v + 12582912.0f) - 12582912.0f);
}

/* Requantization of an int32 accumulator for channel c, one of three arithmetics chosen by
 * the generator: single-rounding fixed point (rq), XNNPACK's fp32 scale (fscale), or the
 * two-rounding fixed point (mult/shift). Kernels copy it into a local so the pointers stay in
 * registers across int8 stores (which may alias anything). */
typedef struct {
  const tr_rq_t *rq;
  const float *fscale;
  const int32_t *mult, *shift;
  int32_t zp, lo, hi;
} tr_requant_t;

/* The three arithmetics of tr_requant by a constant mode (TR_RQ_*), for kernels that
 * specialise a loop per mode; zp/lo/hi passed as locals so they stay in registers. */
enum { TR_RQ_MBQM = 0, TR_RQ_SINGLE = 1, TR_RQ_FP32 = 2 };
static inline __attribute__((always_inline)) int8_t tr_requant_m(const tr_requant_t *r, int32_t acc, int32_t c,
                                                                 const int mode, int32_t zp, int32_t lo, int32_t hi) {
  int32_t v;
  if (mode == TR_RQ_SINGLE) v = tr_rq_apply(acc, &r->rq[c]);
  else if (mode == TR_RQ_FP32) v = tr_rq_fp32(acc, r->fscale[c]);
  else v = tr_mbqm_pos(acc, r->mult[c], r->shift[c]);
  v += zp;
  return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

static inline int tr_requant_mode(const tr_requant_t *r) {
  return r->rq ? TR_RQ_SINGLE : (r->fscale ? TR_RQ_FP32 : TR_RQ_MBQM);
}

static inline int8_t tr_requant(const tr_requant_t *r, int32_t acc, int32_t c) {
  int32_t v;
  if (r->rq) v = tr_rq_apply(acc, &r->rq[c]);
  else if (r->fscale) v = tr_rq_fp32(acc, r->fscale[c]);
  else v = tr_mbqm_pos(acc, r->mult[c], r->shift[c]);
  v += r->zp;
  return (int8_t)(v < r->lo ? r->lo : (v > r->hi ? r->hi : v));
}
#endif
