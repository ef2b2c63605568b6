/* Reads lines "x mult shift" from stdin and prints tr_mbqm, tr_mbqm_pos, tr_rq_apply and tr_rq32 (with and without its sign term) for each, so the
 * test can compare both with ir/quant.ts multiplyByQuantizedMultiplier. Also checks the
 * emulated SIMD steps against plain C on the same inputs. */
#include <stdio.h>
#include <stdlib.h>
#include "tr_fixedpoint.h"
#include "tr_simd.h"
#include "tr_requant_rv32.h"

/* tr_rq32 where lower-scalar-depthwise.ts rq32Rows would accept it: 4x and h + add (with the
 * sign term) inside int32, r + 1 <= 31. zp is the value's zero point. Returns 0 when not. */
static int rq32_case(int64_t x, int64_t m, int64_t s, int32_t zp, int32_t *with_sign, int32_t *without_sign) {
  if (!(s <= -1 && s >= -30 && m >= 0) || x < -(1LL << 29) || x >= (1LL << 29)) return 0;
  const int64_t r = -s;
  const int64_t add = 1 + (1LL << r) + (int64_t)zp * (1LL << (r + 1));
  const int64_t h = ((int64_t)(4 * x) * m) >> 32;
  if (add > INT32_MAX || add < INT32_MIN || h + add > INT32_MAX || h - 2 + add < INT32_MIN) return 0;
  *with_sign = tr_rq32_value((int32_t)(4 * x), (int32_t)m, (int32_t)add, (int32_t)(r + 1), 1) - zp;
  *without_sign = tr_rq32_value((int32_t)(4 * x), (int32_t)m, (int32_t)add, (int32_t)(r + 1), 0) - zp;
  return 1;
}

/* "sweep": every accumulator in [-2^18, 2^18] against tr_mbqm_pos for multipliers and shifts
 * around the edges (M = 2^30 makes ties of the second rounding common) and zero points at both
 * ends; prints the number of checked values and of mismatches. */
static int sweep(void) {
  const int32_t mults[] = { 0, 1073741824, 1073741825, 1342177280, 1518500250, 2147483647, 1717986918 };
  const int32_t zps[] = { -128, 0, 127 };
  long long checked = 0, bad = 0;
  for (unsigned mi = 0; mi < sizeof mults / sizeof mults[0]; mi++)
    for (int r = 1; r <= 12; r++)
      for (unsigned zi = 0; zi < 3; zi++)
        for (int32_t x = -(1 << 18); x <= (1 << 18); x++) {
          int32_t a, b;
          if (!rq32_case(x, mults[mi], -r, zps[zi], &a, &b)) continue;
          const int32_t want = tr_mbqm_pos(x, mults[mi], -r);
          checked++;
          /* without the sign term: equal for x >= 0, and still <= 0 for x < 0 (the ReLU clamp's claim) */
          if (a != want || (x >= 0 ? b != want : (b > 0 || want > 0))) bad++;
        }
  printf("%lld %lld\n", checked, bad);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && argv[1][0] == 's') return sweep();
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
    /* tr_rq32 with a zero point taken from the case, both forms; "-" where not applicable */
    int32_t e, f;
    const int32_t zp = (int32_t)((x ^ m) & 255) - 128;
    if (rq32_case(x, m, s, zp, &e, &f)) printf("%d %d %d %d %d %d\n", a, b, dot == plain, c, e, f);
    else printf("%d %d %d %d - -\n", a, b, dot == plain, c);
  }
  return 0;
}
