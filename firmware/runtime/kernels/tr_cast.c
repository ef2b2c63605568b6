/* CAST: C conversions like TFLite's static_cast (float -> int truncates toward zero,
 * anything -> bool is != 0). */
#include "tr_kernels.h"

static double load(tr_cast_type_t t, const void *p, int32_t i, int64_t *as_int) {
  switch (t) {
    case TR_CT_F32: {
      /* NaN and infinities become 0 as in the reference interpreter (undefined in C) */
      float v = ((const float *)p)[i];
      *as_int = (v == v && v < 9.2e18f && v > -9.2e18f) ? (int64_t)v : 0;
      return v;
    }
    case TR_CT_I8: *as_int = ((const int8_t *)p)[i]; break;
    case TR_CT_U8: *as_int = ((const uint8_t *)p)[i]; break;
    case TR_CT_I16: *as_int = ((const int16_t *)p)[i]; break;
    case TR_CT_I32: *as_int = ((const int32_t *)p)[i]; break;
    case TR_CT_I64: *as_int = ((const int64_t *)p)[i]; break;
    case TR_CT_BOOL: *as_int = ((const uint8_t *)p)[i] != 0; break;
  }
  return (double)*as_int;
}

void tr_cast(int32_t n, tr_cast_type_t from, tr_cast_type_t to, const void *in, void *out) {
  for (int32_t i = 0; i < n; i++) {
    int64_t vi = 0;
    const double vf = load(from, in, i, &vi);
    switch (to) {
      case TR_CT_F32: ((float *)out)[i] = from == TR_CT_F32 ? ((const float *)in)[i] : (float)vi; break;
      case TR_CT_I8: ((int8_t *)out)[i] = (int8_t)vi; break;
      case TR_CT_U8: ((uint8_t *)out)[i] = (uint8_t)vi; break;
      case TR_CT_I16: ((int16_t *)out)[i] = (int16_t)vi; break;
      case TR_CT_I32: ((int32_t *)out)[i] = (int32_t)vi; break;
      case TR_CT_I64: ((int64_t *)out)[i] = vi; break;
      case TR_CT_BOOL: ((uint8_t *)out)[i] = from == TR_CT_F32 ? (vf != 0.0) : (vi != 0); break;
    }
  }
}
