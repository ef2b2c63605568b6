/* RESIDUAL_BLOCK (firmware/tiling/residual-rows.ts): W = ADD(CONV_B(CONV_A(X)), X) computed
 * one output row at a time, for stride-1 SAME convolutions. Only the rows of CONV_A's output
 * that CONV_B's window needs are held (`rows`, filter-B-height rows, slid down as the window
 * moves) plus one row of CONV_B's output (`zrow`); W row r is written once CONV_A no longer
 * needs X row r, so W may overwrite X (W at or below X: the planner's lag-0 streaming pair).
 * The convolutions run through the library kernels (reference or optimized) with one params
 * struct per output row (the row's input window: its first row, height and top padding). */
#ifndef TR_RESIDUAL_ROWS_H
#define TR_RESIDUAL_ROWS_H
#include "tr_kernels.h"

typedef void (*tr_conv_s8_fn)(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                              const int32_t *bias, int8_t *out);

typedef struct {
  int32_t h;                         /* rows of X, W and CONV_A's output */
  int32_t pad_a_top;                 /* CONV_A's leading padding rows */
  int32_t pad_b_top, pad_b_bottom;   /* CONV_B's leading / trailing padding rows */
  int32_t x_row, y_row;              /* bytes of one row of X (= W = zrow) and of CONV_A's output */
  /* per output row: params of CONV_A producing that row from X rows max(0, r - pad_a_top) on,
   * and of CONV_B reading the held rows (first = max(0, r - pad_b_top)) into zrow */
  const tr_conv_s8_params_t *const *conv_a;
  const tr_conv_s8_params_t *const *conv_b;
  tr_conv_s8_fn kernel_a, kernel_b;
  const int8_t *filter_a, *filter_b;
  const int32_t *bias_a, *bias_b;
  const tr_binary_params_t *add;     /* one row: dims {1, 1, width, channels} */
  int32_t skip_first;                /* 1: X is the ADD's first input */
} tr_residual_rows_params_t;

void tr_residual_rows_s8(const tr_residual_rows_params_t *p, const int8_t *x, int8_t *w, int8_t *rows, int8_t *zrow);

#endif
