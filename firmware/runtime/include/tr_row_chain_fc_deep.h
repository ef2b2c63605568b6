/* A ROW_CHAIN's fully connected end on cores with the DSP extension (Cortex-M4/M7): one row of
 * the last stage's output (K values) into the FC's int32 accumulators, acc[c] += x . w_c over the
 * row's slice of every unit's weights, with the untiled FC's kernel (tr_fc_deep_wide.h
 * tr_fcd_dot: per 4 inputs one LDR and two SXTB16 shared by a block of 4 units, one SMLAD per
 * pre-widened weight word; no widened input buffer, so no stack beyond the registers). The
 * chain (tr_row_chain_s8.c) clears the accumulators and adds the folded bias (bias +
 * input_offset * sum of the unit's weights) before its one requantization, so a row is a pure
 * dot product. The partial-sum kernel it replaces (tr_partial_fc_s8_fast) sign-extends every
 * weight word as it loads it.
 *
 * Weights: per row, the row's slice [units][K] in kernel-layout.ts fcDeepWideLayout (blocks of
 * 4 units, then one of the C % 4 left; per group of 4 inputs, K padded with zero weights, per
 * unit the words (w[k0], w[k2]), (w[k1], w[k3])); rows one after another. */
#ifndef TR_ROW_CHAIN_FC_DEEP_H
#define TR_ROW_CHAIN_FC_DEEP_H
#include "tr_fc_deep_wide.h"

/* One row: x (K values) into acc[0..C) from w (the row's slice, layout above); K, C literals. */
static inline __attribute__((always_inline)) void tr_row_chain_fc_deep(const int8_t *x, const uint32_t *w, int32_t *acc,
                                                                      const int32_t K, const int32_t C) {
  int32_t oc = 0;
  for (; oc + 4 <= C; oc += 4) w = tr_fcd_dot(x, w, K, 4, acc + oc);
  /* C % 4 is a literal: one block of that many units (tr_fcd_dot reads and writes acc[0..N) only) */
  if (C % 4) tr_fcd_dot(x, w, K, C % 4, acc + oc);
}

#endif
