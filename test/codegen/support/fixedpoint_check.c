/* Reads lines "x mult shift" from stdin and prints tr_mbqm, tr_mbqm_pos and tr_rq_apply for each, so the
 * test can compare both with ir/quant.ts multiplyByQuantizedMultiplier. Also checks the
 * emulated SIMD steps against plain C on the same inputs. */
#include <stdio.h>
#include <stdlib.h>
#include "tr_fixedpoint.h"
#include "tr_simd.h"

int main(void) {
  long long x, m, s;
  while (scanf("%lld %lld %lld", &x, &m, &s) == 3) {
    const int32_t a = tr_mbqm((int32_t)x, (int32_t)m, (int32_t)s);
    const int32_t b = tr_mbqm_pos((int32_t)x, (int32_t)m, (int32_t)s);
    /* x and m as packed int8 / int16 lanes for the SIMD steps */
    const uint32_t u = (uint32_t)x, v = (uint32_t)m;
    const int32_t dot = tr_smlad(tr_sxtb16(u), tr_sxtb16(v), 0) + tr_smlad(tr_sxtb16_ror8(u), tr_sxtb16_ror8(v), 0);
    int32_t plain = 0;
    for (int k = 0; k < 4; k++) plain += (int32_t)(int8_t)(u >> (8 * k)) * (int32_t)(int8_t)(v >> (8 * k));
    /* single-rounding form where the generator would select it (right shift 1..31), else b */
    int32_t c = b;
    if (s <= -1 && s >= -31 && m >= 0) {
      tr_rq_t q;
      q.k = ((int64_t)1 << 30) + ((int64_t)1 << (30 - s));
      q.mult = (int32_t)m;
      q.rsh = (int32_t)(-s - 1);
      c = tr_rq_apply((int32_t)x, &q);
    }
    printf("%d %d %d %d\n", a, b, dot == plain, c);
  }
  return 0;
}
