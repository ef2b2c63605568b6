/* SiFive FE310 (QEMU sifive_e, HiFive1 Rev B): UART0 at 0x10013000. On the HiFive1 the
 * console pins (GPIO 16/17) need their IOF enabled; the power mark uses GPIO 19 (green LED)
 * when TR_MARK_GPIO is defined. QEMU ignores the divider; on silicon it follows the clock
 * sifive/clock-fe310.c set up (FE310-G002 manual §18.9: baud = f_tlclk / (div + 1)). */
#include <stdint.h>
#include "tr_board.h"
#include "../common/tr_clock.h"
#include "../common/tr_mmio.h"

#define UART_BASE 0x10013000u
#define UART_TXDATA (*(volatile uint32_t *)(UART_BASE + 0x00u))
#define UART_TXCTRL TR_REG(UART_BASE + 0x08u)
#define UART_DIV TR_REG(UART_BASE + 0x18u)
#define GPIO_BASE 0x10012000u
#define GPIO_OUTPUT_EN TR_REG(GPIO_BASE + 0x08u)
#define GPIO_OUTPUT_VAL TR_REG(GPIO_BASE + 0x0Cu)
#define GPIO_IOF_EN TR_REG(GPIO_BASE + 0x38u)
#define GPIO_IOF_SEL TR_REG(GPIO_BASE + 0x3Cu)

void tr_family_init(void) {
  GPIO_IOF_SEL &= ~((1u << 16) | (1u << 17));
  GPIO_IOF_EN |= (1u << 16) | (1u << 17);
  UART_DIV = tr_clock_div_round(tr_clock_uart_hz(), TR_BAUD) - 1u;
  UART_TXCTRL = 1u; /* txen, one stop bit */
#if defined(TR_MARK_GPIO)
  GPIO_OUTPUT_EN |= 1u << TR_MARK_GPIO;
#endif
}

void tr_board_write(const char *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (UART_TXDATA & 0x80000000u) {} /* FIFO full */
    UART_TXDATA = (uint8_t)bytes[i];
  }
}

void tr_board_mark(int on) {
#if defined(TR_MARK_GPIO)
  if (on) GPIO_OUTPUT_VAL |= 1u << TR_MARK_GPIO;
  else GPIO_OUTPUT_VAL &= ~(1u << TR_MARK_GPIO);
#else
  (void)on;
#endif
}

/* Console RX (firmware/harness/tr_board_rx.h): RXCTRL (0x0C) bit 0 enables the receiver;
 * reading RXDATA (0x04) pops one byte, bit 31 set = FIFO was empty. */
#include "tr_board_rx.h"
#define UART_RXDATA (*(volatile uint32_t *)(UART_BASE + 0x04u))
#define UART_RXCTRL (*(volatile uint32_t *)(UART_BASE + 0x0Cu))
int tr_board_read_byte(void) {
  UART_RXCTRL |= 1u;
  for (;;) {
    uint32_t d = UART_RXDATA;
    if (!(d & 0x80000000u)) return (int)(d & 0xFFu);
  }
}
