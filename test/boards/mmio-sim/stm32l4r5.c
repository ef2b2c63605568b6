/* STM32L4R5 clock-tree model for the register trace (RM0432): MSI/HSI/HSE/PLL ready when
 * enabled (unless SIM_FAIL names them: hse, hsi, pll, vos, lse), VOSF clears after a VOS
 * change, SWS follows SW, DWT CYCCNT counts simulated cycles, TIM16 channel 1 captures the LSE
 * when remapped to it. Core clock: MSI 4 MHz, HSI16, HSE 8 MHz or the PLL's R output, through
 * the AHB prescaler. */
#include "sim.h"

#define RCC_CR 0x40021000u
#define RCC_CFGR 0x40021008u
#define RCC_PLLCFGR 0x4002100Cu
#define RCC_BDCR 0x40021090u
#define PWR_CR1 0x40007000u
#define PWR_SR2 0x40007014u
#define PWR_CR5 0x40007080u
#define DWT_CYCCNT 0xE0001004u
#define TIM16_CR1 0x40014400u
#define TIM16_SR 0x40014410u
#define TIM16_CCMR1 0x40014418u
#define TIM16_CCER 0x40014420u
#define TIM16_CCR1 0x40014434u
#define TIM16_OR1 0x40014450u

static uint64_t captures_taken;
static double lse_on_at = -1;

uint32_t chip_reset_value(uint32_t addr) {
  switch (addr) {
    case RCC_CR: return 0x00000063u;      /* MSION, MSIRDY, MSIRANGE 6 (4 MHz) */
    case RCC_PLLCFGR: return 0x00001000u; /* RM0432 §6.4.4 reset value */
    case PWR_CR1: return 0x00000200u;     /* range 1 */
    case PWR_CR5: return 0x00000100u;     /* R1MODE = 1: range 1 normal, not boost */
    default: return 0;
  }
}

static uint64_t captures_now(void) {
  uint32_t cr = sim_get(TIM16_CR1), ccer = sim_get(TIM16_CCER), ccmr = sim_get(TIM16_CCMR1), remap = sim_get(TIM16_OR1);
  if (!(cr & 1u) || !(ccer & 1u) || (ccmr & 3u) != 1u || (remap & 7u) != 2u) return 0;
  if (lse_on_at < 0 || sim_failed("lse")) return 0;
  return (uint64_t)(sim_seconds * 32768.0) >> ((ccmr >> 2) & 3u);
}

uint32_t chip_read(uint32_t addr, uint32_t v) {
  switch (addr) {
    case RCC_CR:
      v &= ~((1u << 1) | (1u << 10) | (1u << 17) | (1u << 25));
      if (v & 1u) v |= 1u << 1;
      if ((v & (1u << 8)) && !sim_failed("hsi")) v |= 1u << 10;
      if ((v & (1u << 16)) && !sim_failed("hse")) v |= 1u << 17;
      if ((v & (1u << 24)) && !sim_failed("pll")) v |= 1u << 25;
      return v;
    case RCC_CFGR: {
      uint32_t sw = v & 3u;
      uint32_t cr = chip_read(RCC_CR, sim_get(RCC_CR));
      if (sw == 3u && !(cr & (1u << 25))) sw = (sim_get(RCC_CFGR) >> 2) & 3u;
      return (v & ~(3u << 2)) | (sw << 2);
    }
    case PWR_SR2: return sim_failed("vos") ? (1u << 10) : 0u;
    case RCC_BDCR:
      return (v & ~2u) | ((lse_on_at >= 0 && sim_seconds - lse_on_at >= 0.02 && !sim_failed("lse")) ? 2u : 0u);
    case DWT_CYCCNT: return (uint32_t)sim_cycles;
    case TIM16_SR: return captures_now() > captures_taken ? (1u << 1) : 0u;
    case TIM16_CCR1: captures_taken = captures_now(); return 0;
    default: return v;
  }
}

void chip_write(uint32_t addr, uint32_t v) {
  if (addr == RCC_BDCR && (v & 1u) && lse_on_at < 0) lse_on_at = sim_seconds;
}

double chip_core_hz(void) {
  uint32_t cfgr = chip_read(RCC_CFGR, sim_get(RCC_CFGR));
  uint32_t sws = (cfgr >> 2) & 3u;
  double sys = sws == 0u ? 4e6 : sws == 1u ? 16e6 : 8e6;
  if (sws == 3u) {
    uint32_t p = sim_get(RCC_PLLCFGR);
    uint32_t src = p & 3u;
    double in = src == 3u ? 8e6 : src == 2u ? 16e6 : 4e6;
    sys = in / (((p >> 4) & 0xFu) + 1u) * ((p >> 8) & 0x7Fu) / (2u * (((p >> 25) & 3u) + 1u));
  }
  uint32_t hpre = (cfgr >> 4) & 0xFu;
  static const unsigned ahb[8] = {2, 4, 8, 16, 64, 128, 256, 512};
  return hpre < 8u ? sys : sys / ahb[hpre - 8u];
}
