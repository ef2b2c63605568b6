/* int8 FULLY_CONNECTED over one input row (batch 1: every FC of the model set) for cores
 * without a DSP extension (RV32IMAC): one copy of the loop per layer with K and C literals.
 * One row has no second pixel to share a weight load with, so every MAC costs its weight load,
 * its MUL and its ADD; what is left to cut is the rest. Sixteen channels per pass (two blocks
 * of the layout, a pointer each): one input load serves 16 MACs; four inputs per loop turn,
 * every weight at an immediate offset; the accumulators start from the bias and are
 * requantized straight from the registers. 4 input and 64 weight loads, 128 MUL/ADD and 4
 * pointer/branch instructions per 64 MACs (riscv64-unknown-elf-gcc 12.2 -O2: 200, 3.125 per
 * MAC; 8 channels per pass: 103 per 32, 3.22; tr_conv_rv32.h's shared 8 x 1 path: 53 per 16
 * in its loop, 3.31, plus its accumulators through memory and a call per block).
 *
 * Weights: kernel-layout.ts rv32BlockLayout (blocks of 8 output channels, then one of 4 when at
 * least 4 are left, then the remaining rows; within a block, per k, the channels side by side),
 * the layout tr_conv_rv32.h reads. Results are those of the reference kernels. */
#ifndef TR_FC_ROW_RV32_H
#define TR_FC_ROW_RV32_H
#include "tr_conv_rv32.h"
#include "tr_requant_rv32.h"

#define TR_RVF_AI static inline __attribute__((always_inline))

/* The generator's per-layer function (see TR_RVQ_LAYER_FN in tr_conv_quad_rv32.h: the layer is
 * inlined into it, so the options must be on it). */
#if defined(__GNUC__) && !defined(__clang__)
#define TR_RVF_LAYER_FN static __attribute__((noinline, noipa, optimize("no-schedule-insns"))) void
#else
#define TR_RVF_LAYER_FN static __attribute__((noinline)) void
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-schedule-insns")
#endif

/* N (16, 8, 4 or 1) channels from oc on: w the layout's block of min(N, 8) of them (that many
 * per k), for N = 16 v the next block of 8 (a pointer of its own: 8 * K bytes on is no
 * immediate offset for long rows). */
TR_RVF_AI void tr_rvf_block(const tr_requant_t *r, const int32_t *bias, const int8_t *x, const int8_t *w, const int8_t *v,
                            int8_t *o, const int32_t oc, const int32_t N, const int32_t K, const int mode, const int32_t zp,
                            const int32_t lo, const int32_t hi, const tr_rq32_t *q32, const int SIGN) {
  const int32_t M = N < 8 ? N : 8;
  int32_t a[16];
  /* N is a literal: the accumulators past it are never used and vanish */
  _Pragma("GCC unroll 16") for (int32_t j = 0; j < 16; j++) a[j] = j < N ? bias[oc + j] : 0;
  /* input O of the turn: weights M * O on in w, 8 * O on in v */
#define TR_RVF_STEP(O)                                                                   \
  {                                                                                      \
    const int32_t p = x[(O)];                                                            \
    _Pragma("GCC unroll 8") for (int32_t j = 0; j < M; j++) a[j] += p * w[M * (O) + j];  \
    _Pragma("GCC unroll 8") for (int32_t j = 8; j < N; j++) a[j] += p * v[8 * (O) + j - 8]; \
  }
  const int8_t *const wend = w + M * (K & ~3);
  while (w != wend) {
    TR_RVF_STEP(0) TR_RVF_STEP(1) TR_RVF_STEP(2) TR_RVF_STEP(3)
    x += 4; w += 4 * M; v += 32;
  }
  /* K is a literal: the last inputs compile to straight-line code or to nothing */
  if (K & 2) { TR_RVF_STEP(0) TR_RVF_STEP(1) x += 2; w += 2 * M; v += 16; }
  if (K & 1) { TR_RVF_STEP(0) }
#undef TR_RVF_STEP
  /* TR_RQ_RV32: tr_requant_rv32.h's form on 4 * acc, kept in int32 down to the byte store */
  if (mode == TR_RQ_RV32) {
    _Pragma("GCC unroll 16") for (int32_t j = 0; j < N; j++) {
      const tr_rq32_t *const q = q32 + oc + j;
      o[oc + j] = (int8_t)tr_rq32_clamp(tr_rq32_value((int32_t)((uint32_t)a[j] << 2), q->mult, q->add, q->sh, SIGN), lo, hi);
    }
    return;
  }
  _Pragma("GCC unroll 16") for (int32_t j = 0; j < N; j++) {
    tr_rv_channel_rq_t l;
    TR_RV_CHANNEL_RQ(l, r, oc + j, mode);
    o[oc + j] = tr_requant_m(&l.r, a[j], 0, mode, zp, lo, hi);
  }
}

/* B rows of K inputs -> B rows of C outputs, row by row; K and C literals. q32, SIGN: the
 * layer's tr_rq32_t table and sign literal when mode is TR_RQ_RV32 (else unused). */
TR_RVF_AI void tr_fc_row_rv32_layer(const tr_fc_s8_params_t *p, const int8_t *in, const int8_t *filter, int8_t *out,
                                    const int32_t B, const int32_t K, const int32_t C, const int mode,
                                    const tr_rq32_t *q32, const int SIGN) {
  const tr_requant_t r = { p->rq, p->fscale, p->out_mult, p->out_shift, p->output_offset, p->act_min, p->act_max };
  const int32_t zp = r.zp, lo = r.lo, hi = r.hi;
  const int32_t *const bias = p->bias_folded;
  for (int32_t b = 0; b < B; b++) {
    const int8_t *const x = in + b * K;
    int8_t *const o = out + b * C;
    const int8_t *w = filter;
    int32_t oc = 0;
    for (; oc + 16 <= C; oc += 16, w += 16 * K) tr_rvf_block(&r, bias, x, w, w + 8 * K, o, oc, 16, K, mode, zp, lo, hi, q32, SIGN);
    if (C - oc >= 8) { tr_rvf_block(&r, bias, x, w, w, o, oc, 8, K, mode, zp, lo, hi, q32, SIGN); oc += 8; w += 8 * K; }
    if (C - oc >= 4) { tr_rvf_block(&r, bias, x, w, w, o, oc, 4, K, mode, zp, lo, hi, q32, SIGN); oc += 4; w += 4 * K; }
    /* a count, not oc < C: see tr_conv_rv32.h (-Waggressive-loop-optimizations) */
    for (int32_t t = C - oc; t > 0; t--, oc++, w += K) tr_rvf_block(&r, bias, x, w, w, o, oc, 1, K, mode, zp, lo, hi, q32, SIGN);
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#undef TR_RVF_AI
#endif
