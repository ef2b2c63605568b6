/* What a chip's clock file (boards/<family>/clock-*.c) provides to the port and the UART:
 * tr_clock_init() brings the core clock up (or falls back) and measures it; the port calls it
 * first in tr_board_init, before the console UART, whose divisor follows tr_clock_uart_hz().
 * tr_board_clock() (tr_board.h) then tells the harness what happened. */
#ifndef TR_CLOCK_H
#define TR_CLOCK_H
#include <stdint.h>
#include "tr_board.h"

void tr_clock_init(void);
/* Kernel clock of the console UART, Hz, as set up (the divisor is computed from it). */
uint32_t tr_clock_uart_hz(void);

/* Clock-source and fault names as they appear in the BOOT record (wire/vocabulary.ts
 * CLOCK_SOURCES). */
#define TR_CLOCK_MEASURED "measured"
#define TR_CLOCK_CONFIGURED "configured"
#define TR_CLOCK_MODELLED "modelled"

/* hz from `cycles` counted over `ref_ticks` periods of a reference clock of `ref_hz`, rounded. */
static inline uint32_t tr_clock_hz_from(uint64_t cycles, uint32_t ref_ticks, uint32_t ref_hz) {
  return (uint32_t)((cycles * ref_hz + ref_ticks / 2u) / ref_ticks);
}

/* 16x-oversampled UART divisor rounded to nearest (STM32 USART BRR with OVER8=0). */
static inline uint32_t tr_clock_div_round(uint32_t clock_hz, uint32_t baud) {
  return (clock_hz + baud / 2u) / baud;
}
#endif
