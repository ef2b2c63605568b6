/* GATHER: out[o, i, :] = in[o, indices[i], :] over (outer, axis, inner) with inner in bytes. */
#include "tr_kernels.h"

int tr_gather(const tr_gather_params_t *p, const void *in, const void *indices, void *out) {
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  for (int32_t o = 0; o < p->outer; o++) {
    for (int32_t i = 0; i < p->num_indices; i++) {
      int64_t idx = p->index_bytes == 8 ? ((const int64_t *)indices)[i]
                                        : (int64_t)((const int32_t *)indices)[i];
      if (idx < 0 || idx >= p->axis_size) return -1;
      const uint8_t *s = src + ((int64_t)o * p->axis_size + idx) * p->inner_bytes;
      uint8_t *d = dst + ((int64_t)o * p->num_indices + i) * p->inner_bytes;
      for (int32_t k = 0; k < p->inner_bytes; k++) d[k] = s[k];
    }
  }
  return 0;
}
