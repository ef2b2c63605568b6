/* Memory-mapped register access for board code. On a target every access is a volatile 32-bit
 * load or store. Built with TR_MMIO_TRACE (test/boards/mmio-sim), every access goes to a host
 * model of the chip instead, which logs it and sets ready flags the way the reference manual
 * says: the register sequence a clock set-up writes is then checked on this machine.
 *
 * Every wait for a hardware flag goes through tr_mmio_wait with a bound: a flag that never comes
 * (a missing crystal, a PLL that does not lock) ends the wait, and the caller falls back. */
#ifndef TR_MMIO_H
#define TR_MMIO_H
#include <stdint.h>

/* TR_REG(a): a register as an lvalue, for drivers written in that style (the UARTs). In a trace
 * build it is the model's storage for that address (not logged, but its final value is seen). */
#ifdef TR_MMIO_TRACE
uint32_t tr_mmio_rd(uint32_t addr);
void tr_mmio_wr(uint32_t addr, uint32_t value);
volatile uint32_t *tr_mmio_at(uint32_t addr);
#define TR_REG(a) (*tr_mmio_at((uint32_t)(a)))
#else
#define TR_REG(a) (*(volatile uint32_t *)(uintptr_t)(a))
static inline uint32_t tr_mmio_rd(uint32_t addr) { return *(volatile uint32_t *)(uintptr_t)addr; }
static inline void tr_mmio_wr(uint32_t addr, uint32_t value) { *(volatile uint32_t *)(uintptr_t)addr = value; }
#endif

static inline void tr_mmio_set(uint32_t addr, uint32_t bits) { tr_mmio_wr(addr, tr_mmio_rd(addr) | bits); }
static inline void tr_mmio_clr(uint32_t addr, uint32_t bits) { tr_mmio_wr(addr, tr_mmio_rd(addr) & ~bits); }
/* Replaces the bits of `mask` with `value` (already shifted into place). */
static inline void tr_mmio_field(uint32_t addr, uint32_t mask, uint32_t value) {
  tr_mmio_wr(addr, (tr_mmio_rd(addr) & ~mask) | (value & mask));
}

/* Polls until (reg & mask) == want, at most `tries` reads. 1 = it came, 0 = timed out. */
static inline int tr_mmio_wait(uint32_t addr, uint32_t mask, uint32_t want, uint32_t tries) {
  for (uint32_t i = 0; i < tries; i++) {
    if ((tr_mmio_rd(addr) & mask) == want) return 1;
  }
  return 0;
}
#endif
