/* RESIDUAL_BLOCK int8, row by row (see tr_residual_rows.h). Bit-exact with the separate
 * CONV_2D ops and ADD: every row is computed by the same kernels on the same window, and the
 * ADD is elementwise. Per output row: the CONV_A rows CONV_B's window needs, the skip row,
 * CONV_B's row, then W's row (last, so it may land on X rows no later step reads). */
#include "tr_residual_rows.h"

void tr_residual_rows_s8(const tr_residual_rows_params_t *p, const int8_t *x, int8_t *w, int8_t *rows, int8_t *zrow, int8_t *srow) {
  const int32_t h = p->out_h;
  int32_t lo = 0, hi = -1; /* rows holds CONV_A output rows lo..hi */
  for (int32_t r = 0; r < h; r++) {
    const int32_t need_lo = r > p->pad_b_top ? r - p->pad_b_top : 0;
    const int32_t need_hi = r + p->pad_b_bottom < h ? r + p->pad_b_bottom : h - 1;
    if (need_lo > lo) {
      const int32_t keep = hi - need_lo + 1;
      /* slide the held rows down (dst below src: tr_copy_bytes copies forwards, by words; the
       * libc memmove of newlib-nano / picolibc goes byte by byte, 2 rows a step) */
      if (keep > 0) tr_copy_bytes(rows, rows + (size_t)(need_lo - lo) * (size_t)p->y_row, keep * p->y_row);
      lo = need_lo;
      if (hi < lo - 1) hi = lo - 1;
    }
    while (hi < need_hi) {
      hi++;
      const int32_t first = hi * p->stride_a - p->pad_a_top;
      p->kernel_a(p->conv_a[hi], x + (size_t)(first > 0 ? first : 0) * (size_t)p->x_row, p->filter_a, p->bias_a,
                rows + (size_t)(hi - lo) * (size_t)p->y_row);
    }
    const int8_t *skip = x + (size_t)r * (size_t)p->x_row;
    if (p->conv_s) {
      const int32_t first = r * p->stride_s - p->pad_s_top;
      p->kernel_s(p->conv_s[r], x + (size_t)(first > 0 ? first : 0) * (size_t)p->x_row, p->filter_s, p->bias_s, srow);
      skip = srow;
    }
    p->kernel_b(p->conv_b[r], rows, p->filter_b, p->bias_b, zrow);
    int8_t *wr = w + (size_t)r * (size_t)p->w_row;
    if (p->add_row) {
      if (p->skip_first) p->add_row(skip, zrow, wr);
      else p->add_row(zrow, skip, wr);
    } else if (p->skip_first) tr_add_s8(p->add, skip, zrow, wr);
    else tr_add_s8(p->add, zrow, skip, wr);
  }
}
