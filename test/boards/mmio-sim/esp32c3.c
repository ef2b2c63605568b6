/* ESP32-C3 clock model for the register trace (TRM v1.x §6.2, §10, §26): the CPU clock follows
 * SOC_CLK_SEL / PRE_DIV_CNT / CPUPERIOD_SEL / PLL_FREQ_SEL; the PLL gives a clock only when
 * powered (RTC_CNTL_OPTIONS0 power-down bits clear) and runs at 40 MHz × (div7_0 + 4) /
 * (ref_div + 1) as last written on the analog bus (SIM_FAIL=pll: it runs at half that); the
 * systimer counts 16 MHz ticks of simulated time (SIM_FAIL=systimer: its latch never
 * completes); mpccr (pseudo address 0xFFFFFFF0) counts simulated cycles. */
#include "sim.h"

#define SYSTEM_CPU_PER_CONF 0x600C0008u
#define SYSTEM_SYSCLK_CONF 0x600C0058u
#define RTC_CNTL_OPTIONS0 0x60008000u
#define UART0_ID 0x60000080u
#define SYSTIMER_UNIT0_OP 0x60023004u
#define SYSTIMER_UNIT0_LO 0x60023044u
#define BBPLL(reg) (0xA0660000u | ((reg) << 8))

uint32_t chip_reset_value(uint32_t addr) {
  switch (addr) {
    case RTC_CNTL_OPTIONS0: return (1u << 6) | (1u << 8) | (1u << 10); /* BBPLL powered down */
    case SYSTEM_SYSCLK_CONF: return 0u;                                 /* XTAL, no divider */
    default: return 0;
  }
}

uint32_t chip_read(uint32_t addr, uint32_t v) {
  switch (addr) {
    case SYSTIMER_UNIT0_OP: return sim_failed("systimer") ? 0u : (1u << 29);
    case SYSTIMER_UNIT0_LO: return (uint32_t)(uint64_t)(sim_seconds * 16e6);
    case UART0_ID: return v & ~(1u << 31); /* the update completes at once */
    case 0xFFFFFFF0u: return (uint32_t)sim_cycles;
    default: return v;
  }
}

void chip_write(uint32_t addr, uint32_t v) { (void)addr; (void)v; }

static double pll_hz(void) {
  if (sim_get(RTC_CNTL_OPTIONS0) & ((1u << 6) | (1u << 8) | (1u << 10))) return 0;
  double hz = 40e6 * ((sim_get(BBPLL(3u)) & 0xFFu) + 4u) / ((sim_get(BBPLL(2u)) & 0xFu) + 1u);
  return sim_failed("pll") ? hz / 2 : hz;
}

double chip_core_hz(void) {
  uint32_t sys = sim_get(SYSTEM_SYSCLK_CONF), per = sim_get(SYSTEM_CPU_PER_CONF);
  if (((sys >> 10) & 3u) == 0u) return 40e6 / ((sys & 0x3FFu) + 1u);
  double pll = pll_hz();
  if (pll <= 0) return 1; /* no clock at all: the core (and this model's time) crawls */
  /* TRM Table 6-3: 480 MHz: CPUPERIOD_SEL 0 → /6, 1 → /3; 320 MHz: 0 → /4, 1 → /2. */
  int is480 = (per >> 2) & 1u;
  return (per & 3u) == 1u ? pll / (is480 ? 3 : 2) : pll / (is480 ? 6 : 4);
}
