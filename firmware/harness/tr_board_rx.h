/* Console receive, for harness modes the host drives (the MLPerf Tiny test-harness protocol).
 * Kept apart from tr_board.h: the TR1 harness never reads, so a board port without RX still
 * builds TR1 firmware; only a protocol build needs this (a missing port fails at link time,
 * naming the function). Ports: mps2 (CMSDK UART), virt (16550), sifive (FE310 UART),
 * stm32f4 (USART), stm32l4 (LPUART1). */
#ifndef TR_BOARD_RX_H
#define TR_BOARD_RX_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Blocks until the console UART has received a byte and returns it (0..255). Enables the
 * receiver on first use, so boards need no change to their init for TR1 builds. */
int tr_board_read_byte(void);

#ifdef __cplusplus
}
#endif
#endif
