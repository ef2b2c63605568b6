/* ESP32 (Xtensa LX6) port: CCOUNT cycle counter (32 bits, extended by polling in
 * tr_board_count: an inference longer than 2^32 cycles between two reads would be
 * under-counted — 26 s at 160 MHz), stack bounds, exit (parks the core). */
#include <stdint.h>
#include "tr_board.h"
#include "../common/tr_clock.h"

void tr_family_init(void);

static uint32_t last, high;

void tr_board_init(void) {
  tr_clock_init(); /* the clock first: the console divisor follows it */
  tr_family_init();
}

uint64_t tr_board_count(void) {
  uint32_t now;
  __asm volatile("rsr %0, ccount" : "=r"(now));
  if (now < last) high++;
  last = now;
  return ((uint64_t)high << 32) | now;
}

/* The counter takes no interrupt: nothing to align (tr_board.h). */
void tr_board_count_align(void) {}

extern uint32_t __stack_bottom, __stack_top;

void tr_board_stack_bounds(uintptr_t *bottom, uintptr_t *top) {
  *bottom = (uintptr_t)&__stack_bottom;
  *top = (uintptr_t)&__stack_top;
}

void tr_board_exit(int status) {
  (void)status;
  for (;;) __asm volatile("waiti 0");
}
