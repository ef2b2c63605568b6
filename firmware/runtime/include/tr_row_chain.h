/* ROW_CHAIN (firmware/tiling/row-chain.ts): a linear chain of int8 CONV_2D / DEPTHWISE_CONV_2D
 * stages computed demand-driven one output row at a time. Stage s keeps only the rows of its
 * output that stage s + 1's window needs (`buf`, at most that filter's height, slid down as
 * the window moves); the last stage writes its rows into the chain's output map, or, with an
 * end, into one row (`last_row`) that a global average pool sums per channel or a fully
 * connected layer multiplies into int32 partial dot products (weights stored row-block major:
 * [rows][units][row values]); the end requantizes once after the last row.
 * Every row runs through the library kernels (reference or optimized) or generated per-layer
 * "speed" wrappers with the same signature, on one params struct per output row (the row's
 * input window: its height and top padding), or, where the generator has a per-layer row
 * function (`row`: the untiled build's kernel for one output row, its tables constants of the
 * generated model), through that; likewise an FC end's rows (`fc_row`). */
#ifndef TR_ROW_CHAIN_H
#define TR_ROW_CHAIN_H
#include "tr_kernels.h"

typedef void (*tr_row_conv_fn)(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                               const int32_t *bias, int8_t *out);
typedef void (*tr_row_dwconv_fn)(const tr_dwconv_s8_params_t *p, const int8_t *in, const int8_t *filter,
                                 const int32_t *bias, int8_t *out);
/* A generated row function: output row `row` of a stage from its window's first present input
 * row (`in`) into `out`. */
typedef void (*tr_row_fn)(int32_t row, const int8_t *in, int8_t *out);
/* A generated FC end row: row `row` of the last stage's output into the int32 accumulators. */
typedef void (*tr_row_end_fn)(int32_t row, const int8_t *x, int32_t *acc);

typedef struct {
  int32_t in_h, out_h;               /* rows of the stage's input and output maps */
  int32_t stride_h, pad_top, k_h;    /* vertical window: output row r reads input rows from r * stride_h - pad_top */
  int32_t in_row, out_row;           /* bytes of one input / output row */
  /* per output row: the params of a conv (conv != NULL) or of a depthwise conv */
  const tr_conv_s8_params_t *const *conv_rows;
  const tr_dwconv_s8_params_t *const *dw_rows;
  tr_row_conv_fn conv;
  tr_row_dwconv_fn dw;
  const int8_t *filter;
  const int32_t *bias;
  int8_t *buf;                       /* held output rows (NULL for the last stage) */
  /* A pixel pair (px_w > 0): two chain stages, the first computed one pixel at a time (its
   * tables then hold one params struct per output pixel, [row * px_w + column]) into `pix`,
   * the second a 1x1 stride-1 conv (`pw`) from that pixel into the output row. */
  int32_t px_w;                      /* output pixels per row, 0 for a plain stage */
  int32_t stride_w, pad_left;        /* the first stage's horizontal window */
  int32_t in_px, out_px;             /* bytes of one input pixel, of one output pixel */
  int8_t *pix;
  const tr_conv_s8_params_t *pw;
  tr_row_conv_fn pw_fn;
  const int8_t *pw_filter;
  const int32_t *pw_bias;
  tr_row_fn row;                     /* a plain stage's generated row function, or NULL */
} tr_row_stage_t;

enum { TR_ROW_END_NONE = 0, TR_ROW_END_POOL = 1, TR_ROW_END_FC = 2 };

typedef struct {
  int32_t n_stages;
  const tr_row_stage_t *stages;
  /* the chain's input map; its output (the last map, or the end op's output); the end's int32
   * accumulators (NULL without an end); 2 * n_stages cursors (next row to compute, first row
   * held, per stage). Arena addresses, constants of the generated model: the driver then keeps
   * only this struct's pointer live under the kernels. */
  const int8_t *x;
  int8_t *y;
  int32_t *acc;
  int16_t *state;
  int32_t end;                       /* TR_ROW_END_* */
  int8_t *last_row;                  /* with an end: one row of the last stage's output */
  int32_t pool_per_pixel;            /* pool end after a pixel pair: last_row is one pixel, summed per pixel */
  const tr_partial_pool_s8_params_t *pool_row;           /* pool end: one row's (or pixel's) sums */
  const tr_partial_pool_finish_s8_params_t *pool_finish;
  const tr_partial_fc_s8_fast_params_t *fc_rows;         /* FC end: per row (acc_init NULL = reference) */
  const int8_t *fc_weights;          /* [rows][units][row values] */
  int32_t fc_row_weights;            /* units * row values */
  const int32_t *fc_bias;
  const tr_partial_requant_s8_params_t *fc_requant;
  tr_row_end_fn fc_row;              /* FC end: a generated row function in place of fc_rows (fc_bias then folded) */
} tr_row_chain_params_t;

void tr_row_chain_s8(const tr_row_chain_params_t *p);

#endif
