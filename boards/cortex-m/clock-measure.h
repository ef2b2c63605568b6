/* Measuring the core clock on a Cortex-M with DWT: CYCCNT counts core cycles (ARMv7-M ARM
 * §C1.8.8), so cycles counted between input captures of a timer fed by the 32.768 kHz LSE
 * crystal give the core clock against a time base that shares nothing with the PLL or its
 * source. A timer channel's capture flag (CCxIF) sets at each captured edge and clears when the
 * capture register is read (RM0390 §18.4.5, RM0432 §32.6.5). The flag is polled and CYCCNT read
 * right after it: the poll loop (a few cycles) is the error at each end of a window of
 * millions of cycles, well below the crystal's own tolerance (±20 ppm class). */
#ifndef TR_CLOCK_MEASURE_H
#define TR_CLOCK_MEASURE_H
#include <stdint.h>
#include "../common/tr_mmio.h"

#define TR_DEMCR 0xE000EDFCu      /* DEMCR.TRCENA (bit 24) powers DWT and ITM */
#define TR_DWT_CTRL 0xE0001000u   /* DWT_CTRL.CYCCNTENA (bit 0) */
#define TR_DWT_CYCCNT 0xE0001004u

static inline void tr_dwt_start(void) {
  tr_mmio_set(TR_DEMCR, 1u << 24);
  tr_mmio_set(TR_DWT_CTRL, 1u);
}

static inline uint32_t tr_dwt_now(void) { return tr_mmio_rd(TR_DWT_CYCCNT); }

/* Polls (reg & mask) == want for at most max_cycles core cycles: a bound in time, not in
 * reads, for waits measured in hundreds of milliseconds (an LSE crystal starting up). */
static inline int tr_dwt_wait(uint32_t addr, uint32_t mask, uint32_t want, uint32_t max_cycles) {
  uint32_t t0 = tr_dwt_now();
  for (;;) {
    if ((tr_mmio_rd(addr) & mask) == want) return 1;
    if (tr_dwt_now() - t0 > max_cycles) return 0;
  }
}

/* Core cycles over `events` capture events. Returns 0 if a capture does not come within
 * max_cycles_per_event (the reference clock stopped). */
static inline uint64_t tr_dwt_cycles_over_captures(uint32_t sr, uint32_t flag, uint32_t ccr, uint32_t events,
                                                   uint32_t max_cycles_per_event) {
  (void)tr_mmio_rd(ccr); /* clear a stale capture */
  if (!tr_dwt_wait(sr, flag, flag, max_cycles_per_event)) return 0;
  uint32_t start = tr_dwt_now();
  (void)tr_mmio_rd(ccr);
  uint64_t total = 0;
  uint32_t last = start;
  for (uint32_t i = 0; i < events; i++) {
    if (!tr_dwt_wait(sr, flag, flag, max_cycles_per_event)) return 0;
    uint32_t now = tr_dwt_now();
    (void)tr_mmio_rd(ccr);
    total += (uint32_t)(now - last); /* per-event differences: CYCCNT may wrap over the window */
    last = now;
  }
  return total;
}
#endif
