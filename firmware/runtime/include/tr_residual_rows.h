/* RESIDUAL_BLOCK (firmware/tiling/residual-rows.ts): W = ADD(CONV_B(CONV_A(X)), skip), skip
 * = X (identity block) or CONV_S(X) (projection block), computed one output row at a time.
 * Only the rows of CONV_A's output that CONV_B's window needs are held (`rows`, filter-B-height
 * rows, slid down as the window moves), plus one row of CONV_B's output (`zrow`) and of the
 * projection (`srow`). W row r is written last in its step, so W may overwrite the rows of X
 * that no later step reads (the plan's streaming lag, plan/streaming.ts residualBlockLag).
 * The convolutions run through the library kernels (reference or optimized) or generated
 * per-layer "speed" functions with their signature (tr_conv_wide.h wrappers on DSP cores, the
 * quad kernel's row functions and tr_conv_rv32.h / tr_gemm_scalar.h wrappers without DSP: all
 * read the geometry from the params too), with one params struct per output row (the row's
 * input window: its height and top padding; for the quad kernel's row form,
 * tr_conv_quad_row_rv32.h, inside a tr_rvq_row_params_t naming the window's border units). */
#ifndef TR_RESIDUAL_ROWS_H
#define TR_RESIDUAL_ROWS_H
#include "tr_kernels.h"

typedef void (*tr_conv_s8_fn)(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                              const int32_t *bias, int8_t *out);

typedef struct {
  int32_t out_h;                     /* rows of W (= of CONV_A's output) */
  int32_t stride_a, pad_a_top;       /* CONV_A's vertical stride and leading padding rows */
  int32_t pad_b_top, pad_b_bottom;   /* CONV_B's leading / trailing padding rows */
  int32_t stride_s, pad_s_top;       /* the projection's (unused for an identity block) */
  int32_t x_row, y_row, w_row;       /* bytes of one row of X, of CONV_A's output, of W */
  /* per output row r: CONV_A producing row r from X rows max(0, r * stride_a - pad_a_top) on;
   * CONV_B reading the held rows (first = max(0, r - pad_b_top)) into zrow; the projection
   * reading X rows max(0, r * stride_s - pad_s_top) on into srow (NULL: identity block) */
  const tr_conv_s8_params_t *const *conv_a;
  const tr_conv_s8_params_t *const *conv_b;
  const tr_conv_s8_params_t *const *conv_s;
  tr_conv_s8_fn kernel_a, kernel_b, kernel_s;  /* library kernels, or per-layer speed wrappers */
  const int8_t *filter_a, *filter_b, *filter_s;
  const int32_t *bias_a, *bias_b, *bias_s;
  const tr_binary_params_t *add;     /* one row: dims {1, 1, width, channels} */
  int32_t skip_first;                /* 1: the skip is the ADD's first input */
  /* non-NULL: the ADD of a row by the generator's per-layer table kernel (tr_add_rv32.h, cores
   * without DSP; same operand order) instead of tr_add_s8 over `add` */
  void (*add_row)(const int8_t *a, const int8_t *b, int8_t *out);
} tr_residual_rows_params_t;

void tr_residual_rows_s8(const tr_residual_rows_params_t *p, const int8_t *x, int8_t *w, int8_t *rows, int8_t *zrow, int8_t *srow);

#endif
