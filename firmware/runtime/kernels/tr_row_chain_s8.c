/* ROW_CHAIN int8, demand-driven row by row (see tr_row_chain.h). Bit-exact with the separate
 * ops: every row is computed by the same kernels on the same window, the pool sums and the
 * FC's partial dot products wrap like the whole-map accumulators, and the requantization runs
 * once on the complete sums.
 * Schedule: each step walks down from the last stage while a stage's input rows are not ready
 * yet, and computes one row of the first stage whose input is (the chain input is always
 * ready). A stage's rows are only computed when the next stage's current window needs them, so
 * its buffer never holds more than that window, and rows no window reads are never computed. */
#include <string.h>
#include "tr_row_chain.h"

static void stage_row(const tr_row_stage_t *s, int32_t r, const int8_t *in, int8_t *out) {
  if (s->conv) s->conv(s->conv_rows[r], in, s->filter, s->bias, out);
  else s->dw(s->dw_rows[r], in, s->filter, s->bias, out);
}

void tr_row_chain_s8(const tr_row_chain_params_t *p, const int8_t *x, int8_t *y, int32_t *acc) {
  const int32_t n = p->n_stages;
  const tr_row_stage_t *st = p->stages;
  int16_t nxt[n], lo[n];             /* per stage: next row to compute, first row held in buf */
  for (int32_t s = 0; s < n; s++) { nxt[s] = 0; lo[s] = 0; }
  if (p->end == TR_ROW_END_POOL) memset(acc, 0, (size_t)p->pool_finish->count * sizeof(int32_t));
  if (p->end == TR_ROW_END_FC) memset(acc, 0, (size_t)p->fc_requant->count * sizeof(int32_t));
  const tr_row_stage_t *top = &st[n - 1];
  while (nxt[n - 1] < top->out_h) {
    int32_t s = n - 1;
    while (s > 0) {
      const tr_row_stage_t *c = &st[s];
      const int32_t start = nxt[s] * c->stride_h - c->pad_top;
      const int32_t first = start > 0 ? start : 0;
      const int32_t last = start + c->k_h - 1 < c->in_h - 1 ? start + c->k_h - 1 : c->in_h - 1;
      /* rows of the stage below that no window reads are skipped, not computed */
      if (nxt[s - 1] < first) nxt[s - 1] = (int16_t)first;
      if (nxt[s - 1] > last) break;  /* stage s's window is complete */
      s--;
    }
    const tr_row_stage_t *c = &st[s];
    const int32_t r = nxt[s];
    const int32_t start = r * c->stride_h - c->pad_top;
    const int32_t first = start > 0 ? start : 0;
    const int8_t *in = s == 0 ? x + (size_t)first * (size_t)c->in_row
                              : st[s - 1].buf + (size_t)(first - lo[s - 1]) * (size_t)c->in_row;
    if (s < n - 1) {
      /* drop the rows above the next stage's current window, then append row r */
      const tr_row_stage_t *d = &st[s + 1];
      const int32_t dstart = nxt[s + 1] * d->stride_h - d->pad_top;
      const int32_t keep_lo = dstart > 0 ? dstart : 0;
      if (keep_lo > lo[s]) {
        const int32_t keep = r - keep_lo;
        if (keep > 0) memmove(c->buf, c->buf + (size_t)(keep_lo - lo[s]) * (size_t)c->out_row, (size_t)keep * (size_t)c->out_row);
        lo[s] = (int16_t)keep_lo;
      }
      stage_row(c, r, in, c->buf + (size_t)(r - lo[s]) * (size_t)c->out_row);
    } else if (p->end == TR_ROW_END_NONE) {
      stage_row(c, r, in, y + (size_t)r * (size_t)c->out_row);
    } else {
      stage_row(c, r, in, p->last_row);
      if (p->end == TR_ROW_END_POOL) tr_partial_pool_sum_s8(p->pool_row, p->last_row, acc, acc);
      else tr_partial_fc_s8_fast(&p->fc_rows[r], p->last_row, p->fc_weights + (size_t)r * (size_t)p->fc_row_weights, acc, acc);
    }
    nxt[s] = (int16_t)(r + 1);
  }
  if (p->end == TR_ROW_END_POOL) tr_partial_pool_finish_s8(p->pool_finish, acc, y);
  if (p->end == TR_ROW_END_FC) tr_partial_requant_s8(p->fc_requant, acc, p->fc_bias, y);
}
