/* ESP32-C3: UART0 (the DevKitM-1's CP2102N USB-UART bridge) at 0x60000000; its clock and
 * divisor are set by esp32c3/clock-esp32c3.c (crystal-clocked, TR_BAUD); bytes go into the
 * 128-byte TX FIFO. Power mark: GPIO 8 is the
 * board's RGB LED data line, so no mark GPIO is driven yet (see the board definition). */
#include <stdint.h>
#include "tr_board.h"
#include "../common/tr_mmio.h"

#define UART0 0x60000000u
#define UART_FIFO TR_REG(UART0 + 0x00u)
#define UART_STATUS TR_REG(UART0 + 0x1Cu)
#define TXFIFO_CNT(s) (((s) >> 16) & 0x3FFu)

/* Watchdogs armed by the ROM: the RTC watchdog and the MWDT of timer group 0. Each is
 * unlocked with its write-protect key, then disabled, so a long inference is not reset. */
#define RTC_CNTL 0x60008000u
#define RTC_WDTCONFIG0 TR_REG(RTC_CNTL + 0x90u)
#define RTC_WDTWPROTECT TR_REG(RTC_CNTL + 0xA8u)
#define RTC_SWD_CONF TR_REG(RTC_CNTL + 0xACu)
#define RTC_SWD_WPROTECT TR_REG(RTC_CNTL + 0xB0u)
#define TIMG0 0x6001F000u
#define TIMG0_WDTCONFIG0 TR_REG(TIMG0 + 0x48u)
#define TIMG0_WDTWPROTECT TR_REG(TIMG0 + 0x64u)

void tr_family_init(void) {
  RTC_WDTWPROTECT = 0x50D83AA1u;
  RTC_WDTCONFIG0 = 0;
  RTC_WDTWPROTECT = 0;
  RTC_SWD_WPROTECT = 0x8F1D312Au;
  RTC_SWD_CONF |= 1u << 30; /* SWD_DISABLE */
  RTC_SWD_WPROTECT = 0;
  TIMG0_WDTWPROTECT = 0x50D83AA1u;
  TIMG0_WDTCONFIG0 = 0;
  TIMG0_WDTWPROTECT = 0;
}

void tr_board_write(const char *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (TXFIFO_CNT(UART_STATUS) >= 126u) {}
    UART_FIFO = (uint8_t)bytes[i];
  }
  while (TXFIFO_CNT(UART_STATUS) != 0u) {}
}

void tr_board_mark(int on) { (void)on; }
