/* QEMU riscv32 'virt': NS16550A UART0 at 0x10000000 (byte registers). QEMU needs no baud set-up,
 * but the divisor is programmed as on a real 16550 (3.6864 MHz clock in QEMU's virt DT). */
#include <stdint.h>
#include "tr_board.h"

#define UART ((volatile uint8_t *)0x10000000u)
#define THR 0
#define IER 1
#define FCR 2
#define LCR 3
#define LSR 5

void tr_family_init(void) {
  uint32_t div = 3686400u / (16u * TR_BAUD);
  UART[IER] = 0;
  UART[LCR] = 0x80;             /* DLAB */
  UART[0] = (uint8_t)div;
  UART[1] = (uint8_t)(div >> 8);
  UART[LCR] = 0x03;             /* 8N1 */
  UART[FCR] = 0x07;             /* FIFO on, cleared */
}

void tr_board_write(const char *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (!(UART[LSR] & 0x20)) {} /* THR empty */
    UART[THR] = (uint8_t)bytes[i];
  }
}

void tr_board_mark(int on) { (void)on; }

/* Console RX (firmware/harness/tr_board_rx.h): the 16550 receiver is always on; LSR bit 0 =
 * data ready, RBR shares offset 0 with THR. */
#include "tr_board_rx.h"
int tr_board_read_byte(void) {
  while (!(UART[LSR] & 0x01)) {}
  return (int)UART[THR];
}
