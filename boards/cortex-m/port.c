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
 *   ticks * TR_COUNT_NUM / TR_COUNT_DEN is the instruction count (resolution 1e9/clock).
 *
 * The SysTick interrupt is the only one the harness takes, and it lands on the stack the
 * watermark measures: an exception frame (32 B, 104 B with an FP context, + 4 B to align) below
 * whatever the interrupted code had. tr_board_count_align restarts its period right before each
 * timed inference, so it can land only at fixed points of the inference (none in one shorter
 * than a period: 2^24 core clocks), whatever ran before — the console's wait for a full UART,
 * the warm-up, earlier repetitions. Without it the watermark moved with that history. */
#include <stdint.h>
#include "tr_board.h"
#include "../common/tr_clock.h"

void tr_family_init(void);

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define ICSR (*(volatile uint32_t *)0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSTCLR (1u << 25)
#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)

#ifndef TR_COUNT_NUM
#define TR_COUNT_NUM 1u
#endif
#ifndef TR_COUNT_DEN
#define TR_COUNT_DEN 1u
#endif

static volatile uint32_t wraps;     /* SysTick periods ended since the last restart */
#if defined(TR_COUNTER_STM32_TIM2)
#define TIM2_CNT (*(volatile uint32_t *)0x40000024u)
#define COUNTER32() TIM2_CNT
#define TR_COUNTER_32
#elif defined(TR_COUNTER_DWT)
#define COUNTER32() DWT_CYCCNT
#define TR_COUNTER_32
#endif
#if defined(TR_COUNTER_32)
static volatile uint32_t dwt_last;  /* CYCCNT at the last sample */
static volatile uint32_t dwt_high;  /* upper 32 bits of the extended CYCCNT */
#else
static uint64_t tick_base;          /* SysTick ticks counted before the last restart */
#endif

/* Interrupts off around a read-modify of the counter state; the previous PRIMASK comes back. */
static inline uint32_t irq_save(void) {
  uint32_t primask;
  __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask) :: "memory");
  return primask;
}
static inline void irq_restore(uint32_t primask) {
  __asm volatile("msr primask, %0" :: "r"(primask) : "memory");
}

#if defined(TR_COUNTER_32)
/* Extends the 32-bit counter (interrupts off): a sample at least every 2^32 counts keeps
 * dwt_high right. */
static uint64_t counter64_masked(void) {
  uint32_t now = COUNTER32();
  if (now < dwt_last) dwt_high++;
  dwt_last = now;
  return ((uint64_t)dwt_high << 32) | now;
}
#else
/* SysTick ticks since boot (interrupts off). The counter pends its interrupt on reaching 0 and
 * reloads RVR one tick later; a pending, not yet counted period is taken from ICSR, with CVR
 * read again after it (the read before may predate the wrap). Reads RVR rather than assuming
 * the 24-bit reload, so a shorter period (the stack-watermark test's) counts right too. */
static uint64_t systick_ticks_masked(void) {
  uint32_t period = SYST_RVR + 1u;
  uint32_t cur = SYST_CVR;
  uint32_t w = wraps;
  if (ICSR & ICSR_PENDSTSET) { cur = SYST_CVR; w++; }
  return tick_base + (uint64_t)w * period + (cur == 0 ? 0u : period - cur);
}
#endif

void tr_systick_handler(void) {
  wraps++;
#if defined(TR_COUNTER_32)
  (void)counter64_masked();  /* handler mode: the interrupt cannot nest with itself */
#endif
}

/* Restarts the SysTick period from now (interrupts off). Writing CVR clears it (no interrupt);
 * the counter reloads RVR on the next tick. A pending period is dropped here because the
 * caller has just counted it. */
static void systick_restart_masked(void) {
  SYST_CVR = 0;
  ICSR = ICSR_PENDSTCLR;
  wraps = 0;
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
  uint32_t primask = irq_save();
#if defined(TR_COUNTER_32)
  uint64_t v = counter64_masked();
#else
  uint64_t v = systick_ticks_masked() * TR_COUNT_NUM / TR_COUNT_DEN;
#endif
  irq_restore(primask);
  return v;
}

/* The count stays continuous across the restart: the 32-bit counters never stop (sampled
 * here, so dropping a pending sample loses nothing); SysTick's ticks so far go into tick_base
 * (less the part of a tick between the read and the restart: the count never goes back). */
void tr_board_count_align(void) {
  uint32_t primask = irq_save();
#if defined(TR_COUNTER_32)
  (void)counter64_masked();
#else
  tick_base = systick_ticks_masked();
#endif
  systick_restart_masked();
  irq_restore(primask);
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
