/* ROW_CHAIN int8, demand-driven row by row (see tr_row_chain.h). Bit-exact with the separate
 * ops: every row is computed by the same kernels on the same window, the pool sums and the
 * FC's partial dot products wrap like the whole-map accumulators, and the requantization runs
 * once on the complete sums.
 * Schedule: each step walks down from the last stage while a stage's input rows are not ready
 * yet, and computes one row of the first stage whose input is (the chain input is always
 * ready). A stage's rows are only computed when the next stage's current window needs them, so
 * its buffer never holds more than that window, and rows no window reads are never computed.
 * The choice of the step is a separate function so its locals are gone while the kernel runs:
 * the driver's own frame under the kernels stays a few words (stack is part of on-device RAM). */
#include <string.h>
#include "tr_row_chain.h"

typedef struct {
  const int8_t *in;
  int8_t *out;
  int32_t row, stage;
} tr_row_step_t;

/* The next row to compute: its stage (also step->stage; NULL when the chain is done), the input
 * window, the output place, after sliding the stage's held rows. p->state: per stage next row,
 * first row held. The stage's address comes back from here, where it is computed anyway: the
 * driver indexing the stages itself kept the struct size (not a power of two) in a register of
 * its own, 8 bytes more frame under every kernel (M4, -fstack-usage). */
static __attribute__((noinline)) const tr_row_stage_t *next_step(const tr_row_chain_params_t *p, tr_row_step_t *step) {
  const int32_t n = p->n_stages;
  int16_t *nxt = p->state, *lo = p->state + n;
  const tr_row_stage_t *stages = p->stages;
  if (nxt[n - 1] >= stages[n - 1].out_h) return NULL;
  int32_t s = n - 1;
  while (s > 0) {
    const tr_row_stage_t *c = &stages[s];
    const int32_t start = nxt[s] * c->stride_h - c->pad_top;
    const int32_t first = start > 0 ? start : 0;
    const int32_t last = start + c->k_h - 1 < c->in_h - 1 ? start + c->k_h - 1 : c->in_h - 1;
    /* rows of the stage below that no window reads are skipped, not computed */
    if (nxt[s - 1] < first) nxt[s - 1] = (int16_t)first;
    if (nxt[s - 1] > last) break;  /* stage s's window is complete */
    s--;
  }
  const tr_row_stage_t *c = &stages[s];
  const int32_t r = nxt[s];
  const int32_t start = r * c->stride_h - c->pad_top;
  const int32_t first = start > 0 ? start : 0;
  step->in = s == 0 ? p->x + (size_t)first * (size_t)c->in_row
                    : stages[s - 1].buf + (size_t)(first - lo[s - 1]) * (size_t)c->in_row;
  step->row = r;
  step->stage = s;
  nxt[s] = (int16_t)(r + 1);
  if (s == n - 1) {
    step->out = p->end == TR_ROW_END_NONE ? p->y + (size_t)r * (size_t)c->out_row : p->last_row;
    return c;
  }
  /* drop the rows above the next stage's current window, then append row r */
  const tr_row_stage_t *d = &stages[s + 1];
  const int32_t dstart = nxt[s + 1] * d->stride_h - d->pad_top;
  const int32_t keep_lo = dstart > 0 ? dstart : 0;
  if (keep_lo > lo[s]) {
    const int32_t keep = r - keep_lo;
    if (keep > 0) memmove(c->buf, c->buf + (size_t)(keep_lo - lo[s]) * (size_t)c->out_row, (size_t)keep * (size_t)c->out_row);
    lo[s] = (int16_t)keep_lo;
  }
  step->out = c->buf + (size_t)(r - lo[s]) * (size_t)c->out_row;
  return c;
}

/* A last-stage row (in last_row) into the end's accumulators. */
static void end_row(const tr_row_chain_params_t *p, int32_t row) {
  if (p->end == TR_ROW_END_POOL) tr_partial_pool_sum_s8(p->pool_row, p->last_row, p->acc, p->acc);
  else if (p->fc_row) p->fc_row(row, p->last_row, p->acc);
  else tr_partial_fc_s8_fast(&p->fc_rows[row], p->last_row, p->fc_weights + (size_t)row * (size_t)p->fc_row_weights, p->acc, p->acc);
}

/* One output row of a pixel pair: per pixel, the first stage on its window into pix, then the
 * pointwise conv from pix into the row; a pool end after it (pool_per_pixel) gets the one
 * pixel `out` added to its sums. */
static __attribute__((noinline)) void pixel_row(const tr_row_chain_params_t *p, const tr_row_stage_t *c, const tr_row_step_t *step, int32_t sum) {
  for (int32_t px = 0; px < c->px_w; px++) {
    const int32_t start = px * c->stride_w - c->pad_left;
    const int8_t *win = step->in + (size_t)(start > 0 ? start : 0) * (size_t)c->in_px;
    const int32_t k = step->row * c->px_w + px;
    if (c->conv) c->conv(c->conv_rows[k], win, c->filter, c->bias, c->pix);
    else c->dw(c->dw_rows[k], win, c->filter, c->bias, c->pix);
    int8_t *out = sum ? step->out : step->out + (size_t)px * (size_t)c->out_px;
    c->pw_fn(c->pw, c->pix, c->pw_filter, c->pw_bias, out);
    if (sum) tr_partial_pool_sum_s8(p->pool_row, out, p->acc, p->acc);
  }
  if (!sum && step->stage == p->n_stages - 1 && p->end != TR_ROW_END_NONE) end_row(p, step->row);
}

/* A plain stage's row: its kernel, then the end's accumulation for a last-stage row. */
static __attribute__((noinline)) void plain_row(const tr_row_chain_params_t *p, const tr_row_stage_t *c, const tr_row_step_t *step) {
  if (c->row) c->row(step->row, step->in, step->out);
  else if (c->conv) c->conv(c->conv_rows[step->row], step->in, c->filter, c->bias, step->out);
  else c->dw(c->dw_rows[step->row], step->in, c->filter, c->bias, step->out);
  if (step->stage == p->n_stages - 1 && p->end != TR_ROW_END_NONE) end_row(p, step->row);
}

void tr_row_chain_s8(const tr_row_chain_params_t *p) {
  memset(p->state, 0, (size_t)(2 * p->n_stages) * sizeof(int16_t));
  if (p->end == TR_ROW_END_POOL) memset(p->acc, 0, (size_t)p->pool_finish->count * sizeof(int32_t));
  if (p->end == TR_ROW_END_FC) memset(p->acc, 0, (size_t)p->fc_requant->count * sizeof(int32_t));
  tr_row_step_t step;
  /* The step's work in their own small frames, under this one's few words (stack is RAM). */
  const tr_row_stage_t *c;
  while ((c = next_step(p, &step)) != NULL) {
    if (c->px_w) pixel_row(p, c, &step, step.stage == p->n_stages - 1 && p->pool_per_pixel);
    else plain_row(p, c, &step);
  }
  if (p->end == TR_ROW_END_POOL) tr_partial_pool_finish_s8(p->pool_finish, p->acc, p->y);
  if (p->end == TR_ROW_END_FC) tr_partial_requant_s8(p->fc_requant, p->acc, p->fc_bias, p->y);
}
