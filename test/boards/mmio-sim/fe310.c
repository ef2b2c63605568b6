/* FE310-G002 clock model for the register trace (SiFive FE310-G002 manual v1p1): hfrosc,
 * hfxosc and the PLL lock report ready when enabled/configured (unless SIM_FAIL names them:
 * hfxosc, pll, lfaltclk), hfclk follows pllsel/pllbypass, mcycle (read at the pseudo address
 * 0xFFFFFFF0) counts simulated cycles, mtime counts 32.768 kHz ticks of simulated time. The
 * model's hfrosc runs at 14.2 MHz, off the code's nominal 13.8 MHz as a real untrimmed RC
 * oscillator is: the measured clock must see it. */
#include "sim.h"

#define PRCI_HFROSCCFG 0x10008000u
#define PRCI_HFXOSCCFG 0x10008004u
#define PRCI_PLLCFG 0x10008008u
#define AON_LFCLKMUX 0x1000007Cu
#define CLINT_MTIME 0x0200BFF8u
#define MCYCLE 0xFFFFFFF0u
#define HFROSC_HZ 14.2e6

uint32_t chip_reset_value(uint32_t addr) {
  switch (addr) {
    case PRCI_HFROSCCFG: return (1u << 30) | (16u << 16) | 4u; /* enabled, trim 16, div 4 */
    case PRCI_PLLCFG: return (1u << 18) | (1u << 17) | 1u;      /* bypassed, hfxosc ref, R = 2 */
    case 0x10014000u: return 3u;                                /* QSPI0 sckdiv reset value */
    default: return 0;
  }
}

uint32_t chip_read(uint32_t addr, uint32_t v) {
  switch (addr) {
    case PRCI_HFROSCCFG: return (v & ~(1u << 31)) | ((v & (1u << 30)) ? (1u << 31) : 0u);
    case PRCI_HFXOSCCFG: return (v & ~(1u << 31)) | ((v & (1u << 30)) && !sim_failed("hfxosc") ? (1u << 31) : 0u);
    case PRCI_PLLCFG: return (v & ~(1u << 31)) | (!sim_failed("pll") ? (1u << 31) : 0u);
    case AON_LFCLKMUX: return sim_failed("lfaltclk") ? (1u << 31) : 0u;
    case CLINT_MTIME: return (uint32_t)(uint64_t)(sim_seconds * 32768.0);
    case MCYCLE: return (uint32_t)sim_cycles;
    default: return v;
  }
}

void chip_write(uint32_t addr, uint32_t v) { (void)addr; (void)v; }

double chip_core_hz(void) {
  uint32_t p = sim_get(PRCI_PLLCFG);
  if (!(p & (1u << 16))) return HFROSC_HZ;
  if (p & (1u << 18)) return 16e6;
  uint32_t r = (p & 7u) + 1u, f = 2u * (((p >> 4) & 0x3Fu) + 1u), q = 1u << ((p >> 10) & 3u);
  return 16e6 / r * f / q;
}
