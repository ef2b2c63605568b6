/* Cortex-M reset and vector table (all Cortex-M boards): copy .data, zero .bss, enable the FPU
 * when the build uses one, run constructors, call main(). Faults end the run with status 70
 * (semihosting) instead of hanging, so a crashing model fails fast on QEMU. */
#include <stdint.h>
#include "tr_board.h"

extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end, __stack_top;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
extern int main(void);
void tr_systick_handler(void);

void Reset_Handler(void) __attribute__((noreturn));
void Reset_Handler(void) {
  uint32_t *src = &__data_load;
  for (uint32_t *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (uint32_t *dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
#if defined(__ARM_FP)
  /* CPACR: full access to CP10/CP11 (the FPU) before any float instruction runs. */
  *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
  __asm volatile("dsb\n isb");
#endif
  for (void (**f)(void) = __init_array_start; f < __init_array_end; f++) (*f)();
  tr_board_exit(main());
}

static void fault_handler(void) {
  tr_board_exit(70);
}

static void default_handler(void) {
  tr_board_exit(71);
}

/* 16 core exceptions; device interrupts are never enabled by the harness. */
__attribute__((section(".isr_vector"), used))
const void *const tr_vectors[16] = {
  &__stack_top,
  (const void *)Reset_Handler,
  (const void *)fault_handler,  /* NMI */
  (const void *)fault_handler,  /* HardFault */
  (const void *)fault_handler,  /* MemManage */
  (const void *)fault_handler,  /* BusFault */
  (const void *)fault_handler,  /* UsageFault */
  0, 0, 0, 0,
  (const void *)default_handler, /* SVCall */
  (const void *)default_handler, /* DebugMon */
  0,
  (const void *)default_handler, /* PendSV */
  (const void *)tr_systick_handler,
};
