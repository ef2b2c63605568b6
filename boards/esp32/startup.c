/* ESP32 (Xtensa LX6, windowed ABI) entry for a RAM image: point the stack at our stack, reset
 * the register window state, zero .bss, disable the ROM-armed watchdogs, run main().
 * Untested on silicon (no Xtensa toolchain on the development machine). */
#include <stdint.h>
#include "tr_board.h"

extern uint32_t __bss_start, __bss_end, __stack_top;
extern int main(void);

#define RTC_WDTCONFIG0 (*(volatile uint32_t *)0x3FF4808Cu)
#define RTC_WDTWPROTECT (*(volatile uint32_t *)0x3FF480A4u)
#define TIMG0_WDTCONFIG0 (*(volatile uint32_t *)0x3FF5F048u)
#define TIMG0_WDTWPROTECT (*(volatile uint32_t *)0x3FF5F064u)

static void __attribute__((noreturn)) start_c(void) {
  for (uint32_t *p = &__bss_start; p < &__bss_end;) *p++ = 0;
  RTC_WDTWPROTECT = 0x50D83AA1u;
  RTC_WDTCONFIG0 = 0;
  RTC_WDTWPROTECT = 0;
  TIMG0_WDTWPROTECT = 0x50D83AA1u;
  TIMG0_WDTCONFIG0 = 0;
  TIMG0_WDTWPROTECT = 0;
  tr_board_exit(main());
}

void __attribute__((section(".entry.text"), noreturn)) call_start_cpu0(void) {
  /* Fresh window state (WINDOWBASE 0, only window 0 live), then the new stack pointer. */
  __asm volatile(
      "movi a0, 0\n"
      "wsr a0, windowbase\n"
      "rsync\n"
      "movi a0, 1\n"
      "wsr a0, windowstart\n"
      "rsync\n"
      "mov a1, %0\n"
      :: "r"(&__stack_top) : "a0", "memory");
  start_c();
}
