/* FE310-G002 (HiFive1 Rev B) core clock: 320 MHz from the PLL on the 16 MHz crystal, numbers
 * in sifive/clock-fe310.ts (TR_FE310_* constants). References: SiFive FE310-G002 Manual v1p1,
 * chapter 6 (clock generation, PRCI at 0x10008000), chapter 14 (QSPI), chapter 9 (CLINT mtime).
 *
 * The PLL is reprogrammed only while hfclk comes from hfrosc (§6.5: switching pllsel away first
 * keeps the core clocked while the PLL relocks). Waits are bounded; if the crystal or the lock
 * does not come, the core stays on hfrosc and `fault` says why. The clock is then measured:
 * mcycle over mtime, which counts the always-on 32.768 kHz clock (§9.1). */
#include <stdint.h>
#include "../common/tr_mmio.h"
#include "../common/tr_clock.h"

#define PRCI_HFROSCCFG 0x10008000u  /* hfroscen 30, hfroscrdy 31 */
#define PRCI_HFXOSCCFG 0x10008004u  /* hfxoscen 30, hfxoscrdy 31 */
#define PRCI_PLLCFG 0x10008008u     /* pllr 2:0, pllf 9:4, pllq 11:10, pllsel 16, pllrefsel 17, pllbypass 18, plllock 31 */
#define PRCI_PLLOUTDIV 0x1000800Cu  /* plloutdiv 5:0, plloutdivby1 8 */
#define QSPI0_SCKDIV 0x10014000u    /* §14.3: f_sck = f_in / (2 (div + 1)) */
#define AON_LFCLKMUX 0x1000007Cu    /* §6.4: bit 31 = state of the psdlfaltclksel pin (0: lfaltclk) */
#define CLINT_MTIME 0x0200BFF8u     /* low word of mtime */

#define READY_TRIES 200000u

/* mcycle, low word (a host trace build reads the model's cycle counter instead). */
#ifdef TR_MMIO_TRACE
#define MCYCLE() tr_mmio_rd(0xFFFFFFF0u)
#else
static inline uint32_t MCYCLE(void) { uint32_t v; __asm volatile("csrr %0, mcycle" : "=r"(v)); return v; }
#endif
/* mtime ticks in the measurement window: 2048 / 32768 Hz = 62.5 ms. */
#define MTIME_TICKS 2048u

static tr_clock_t clock = {
  .hz = TR_FE310_HFROSC_HZ, .hz_target = TR_CLOCK_HZ, .source = TR_CLOCK_CONFIGURED, .fault = "none", .osc = "hfrosc", .ref = "none",
};
/* The clock the UART divisor is computed from: the configured one, or the measured one when
 * the core is left on hfrosc (whose rate is only nominal). */
static uint32_t uart_hz = TR_FE310_HFROSC_HZ;
static int on_hfrosc = 1;

static uint32_t log2_u32(uint32_t v) { uint32_t n = 0; while (v > 1u) { v >>= 1; n++; } return n; }

static void pll_up(void) {
  /* §6.3: hfrosc on (reset state) and driving hfclk before the PLL is touched. */
  tr_mmio_set(PRCI_HFROSCCFG, 1u << 30);
  if (!tr_mmio_wait(PRCI_HFROSCCFG, 1u << 31, 1u << 31, READY_TRIES)) { clock.fault = "hfrosc_timeout"; return; }
  tr_mmio_clr(PRCI_PLLCFG, 1u << 16);                /* pllsel = 0: hfclk from hfrosc */

  /* §6.4: the crystal oscillator. */
  tr_mmio_set(PRCI_HFXOSCCFG, 1u << 30);
  if (!tr_mmio_wait(PRCI_HFXOSCCFG, 1u << 31, 1u << 31, READY_TRIES)) { clock.fault = "hfxosc_timeout"; return; }

  /* §6.5: R, F, Q; reference = hfxosc, not bypassed. */
  uint32_t cfg = (TR_FE310_PLLR - 1u) | ((TR_FE310_PLLF / 2u - 1u) << 4) | (log2_u32(TR_FE310_PLLQ) << 10) | (1u << 17);
  tr_mmio_wr(PRCI_PLLCFG, cfg);
  tr_mmio_wr(PRCI_PLLOUTDIV, 1u << 8);               /* plloutdivby1: no final divider */
  /* §6.5: plllock may read high for up to 100 µs after a change; wait that out (mcycle on
   * hfrosc, ≤ 20 MHz: 2000 cycles ≥ 100 µs), then wait for the real lock. */
  uint32_t t0 = MCYCLE();
  while (MCYCLE() - t0 < 2000u) {}
  if (!tr_mmio_wait(PRCI_PLLCFG, 1u << 31, 1u << 31, READY_TRIES)) {
    /* No lock: run on the crystal itself (pllbypass, §6.5), 16 MHz. */
    tr_mmio_set(PRCI_PLLCFG, (1u << 18) | (1u << 16));
    clock.hz = uart_hz = TR_FE310_HFXOSC_HZ;
    clock.osc = "hfxosc";
    on_hfrosc = 0;
    clock.fault = "pll_lock_timeout";
    return;
  }

  uint32_t hz = TR_FE310_HFXOSC_HZ / TR_FE310_PLLR * TR_FE310_PLLF / TR_FE310_PLLQ;
  /* §14.3: slow the flash SCK before the core speeds up (code runs from the XIP flash). */
  uint32_t div = (hz + 2u * TR_FE310_FLASH_SCK_MAX_HZ - 1u) / (2u * TR_FE310_FLASH_SCK_MAX_HZ) - 1u;
  if (tr_mmio_rd(QSPI0_SCKDIV) < div) tr_mmio_wr(QSPI0_SCKDIV, div);
  tr_mmio_set(PRCI_PLLCFG, 1u << 16);                /* pllsel = 1: hfclk from the PLL */
  clock.hz = uart_hz = hz;
  clock.osc = "hfxosc_pll";
  on_hfrosc = 0;
}

static uint32_t mtime_lo(void) { return tr_mmio_rd(CLINT_MTIME); }

static void measure(void) {
  if (tr_mmio_rd(AON_LFCLKMUX) & (1u << 31)) return; /* lfclk is the untrimmed lfrosc: no time base */
  /* Start on an mtime edge, count mcycle over MTIME_TICKS ticks. Bounded by mcycle: 4x the
   * expected window at the clock we think we have. */
  uint32_t bound = (uint32_t)((uint64_t)clock.hz * 4u * MTIME_TICKS / TR_MTIME_HZ);
  uint32_t c0 = MCYCLE(), c1, now, m0 = mtime_lo();
  for (;;) {
    uint32_t m = mtime_lo();
    now = MCYCLE();
    if (m != m0) { m0 = m; c0 = now; break; }
    if (now - c0 > bound) { clock.ref = "mtime_stopped"; return; }
  }
  for (;;) {
    uint32_t m = mtime_lo();
    c1 = MCYCLE();
    if (m - m0 >= MTIME_TICKS) break;
    if (c1 - c0 > bound) { clock.ref = "mtime_stopped"; return; }
  }
  clock.hz = tr_clock_hz_from((uint32_t)(c1 - c0), MTIME_TICKS, TR_MTIME_HZ);
  clock.source = TR_CLOCK_MEASURED;
  clock.ref = "mtime";
  if (on_hfrosc) uart_hz = clock.hz; /* hfrosc's rate is only nominal: use the measured one */
}

void tr_clock_init(void) {
  pll_up();
  measure();
}

/* §18: the UART runs on tlclk, which on the FE310-G002 is the core clock (hfclk). */
uint32_t tr_clock_uart_hz(void) { return uart_hz; }
const tr_clock_t *tr_board_clock(void) { return &clock; }
