/* STM32L4+ (L4R5ZI on NUCLEO-L4R5ZI): the ST-Link virtual COM port of this Nucleo-144 is
 * LPUART1 on PG7 (TX) / PG8 (RX), AF8; port G is powered from VddIO2, which must be declared
 * valid (PWR_CR2.IOSV) first. The divisor follows LPUART1's kernel clock as
 * stm32l4/clock-l4r5.c set it up (PCLK1: 120 MHz, or the 4 MHz MSI if the PLL did not come
 * up). Power mark: PC7 (LD1, green). */
#include <stdint.h>
#include "tr_board.h"
#include "../common/tr_clock.h"
#include "../common/tr_mmio.h"

#define REG(a) TR_REG(a)
#define RCC 0x40021000u
#define RCC_AHB2ENR REG(RCC + 0x4Cu)
#define RCC_APB1ENR1 REG(RCC + 0x58u)
#define RCC_APB1ENR2 REG(RCC + 0x5Cu)
#define PWR_CR2 REG(0x40007004u)
#define GPIOC 0x48000800u
#define GPIOG 0x48001800u
#define GPIO_MODER(p) REG((p) + 0x00u)
#define GPIO_AFRL(p) REG((p) + 0x20u)
#define GPIO_AFRH(p) REG((p) + 0x24u)
#define GPIO_BSRR(p) REG((p) + 0x18u)
#define LPUART 0x40008000u
#define LPUART_CR1 REG(LPUART + 0x00u)
#define LPUART_BRR REG(LPUART + 0x0Cu)
#define LPUART_ISR REG(LPUART + 0x1Cu)
#define LPUART_TDR REG(LPUART + 0x28u)

static void set_af(uint32_t port, uint32_t pin, uint32_t af) {
  GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << (2 * pin))) | (2u << (2 * pin));
  if (pin < 8) GPIO_AFRL(port) = (GPIO_AFRL(port) & ~(0xFu << (4 * pin))) | (af << (4 * pin));
  else GPIO_AFRH(port) = (GPIO_AFRH(port) & ~(0xFu << (4 * (pin - 8)))) | (af << (4 * (pin - 8)));
}

void tr_family_init(void) {
  RCC_APB1ENR1 |= 1u << 28;            /* PWREN */
  PWR_CR2 |= 1u << 9;                  /* IOSV: VddIO2 valid, port G usable */
  RCC_AHB2ENR |= (1u << 6) | (1u << 2); /* GPIOG, GPIOC */
  RCC_APB1ENR2 |= 1u;                  /* LPUART1EN */
  set_af(GPIOG, 7, 8);
  set_af(GPIOG, 8, 8);
  /* RM0432 §52.4.7: LPUART BRR = 256 × f_ck / baud (valid 0x300..0xFFFFF). */
  LPUART_BRR = (uint32_t)(((uint64_t)tr_clock_uart_hz() * 256u + TR_BAUD / 2u) / TR_BAUD);
  LPUART_CR1 = (1u << 3) | 1u;         /* TE, UE */
  GPIO_MODER(GPIOC) = (GPIO_MODER(GPIOC) & ~(3u << 14)) | (1u << 14); /* PC7 output */
}

void tr_board_write(const char *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (!(LPUART_ISR & (1u << 7))) {} /* TXE */
    LPUART_TDR = (uint8_t)bytes[i];
  }
  while (!(LPUART_ISR & (1u << 6))) {}   /* TC */
}

void tr_board_mark(int on) { GPIO_BSRR(GPIOC) = on ? (1u << 7) : (1u << 23); }

/* Console RX (firmware/harness/tr_board_rx.h): CR1 bit 2 (RE, writable while UE=1 on this
 * USART version, RM0432 §52.7.1); ISR bit 5 (RXNE) = a byte waits in RDR (0x24); an overrun
 * (ISR bit 3) is cleared through ICR (0x20) bit 3 so reception goes on. */
#include "tr_board_rx.h"
int tr_board_read_byte(void) {
  LPUART_CR1 |= 1u << 2;
  for (;;) {
    uint32_t isr = LPUART_ISR;
    if (isr & (1u << 5)) return (int)(REG(LPUART + 0x24u) & 0xFFu);
    if (isr & (1u << 3)) REG(LPUART + 0x20u) = 1u << 3;
  }
}
