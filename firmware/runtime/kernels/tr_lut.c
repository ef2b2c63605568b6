/* LOGISTIC and TANH int8 (and any other int8 -> int8 elementwise op): a 256-entry table the
 * generator fills by evaluating the reference op on every possible input. */
#include "tr_kernels.h"

void tr_lut_s8(int32_t n, const int8_t *lut, const int8_t *in, int8_t *out) {
  for (int32_t i = 0; i < n; i++) out[i] = lut[(uint8_t)in[i]];
}
