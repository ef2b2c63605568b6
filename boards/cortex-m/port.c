/* Cortex-M port: counter, stack bounds, exit. The family file (<family>/uart.c) provides
 * tr_family_init, tr_board_write and tr_board_mark.
 *
 * Counters (TR_COUNTER_DWT, TR_COUNTER_STM32_TIM2 or TR_COUNTER_SYSTICK):
 * - DWT: CYCCNT, the core's cycle counter (real silicon). 32 bits; the SysTick interrupt
 *   samples it every 2^24 cycles to extend it to 64 bits.
 * - STM32 TIM2 on QEMU (netduinoplus2): QEMU clocks the STM32F4 timers at 1 GHz, so with
 *   -icount shift=0 TIM2 counts exactly one tick per guest instruction. 32 bits, extended to 64
 *   like CYCCNT (SysTick wraps every 2^24/168 MHz = 1e8 instructions, well inside 2^32).
 * - SysTick: QEMU implements no DWT. With -icount shift=0 one guest instruction is 1 ns of
 *   virtual time, and SysTick on the processor clock ticks every 1e9/clock instructions, so
 *   ticks * TR_COUNT_NUM / TR_COUNT_DEN is the instruction count (resolution 1e9/clock). */
#include <stdint.h>
#include "tr_board.h"
#include "../common/tr_clock.h"

void tr_family_init(void);

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)

#ifndef TR_COUNT_NUM
#define TR_COUNT_NUM 1u
#endif
#ifndef TR_COUNT_DEN
#define TR_COUNT_DEN 1u
#endif

static volatile uint32_t wraps;     /* SysTick periods elapsed */
#if defined(TR_COUNTER_STM32_TIM2)
#define TIM2_CNT (*(volatile uint32_t *)0x40000024u)
#define COUNTER32() TIM2_CNT
#define TR_COUNTER_32
#elif defined(TR_COUNTER_DWT)
#define COUNTER32() DWT_CYCCNT
#define TR_COUNTER_32
#endif
#if defined(TR_COUNTER_32)
static volatile uint32_t dwt_last;  /* CYCCNT at the last SysTick */
static volatile uint32_t dwt_high;  /* upper 32 bits of the extended CYCCNT */
#endif

void tr_systick_handler(void) {
  wraps++;
#if defined(TR_COUNTER_32)
  uint32_t now = COUNTER32();
  if (now < dwt_last) dwt_high++;
  dwt_last = now;
#endif
}

void tr_board_init(void) {
  tr_clock_init();     /* the clock first: the console divisor follows it */
  tr_family_init();
#if defined(TR_COUNTER_DWT)
  DEMCR |= 1u << 24;   /* TRCENA */
  DWT_CYCCNT = 0;
  DWT_CTRL |= 1u;      /* CYCCNTENA */
#elif defined(TR_COUNTER_STM32_TIM2)
  *(volatile uint32_t *)0x40023840u |= 1u;          /* RCC_APB1ENR.TIM2EN */
  *(volatile uint32_t *)0x40000028u = 0;            /* PSC: every tick */
  *(volatile uint32_t *)0x4000002Cu = 0xFFFFFFFFu;  /* ARR: full 32 bits */
  *(volatile uint32_t *)0x40000014u = 1u;           /* EGR.UG: load PSC/ARR */
  *(volatile uint32_t *)0x40000000u = 1u;           /* CR1.CEN */
#endif
  SYST_RVR = 0x00FFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 0x7u;     /* processor clock, interrupt on wrap, enable */
}

uint64_t tr_board_count(void) {
#if defined(TR_COUNTER_32)
  __asm volatile("cpsid i" ::: "memory");
  uint32_t now = COUNTER32();
  uint32_t high = dwt_high;
  if (now < dwt_last) high++;
  __asm volatile("cpsie i" ::: "memory");
  return ((uint64_t)high << 32) | now;
#else
  uint32_t w1, w2, cur;
  do {
    w1 = wraps;
    cur = SYST_CVR;
    w2 = wraps;
  } while (w1 != w2);
  uint64_t ticks = (uint64_t)w1 * 0x1000000u + (0x00FFFFFFu - cur);
  return ticks * TR_COUNT_NUM / TR_COUNT_DEN;
#endif
}

extern uint32_t __stack_bottom, __stack_top;

void tr_board_stack_bounds(uintptr_t *bottom, uintptr_t *top) {
  *bottom = (uintptr_t)&__stack_bottom;
  *top = (uintptr_t)&__stack_top;
}

void tr_board_exit(int status) {
#if defined(TR_EXIT_SEMIHOSTING)
  /* SYS_EXIT_EXTENDED (0x20): { ADP_Stopped_ApplicationExit, status } -> QEMU exits with it. */
  volatile uint32_t block[2] = {0x20026u, (uint32_t)status};
  register uint32_t r0 __asm("r0") = 0x20u;
  register volatile uint32_t *r1 __asm("r1") = block;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
#else
  (void)status;
#endif
  for (;;) __asm volatile("wfi");
}
