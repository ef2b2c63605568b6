/* ESP32: UART0 at 0x3FF40000 (the DevKitC's CP2102 USB-UART bridge); its divisor follows the
 * APB clock esp32/clock-esp32.c switches to; 128-byte TX FIFO. No power-mark GPIO yet. */
#include <stdint.h>
#include "tr_board.h"
#include "../common/tr_mmio.h"

#define UART_FIFO TR_REG(0x3FF40000u)
#define UART_STATUS TR_REG(0x3FF4001Cu)
#define TXFIFO_CNT(s) (((s) >> 16) & 0xFFu)

void tr_family_init(void) {}

void tr_board_write(const char *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (TXFIFO_CNT(UART_STATUS) >= 126u) {}
    UART_FIFO = (uint8_t)bytes[i];
  }
  while (TXFIFO_CNT(UART_STATUS) != 0u) {}
}

void tr_board_mark(int on) { (void)on; }
