/* STM32F446 clock-tree model for the register trace (RM0390): oscillators and PLL report ready
 * when enabled (unless SIM_FAIL names them: hse, pll, overdrive, lse), SWS follows SW, DWT
 * CYCCNT counts simulated cycles, TIM5 channel 4 captures the LSE when remapped to it. The core
 * clock follows the registers: HSI 16 MHz, HSE 8 MHz or the PLL, through the AHB prescaler. */
#include "sim.h"

#define RCC_CR 0x40023800u
#define RCC_PLLCFGR 0x40023804u
#define RCC_CFGR 0x40023808u
#define RCC_BDCR 0x40023870u
#define PWR_CR 0x40007000u
#define PWR_CSR 0x40007004u
#define DWT_CYCCNT 0xE0001004u
#define TIM5_CR1 0x40000C00u
#define TIM5_SR 0x40000C10u
#define TIM5_CCMR2 0x40000C1Cu
#define TIM5_CCER 0x40000C20u
#define TIM5_CCR4 0x40000C40u
#define TIM5_OR 0x40000C50u

static uint64_t captures_taken;
static double lse_on_at = -1;

uint32_t chip_reset_value(uint32_t addr) {
  switch (addr) {
    case RCC_CR: return 0x00000083u;      /* HSION, HSIRDY, trim */
    case RCC_PLLCFGR: return 0x24003010u; /* RM0390 §6.3.2 reset value */
    case PWR_CR: return 0x0000C000u;
    default: return 0;
  }
}

static uint64_t captures_now(void) {
  uint32_t cr = sim_get(TIM5_CR1), ccer = sim_get(TIM5_CCER), ccmr = sim_get(TIM5_CCMR2), remap = sim_get(TIM5_OR);
  if (!(cr & 1u) || !(ccer & (1u << 12)) || ((ccmr >> 8) & 3u) != 1u || ((remap >> 6) & 3u) != 2u) return 0;
  if (lse_on_at < 0 || sim_failed("lse")) return 0;
  uint32_t psc = 1u << ((ccmr >> 10) & 3u);
  return (uint64_t)(sim_seconds * 32768.0) / psc;
}

uint32_t chip_read(uint32_t addr, uint32_t v) {
  switch (addr) {
    case RCC_CR: {
      v &= ~((1u << 1) | (1u << 17) | (1u << 25));
      if (v & 1u) v |= 1u << 1;
      if ((v & (1u << 16)) && !sim_failed("hse")) v |= 1u << 17;
      if ((v & (1u << 24)) && !sim_failed("pll")) v |= 1u << 25;
      return v;
    }
    case RCC_CFGR: {
      uint32_t sw = v & 3u;
      uint32_t cr = chip_read(RCC_CR, sim_get(RCC_CR));
      if (sw == 2u && !(cr & (1u << 25))) sw = (sim_get(RCC_CFGR) >> 2) & 3u; /* PLL not ready: no switch */
      return (v & ~(3u << 2)) | (sw << 2);
    }
    case PWR_CSR: {
      uint32_t cr = sim_get(PWR_CR);
      v = 1u << 14; /* VOSRDY */
      if ((cr & (1u << 16)) && !sim_failed("overdrive")) v |= 1u << 16;
      if ((cr & (1u << 17)) && (v & (1u << 16))) v |= 1u << 17;
      return v;
    }
    case RCC_BDCR:
      /* The crystal takes 20 ms of simulated time to start. */
      return (v & ~2u) | ((lse_on_at >= 0 && sim_seconds - lse_on_at >= 0.02 && !sim_failed("lse")) ? 2u : 0u);
    case DWT_CYCCNT: return (uint32_t)sim_cycles;
    case TIM5_SR: return captures_now() > captures_taken ? (1u << 4) : 0u;
    case TIM5_CCR4: captures_taken = captures_now(); return 0;
    default: return v;
  }
}

void chip_write(uint32_t addr, uint32_t v) {
  if (addr == RCC_BDCR && (v & 1u) && lse_on_at < 0) lse_on_at = sim_seconds;
  if (addr == TIM5_CCR4) return;
}

double chip_core_hz(void) {
  uint32_t cfgr = chip_read(RCC_CFGR, sim_get(RCC_CFGR));
  uint32_t sws = (cfgr >> 2) & 3u;
  double sys = 16e6;
  if (sws == 1u) sys = 8e6;
  if (sws == 2u) {
    uint32_t p = sim_get(RCC_PLLCFGR);
    double in = (p & (1u << 22)) ? 8e6 : 16e6;
    sys = in / (p & 0x3Fu) * ((p >> 6) & 0x1FFu) / (2u * (((p >> 16) & 3u) + 1u));
  }
  uint32_t hpre = (cfgr >> 4) & 0xFu;
  static const unsigned ahb[8] = {2, 4, 8, 16, 64, 128, 256, 512};
  return hpre < 8u ? sys : sys / ahb[hpre - 8u];
}
