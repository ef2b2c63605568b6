/* ARM MPS2 (AN385/AN386 FPGA images, as QEMU's mps2-an386): CMSDK APB UART0 at 0x40004000.
 * No clocks or pins to set up; QEMU ignores the baud divider but it is set as on the FPGA. */
#include <stdint.h>
#include "tr_board.h"

#define UART_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART_BASE + 0x08u))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART_BASE + 0x10u))

void tr_family_init(void) {
  UART_BAUDDIV = TR_CLOCK_HZ / TR_BAUD;
  UART_CTRL = 1u; /* TX enable */
}

void tr_board_write(const char *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (UART_STATE & 1u) {} /* TX buffer full */
    UART_DATA = (uint8_t)bytes[i];
  }
}

void tr_board_mark(int on) { (void)on; }

/* Console RX (firmware/harness/tr_board_rx.h): CTRL bit 1 enables the receiver (enabled on
 * first use so TR1 builds keep TX only); STATE bit 1 = RX buffer full. QEMU's CMSDK UART
 * delivers host pty bytes only while RX is enabled. */
#include "tr_board_rx.h"
int tr_board_read_byte(void) {
  UART_CTRL |= 2u;
  while (!(UART_STATE & 2u)) {}
  return (int)(UART_DATA & 0xFFu);
}
