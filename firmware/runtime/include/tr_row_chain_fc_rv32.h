/* A ROW_CHAIN's fully connected end on cores without a DSP extension (RV32IMAC): one row of
 * the last stage's output (K values) into the FC's int32 accumulators, acc[c] += x . w_c over
 * the row's slice of every unit's weights. The chain (tr_row_chain_s8.c) clears the
 * accumulators and adds the folded bias (bias + input_offset * sum of the unit's weights)
 * before its one requantization, so a row is a pure dot product: the MAC loop of
 * tr_fc_row_rv32.h (one input load serves a block of channels, four inputs per loop turn, every
 * weight at an immediate offset) without its bias and requantization, the accumulators loaded
 * and stored once per row and block. Per 4 inputs of a 4-channel block: 4 input and 16 weight
 * loads, 16 MUL, 16 ADD, the pointer steps and the branch.
 *
 * Weights: per row, the row's slice [units][K] in kernel-layout.ts rv32BlockLayout (blocks of 8
 * units, then one of 4 when at least 4 are left, then the remaining units one by one; within a
 * block, per k, the units side by side); rows one after another. Sums wrap like the reference
 * kernel's int32 accumulators (integer addition is exact in any order). */
#ifndef TR_ROW_CHAIN_FC_RV32_H
#define TR_ROW_CHAIN_FC_RV32_H
#include <stdint.h>
/* TR_RV32_NOSCHED for the generator's row function */
#include "tr_requant_rv32.h"

#define TR_RCF_AI static inline __attribute__((always_inline))

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-schedule-insns")
#endif

/* N (8, 4 or 1) units: acc[0..N) += x[0..K) . w (the block, N per k); K, N literals. */
TR_RCF_AI void tr_rcf_block(const int8_t *x, const int8_t *w, int32_t *acc, const int32_t K, const int32_t N) {
  int32_t a[8];
  _Pragma("GCC unroll 8") for (int32_t j = 0; j < N; j++) a[j] = acc[j];
#define TR_RCF_STEP(O)                                                                   \
  {                                                                                      \
    const int32_t p = x[(O)];                                                            \
    _Pragma("GCC unroll 8") for (int32_t j = 0; j < N; j++) a[j] += p * w[N * (O) + j];  \
  }
  const int8_t *const wend = w + N * (K & ~3);
  while (w != wend) {
    TR_RCF_STEP(0) TR_RCF_STEP(1) TR_RCF_STEP(2) TR_RCF_STEP(3)
    x += 4; w += 4 * N;
  }
  /* K is a literal: the last inputs compile to straight-line code or to nothing */
  if (K & 2) { TR_RCF_STEP(0) TR_RCF_STEP(1) x += 2; w += 2 * N; }
  if (K & 1) { TR_RCF_STEP(0) }
#undef TR_RCF_STEP
  _Pragma("GCC unroll 8") for (int32_t j = 0; j < N; j++) acc[j] = a[j];
}

/* One row: x (K values) into acc[0..C) from w (the row's slice, layout above); K, C literals. */
TR_RCF_AI void tr_row_chain_fc_rv32(const int8_t *x, const int8_t *w, int32_t *acc, const int32_t K, const int32_t C) {
  int32_t oc = 0;
  for (; oc + 8 <= C; oc += 8, w += 8 * K) tr_rcf_block(x, w, acc + oc, K, 8);
  if (C - oc >= 4) { tr_rcf_block(x, w, acc + oc, K, 4); oc += 4; w += 4 * K; }
  /* a count, not oc < C: see tr_conv_rv32.h (-Waggressive-loop-optimizations) */
  for (int32_t t = C - oc; t > 0; t--, oc++, w += K) tr_rcf_block(x, w, acc + oc, K, 1);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#undef TR_RCF_AI
#endif
