/* RV32 port: counter, stack bounds, exit. The family file (<family>/uart.c) provides
 * tr_family_init, tr_board_write and tr_board_mark.
 *
 * Counter: TR_COUNTER_CSR names the CSR pair to read (default minstret/minstreth). On QEMU
 * with -icount shift=0 both minstret and mcycle are the exact guest instruction count; on
 * silicon mcycle counts core cycles. Boards with a vendor counter (ESP32-C3: mpccr 0x7e2,
 * 32 bits only) define TR_COUNTER_CSR_32 instead. */
#include <stdint.h>
#include "tr_board.h"
#include "../common/tr_clock.h"

void tr_family_init(void);

#define STR_(x) #x
#define STR(x) STR_(x)

void tr_board_init(void) {
  tr_clock_init();     /* the clock first: the console divisor follows it */
  tr_family_init();
#if defined(TR_COUNTER_CSR_32)
  /* ESP32-C3: mpcer (0x7e0) = count cycles, mpcmr (0x7e1) = enable. */
  __asm volatile("csrw 0x7e0, %0" ::"r"(1u));
  __asm volatile("csrw 0x7e1, %0" ::"r"(1u));
#endif
}

uint64_t tr_board_count(void) {
#if defined(TR_COUNTER_CSR_32)
  uint32_t v;
  __asm volatile("csrr %0, " STR(TR_COUNTER_CSR_32) : "=r"(v));
  return v;
#else
#if defined(TR_COUNTER_MCYCLE)
#define LO "mcycle"
#define HI "mcycleh"
#else
#define LO "minstret"
#define HI "minstreth"
#endif
  uint32_t hi, lo, hi2;
  do {
    __asm volatile("csrr %0, " HI : "=r"(hi));
    __asm volatile("csrr %0, " LO : "=r"(lo));
    __asm volatile("csrr %0, " HI : "=r"(hi2));
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
#endif
}

/* The counter takes no interrupt: nothing to align (tr_board.h). */
void tr_board_count_align(void) {}

extern uint32_t __stack_bottom, __stack_top;

void tr_board_stack_bounds(uintptr_t *bottom, uintptr_t *top) {
  *bottom = (uintptr_t)&__stack_bottom;
  *top = (uintptr_t)&__stack_top;
}

void tr_board_exit(int status) {
#if defined(TR_EXIT_SEMIHOSTING)
  /* RISC-V semihosting: a0 = SYS_EXIT_EXTENDED (0x20), a1 -> { ApplicationExit, status }.
   * The slli/ebreak/srai triple must stay together and uncompressed, 4-byte aligned. */
  volatile uint32_t block[2] = {0x20026u, (uint32_t)status};
  register uint32_t a0 __asm("a0") = 0x20u;
  register volatile uint32_t *a1 __asm("a1") = block;
  __asm volatile(
      ".option push\n .option norvc\n .balign 16\n"
      "slli x0, x0, 0x1f\n ebreak\n srai x0, x0, 7\n"
      ".option pop\n"
      : "+r"(a0) : "r"(a1) : "memory");
#else
  (void)status;
#endif
  for (;;) __asm volatile("wfi");
}
