/* What the harness needs from a board port (boards/<family>/*.c). One port per family; the
 * board definition (boards/defs/*.ts) picks the files and passes its constants as -D flags:
 *   TR_BOARD_ID      "qemu-mps2-an386"      board definition id (string literal)
 *   TR_CLOCK_HZ      25000000               core clock the board definition asks for
 *   TR_COUNTER_KIND  "instructions"|"cycles" what tr_board_count() counts
 *   TR_EXIT_SEMIHOSTING                     defined on virtual boards: exit via semihosting
 * What the core really runs at is tr_board_clock() (set up, fallen back, measured: the board's
 * clock file, boards/common/tr_clock.h). */
#ifndef TR_BOARD_H
#define TR_BOARD_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Clocks, console UART, counter, power-mark GPIO. Called first thing in main(). */
void tr_board_init(void);
/* The core clock as tr_board_init left it. `hz` is what counts are divided by: measured against
 * an independent time base where the chip has one (source "measured"), else the clock the
 * firmware set up and read back (source "configured"), or the model's clock on QEMU (source
 * "modelled": counts there are instructions, latency from them an estimate). `fault` is "none"
 * or what did not come up (the board then runs on the clock it has, e.g. "pll_lock_timeout");
 * `osc` is the oscillator the core clock comes from ("hse_bypass_pll", "hsi", "hfxosc_pll",
 * "xtal_bbpll", ...; "model" on QEMU); `ref` names the time base of a measurement ("lse",
 * "mtime", "systimer", "xtal_cali") or "none". */
typedef struct {
  uint32_t hz;
  uint32_t hz_target;
  const char *source;
  const char *fault;
  const char *osc;
  const char *ref;
} tr_clock_t;
const tr_clock_t *tr_board_clock(void);
/* Blocking console write. */
void tr_board_write(const char *bytes, size_t len);
/* Monotonic counter in TR_COUNTER_KIND units (cycles on silicon, guest instructions on QEMU). */
uint64_t tr_board_count(void);
/* Called right before each timed inference: restarts the period of any interrupt the counter
 * needs (Cortex-M SysTick), so it lands at the same points of every inference whatever ran
 * before, and with it its exception frame on the measured stack. The count stays monotonic.
 * Ports whose counter takes no interrupt do nothing. */
void tr_board_count_align(void);
/* Bounds of the stack the harness runs on (lowest address, one past the highest). */
void tr_board_stack_bounds(uintptr_t *bottom, uintptr_t *top);
/* Drives the power-measurement GPIO (no-op on boards without one). */
void tr_board_mark(int on);
/* Ends the run: semihosting exit with status on virtual boards, parks the core on silicon. */
void tr_board_exit(int status) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif
#endif
