/* int8 ADD of two same-shape dense tensors for cores without a DSP extension (RV32IMAC), by
 * tables: one copy of the loop per layer (the generator's wrapper, n a literal).
 *
 * TFLite's reference ADD rescales each input with its own MultiplyByQuantizedMultiplier
 * (64-bit products, two roundings: tr_add_s8's three tr_mbqm_pos cost about 109 instructions
 * per element on rv32imac, resnet's three ADDs 3.1 M instructions). An input's rescaled value
 * depends on that input's byte alone, so the generator (lower-add-rv32.ts) tabulates both
 * (256 int32 each, indexed by the byte as unsigned) and the loop only sums two table entries
 * and requantizes the sum once:
 * - TR_ADD_RV32_RQ (reference arithmetic): the tables hold 4 * scaled input (the 4 of
 *   tr_requant_rv32.h's form folded in), the sum is requantized with that one-mulh form,
 *   which rq32Rows proves exact over the range of table sums (else tr_add_s8 is kept);
 * - TR_ADD_RV32_XNN (xnnpack arithmetic): XNNPACK's accumulator bias + a * a_mult + b * b_mult
 *   (wrapping like int32) as ta[a] = bias + a * a_mult and tb[b] = b * b_mult, then its one
 *   shift and the zero point.
 * Element k is read before element k is written and nothing after it is written earlier
 * (four elements loaded, then their four stores), so an output at or below its input
 * (firmware/plan/streaming.ts' elementwise lag of 0) stays correct. */
#ifndef TR_ADD_RV32_H
#define TR_ADD_RV32_H
#include <stdint.h>
#include "tr_requant_rv32.h"

#define TR_ADD_RV32_RQ 0
#define TR_ADD_RV32_XNN 1

/* The generator's per-layer wrapper (see TR_RVQ_LAYER_FN in tr_conv_quad_rv32.h: noipa keeps
 * the call; the options must be on the function the body is inlined into). */
#if defined(__GNUC__) && !defined(__clang__)
#define TR_ADD_RV32_LAYER_FN static __attribute__((noinline, noipa, optimize("no-schedule-insns"))) void
#else
#define TR_ADD_RV32_LAYER_FN static __attribute__((noinline)) void
#endif

typedef struct {
  const int32_t *ta, *tb;   /* per input byte (as uint8_t): what the mode above says */
  tr_rq32_t q;              /* TR_ADD_RV32_RQ: the output's requantization row */
  int32_t shift, zp;        /* TR_ADD_RV32_XNN: XNNPACK's shift and the output zero point */
  int32_t lo, hi;           /* activation clamp */
} tr_add_rv32_params_t;

/* One element's output from its table sum (int32 down to the store, as tr_rq32_clamp) */
static inline __attribute__((always_inline)) int32_t tr_add_rv32_out(int32_t s, const int32_t mult, const int32_t add,
                                                                     const int32_t sh, const int32_t zp, const int32_t lo,
                                                                     const int32_t hi, const int MODE, const int SIGN) {
  const int32_t v = MODE == TR_ADD_RV32_XNN ? (s >> sh) + zp : tr_rq32_value(s, mult, add, sh, SIGN);
  return tr_rq32_clamp(v, lo, hi);
}

/* out[i] = ADD(a[i], b[i]) for i < N; N, MODE and SIGN literals at the call. */
static inline __attribute__((always_inline)) void tr_add_rv32_layer(const tr_add_rv32_params_t *p, const int8_t *a,
                                                                    const int8_t *b, int8_t *out, const int32_t N,
                                                                    const int MODE, const int SIGN) {
  const int32_t *const ta = p->ta, *const tb = p->tb;
  const int32_t mult = p->q.mult, add = p->q.add, sh = MODE == TR_ADD_RV32_XNN ? p->shift : p->q.sh;
  const int32_t zp = p->zp, lo = p->lo, hi = p->hi;
  const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
/* unsigned: XNNPACK's accumulator wraps like int32 (the reference one provably never leaves it) */
#define TR_ADD_RV32_SUM(J) ((int32_t)((uint32_t)ta[x[(J)]] + (uint32_t)tb[y[(J)]]))
#define TR_ADD_RV32_OUT(S) tr_add_rv32_out((S), mult, add, sh, zp, lo, hi, MODE, SIGN)
  const uint8_t *const xend = x + (N & ~3);
  while (x != xend) {
    const int32_t s0 = TR_ADD_RV32_SUM(0), s1 = TR_ADD_RV32_SUM(1), s2 = TR_ADD_RV32_SUM(2), s3 = TR_ADD_RV32_SUM(3);
    const int32_t v0 = TR_ADD_RV32_OUT(s0), v1 = TR_ADD_RV32_OUT(s1), v2 = TR_ADD_RV32_OUT(s2), v3 = TR_ADD_RV32_OUT(s3);
    out[0] = (int8_t)v0; out[1] = (int8_t)v1; out[2] = (int8_t)v2; out[3] = (int8_t)v3;
    x += 4; y += 4; out += 4;
  }
  /* N is a literal: the last elements compile to straight-line code or to nothing */
  for (int32_t j = 0; j < (N & 3); j++) out[j] = (int8_t)TR_ADD_RV32_OUT(TR_ADD_RV32_SUM(j));
#undef TR_ADD_RV32_SUM
#undef TR_ADD_RV32_OUT
}
#endif
