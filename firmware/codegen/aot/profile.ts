// Per-op profiling for the AoT backend (tr_profile.h): tr_model_invoke reads the board counter
// before its first op and after each op into a static array; the harness prints the array after
// the timed inferences, so printing never lands inside a count. The emitted C is the same for
// every board: the counter comes from the board port (tr_board_count), whose resolution the
// host knows (firmware/runner/profile.ts).

/** Back-to-back counter reads measured to price one read (it sits inside every op's interval).
 * On a counter with a 40-instruction tick (QEMU mps2-an386 SysTick) 32 reads put the price
 * within 40/32 instructions; on an exact counter (RISC-V minstret) it is exact. */
export const PROFILE_CAL_READS = 32;

/** The statement stamping position k (0 = before the first op, k = after the k-th op). */
export function profileStamp(k: number): string {
  return `tr_prof_stamps[${k}] = tr_board_count();`;
}

/** Declarations and tr_model_profile() for ops in execution order. */
export function profileSource(entries: ReadonlyArray<{ op: number; kind: string }>): string {
  const n = entries.length;
  if (n > 0xffff) throw new Error(`cannot profile ${n} ops (op index table is 16-bit)`);
  const cal = Array.from({ length: PROFILE_CAL_READS + 1 }, (_, k) => `  tr_prof_cal[${k}] = tr_board_count();`);
  return `#include "tr_board.h"
#include "tr_profile.h"
/* Counter reads of the last inference: before op 0 and after every op (tr_profile.h). */
static uint64_t tr_prof_stamps[${n + 1}];
static uint64_t tr_prof_cal[${PROFILE_CAL_READS + 1}];
static const uint16_t tr_prof_index[${Math.max(1, n)}] = { ${n ? entries.map((e) => e.op).join(', ') : '0'} };
static const char *const tr_prof_kind[${Math.max(1, n)}] = { ${n ? entries.map((e) => `"${e.kind}"`).join(', ') : '""'} };
static tr_profile_t tr_prof = { ${n}u, tr_prof_index, tr_prof_kind, tr_prof_stamps, ${PROFILE_CAL_READS}u, 0u };

/* Prices one stamp: the same statement as in tr_model_invoke (a counter read stored to a static
 * array), repeated back to back. Straight-line code so no loop overhead is counted. */
const tr_profile_t *tr_model_profile(void) {
${cal.join('\n')}
  tr_prof.cal_count = tr_prof_cal[${PROFILE_CAL_READS}] - tr_prof_cal[0];
  return &tr_prof;
}
`;
}
