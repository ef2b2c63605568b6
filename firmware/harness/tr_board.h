/* What the harness needs from a board port (boards/<family>/*.c). One port per family; the
 * board definition (boards/defs/*.ts) picks the files and passes its constants as -D flags:
 *   TR_BOARD_ID      "qemu-mps2-an386"      board definition id (string literal)
 *   TR_CLOCK_HZ      25000000               core clock
 *   TR_COUNTER_KIND  "instructions"|"cycles" what tr_board_count() counts
 *   TR_EXIT_SEMIHOSTING                     defined on virtual boards: exit via semihosting */
#ifndef TR_BOARD_H
#define TR_BOARD_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Clocks, console UART, counter, power-mark GPIO. Called first thing in main(). */
void tr_board_init(void);
/* Blocking console write. */
void tr_board_write(const char *bytes, size_t len);
/* Monotonic counter in TR_COUNTER_KIND units (cycles on silicon, guest instructions on QEMU). */
uint64_t tr_board_count(void);
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
