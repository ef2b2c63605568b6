/* STM32F4 (F405 on QEMU netduinoplus2, F446RE on NUCLEO-F446RE): console USART, mark GPIO.
 * TR_STM32_USART selects the console: 1 = USART1 on PA9/PA10 (netduinoplus2, QEMU's first
 * serial port), 2 = USART2 on PA2/PA3 (the Nucleo ST-Link virtual COM port). The divisor
 * follows the USART's kernel clock as the clock file set it up (tr_clock_uart_hz: APB1 at 45 MHz
 * on the F446 at 180 MHz, the 16 MHz HSI if the PLL did not come up, QEMU's modelled APB).
 * TR_MARK_GPIO_A = pin on port A for the power mark (PA5 = LD2 on the Nucleo). */
#include <stdint.h>
#include "tr_board.h"
#include "../common/tr_clock.h"
#include "../common/tr_mmio.h"

#define REG(a) TR_REG(a)
#define RCC_AHB1ENR REG(0x40023830u)
#define RCC_APB1ENR REG(0x40023840u)
#define RCC_APB2ENR REG(0x40023844u)
#define GPIOA 0x40020000u
#define GPIO_MODER(p) REG((p) + 0x00u)
#define GPIO_BSRR(p) REG((p) + 0x18u)
#define GPIO_AFRL(p) REG((p) + 0x20u)
#define GPIO_AFRH(p) REG((p) + 0x24u)

#if TR_STM32_USART == 1
#define USART 0x40011000u
#else
#define USART 0x40004400u
#endif
#define USART_SR REG(USART + 0x00u)
#define USART_DR REG(USART + 0x04u)
#define USART_BRR REG(USART + 0x08u)
#define USART_CR1 REG(USART + 0x0Cu)

static void pin_af7(uint32_t pin) {
  GPIO_MODER(GPIOA) = (GPIO_MODER(GPIOA) & ~(3u << (2 * pin))) | (2u << (2 * pin));
  if (pin < 8) GPIO_AFRL(GPIOA) = (GPIO_AFRL(GPIOA) & ~(0xFu << (4 * pin))) | (7u << (4 * pin));
  else GPIO_AFRH(GPIOA) = (GPIO_AFRH(GPIOA) & ~(0xFu << (4 * (pin - 8)))) | (7u << (4 * (pin - 8)));
}

void tr_family_init(void) {
  RCC_AHB1ENR |= 1u; /* GPIOA */
#if TR_STM32_USART == 1
  RCC_APB2ENR |= 1u << 4;
  pin_af7(9);
  pin_af7(10);
#else
  RCC_APB1ENR |= 1u << 17;
  pin_af7(2);
  pin_af7(3);
#endif
  /* RM0390 §25.4.4: with OVER8 = 0, BRR = f_ck / baud (mantissa.fraction in 1/16). */
  USART_BRR = tr_clock_div_round(tr_clock_uart_hz(), TR_BAUD);
  USART_CR1 = (1u << 13) | (1u << 3); /* UE, TE */
#if defined(TR_MARK_GPIO_A)
  GPIO_MODER(GPIOA) = (GPIO_MODER(GPIOA) & ~(3u << (2 * TR_MARK_GPIO_A))) | (1u << (2 * TR_MARK_GPIO_A));
#endif
}

void tr_board_write(const char *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (!(USART_SR & (1u << 7))) {} /* TXE */
    USART_DR = (uint8_t)bytes[i];
  }
  while (!(USART_SR & (1u << 6))) {} /* TC: the line is on the wire before we go on */
}

void tr_board_mark(int on) {
#if defined(TR_MARK_GPIO_A)
  GPIO_BSRR(GPIOA) = on ? (1u << TR_MARK_GPIO_A) : (1u << (TR_MARK_GPIO_A + 16));
#else
  (void)on;
#endif
}

/* Console RX (firmware/harness/tr_board_rx.h): CR1 bit 2 (RE) enables the receiver; SR bit 5
 * (RXNE) = a byte waits in DR; SR bit 3 (ORE) is cleared by the SR-then-DR read sequence. */
#include "tr_board_rx.h"
int tr_board_read_byte(void) {
  USART_CR1 |= 1u << 2;
  while (!(USART_SR & (1u << 5))) {}
  return (int)(USART_DR & 0xFFu);
}
