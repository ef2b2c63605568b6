/* Boards whose clock the firmware does not set up: QEMU machines (TR_CLOCK_MODELLED: the clock
 * is the model's, counts are instructions and latency from them an estimate) and anything else
 * that runs on a clock fixed before us. The clock is TR_CLOCK_HZ from the board definition; the
 * console UART's kernel clock is TR_UART_CLOCK_HZ where it differs from the core's. */
#include "tr_clock.h"

#ifndef TR_UART_CLOCK_HZ
#define TR_UART_CLOCK_HZ TR_CLOCK_HZ
#endif

static const tr_clock_t fixed = {
  .hz = TR_CLOCK_HZ,
  .hz_target = TR_CLOCK_HZ,
#ifdef TR_CLOCK_MODELLED
  .source = TR_CLOCK_MODELLED,
#else
  .source = TR_CLOCK_CONFIGURED,
#endif
  .fault = "none",
#ifdef TR_CLOCK_MODELLED
  .osc = "model",
#else
  .osc = "fixed",
#endif
  .ref = "none",
};

void tr_clock_init(void) {}
uint32_t tr_clock_uart_hz(void) { return TR_UART_CLOCK_HZ; }
const tr_clock_t *tr_board_clock(void) { return &fixed; }
