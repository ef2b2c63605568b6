/* Data movement for RESHAPE, SQUEEZE, SLICE, STRIDED_SLICE, CONCATENATION and PAD: one strided
 * N-d copy (the generator turns each op into one or more of these) and a fill. Bytes are
 * copied one element at a time so there is no libc dependency and no alignment demand. */
#include "tr_kernels.h"

static void copy_elem(uint8_t *d, const uint8_t *s, int32_t n) {
  for (int32_t i = 0; i < n; i++) d[i] = s[i];
}

static void copy_dim(const tr_copy_params_t *p, int32_t dim, const uint8_t *src, uint8_t *dst) {
  const int32_t count = p->count[dim];
  if (dim == p->ndim - 1) {
    if (p->src_stride[dim] == p->elem_bytes && p->dst_stride[dim] == p->elem_bytes) {
      copy_elem(dst, src, count * p->elem_bytes);
      return;
    }
    for (int32_t i = 0; i < count; i++)
      copy_elem(dst + i * p->dst_stride[dim], src + i * p->src_stride[dim], p->elem_bytes);
    return;
  }
  for (int32_t i = 0; i < count; i++)
    copy_dim(p, dim + 1, src + i * p->src_stride[dim], dst + i * p->dst_stride[dim]);
}

void tr_copy_nd(const tr_copy_params_t *p, const void *src, void *dst) {
  if (p->ndim <= 0) { copy_elem((uint8_t *)dst, (const uint8_t *)src, p->elem_bytes); return; }
  for (int32_t d = 0; d < p->ndim; d++) if (p->count[d] == 0) return;
  copy_dim(p, 0, (const uint8_t *)src, (uint8_t *)dst);
}

void tr_fill(void *dst, int32_t n, int32_t elem_bytes, const void *value) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *v = (const uint8_t *)value;
  for (int32_t i = 0; i < n; i++)
    for (int32_t k = 0; k < elem_bytes; k++) d[i * elem_bytes + k] = v[k];
}
