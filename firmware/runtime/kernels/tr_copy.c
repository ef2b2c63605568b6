/* Data movement for RESHAPE, SQUEEZE, SLICE, STRIDED_SLICE, CONCATENATION and PAD: one strided
 * N-d copy (the generator turns each op into one or more of these) and a fill. No libc: newlib-
 * nano's and picolibc's small memcpy / memmove go byte by byte, and element copies through a
 * call per element cost about 20 instructions a byte (vww's FDT concatenation of 16 one-channel
 * partitions: 185k instructions on the Cortex-M4, issue 11). Contiguous runs go by words where
 * source and destination share their alignment; strided runs of single bytes by a tight loop. */
#include <stdint.h>
#include "tr_kernels.h"

/* the arena is bytes: words read and written through this type may alias them */
typedef uint32_t __attribute__((may_alias)) tr_copy_word_t;

void tr_copy_bytes(void *dst, const void *src, int32_t n) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  if ((((uintptr_t)d ^ (uintptr_t)s) & 3u) == 0) {
    while (n > 0 && ((uintptr_t)d & 3u)) { *d++ = *s++; n--; }
    tr_copy_word_t *dw = (tr_copy_word_t *)d;
    const tr_copy_word_t *sw = (const tr_copy_word_t *)s;
    /* four loads before four stores: forwards this stays correct for dst below an
     * overlapping src (same alignment, so at least a word apart), as tr_residual_rows uses it */
    for (; n >= 16; n -= 16, dw += 4, sw += 4) {
      const uint32_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
      dw[0] = a; dw[1] = b; dw[2] = c; dw[3] = e;
    }
    for (; n >= 4; n -= 4) *dw++ = *sw++;
    d = (uint8_t *)dw; s = (const uint8_t *)sw;
  }
  while (n-- > 0) *d++ = *s++;
}

static void copy_dim(const tr_copy_params_t *p, int32_t dim, const uint8_t *src, uint8_t *dst) {
  const int32_t count = p->count[dim];
  const int32_t ss = p->src_stride[dim], ds = p->dst_stride[dim];
  if (dim == p->ndim - 1) {
    const int32_t eb = p->elem_bytes;
    if (ss == eb && ds == eb) { tr_copy_bytes(dst, src, count * eb); return; }
    if (eb == 1) {
      /* four bytes per step: the loads first, one pointer step each (a channel slice of a
       * concatenation, e.g. FDT partitions of one channel each) */
      int32_t i = 0;
      for (; i + 4 <= count; i += 4, src += 4 * ss, dst += 4 * ds) {
        const uint8_t a = src[0], b = src[ss], c = src[2 * ss], e = src[3 * ss];
        dst[0] = a; dst[ds] = b; dst[2 * ds] = c; dst[3 * ds] = e;
      }
      for (; i < count; i++, src += ss, dst += ds) *dst = *src;
      return;
    }
    for (int32_t i = 0; i < count; i++, src += ss, dst += ds) tr_copy_bytes(dst, src, eb);
    return;
  }
  for (int32_t i = 0; i < count; i++) copy_dim(p, dim + 1, src + i * ss, dst + i * ds);
}

void tr_copy_nd(const tr_copy_params_t *p, const void *src, void *dst) {
  if (p->ndim <= 0) { tr_copy_bytes(dst, src, p->elem_bytes); return; }
  for (int32_t d = 0; d < p->ndim; d++) if (p->count[d] == 0) return;
  copy_dim(p, 0, (const uint8_t *)src, (uint8_t *)dst);
}

void tr_fill(void *dst, int32_t n, int32_t elem_bytes, const void *value) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *v = (const uint8_t *)value;
  for (int32_t i = 0; i < n; i++)
    for (int32_t k = 0; k < elem_bytes; k++) d[i * elem_bytes + k] = v[k];
}
