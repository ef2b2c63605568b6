/* ESP32 clock model for the register trace (ESP32 TRM v4.x §3.2, §18): the CPU runs on the
 * crystal until SOC_CLK_SEL selects the PLL; the PLL gives 480 MHz only when powered (OPTIONS0)
 * and configured with the 480 MHz values (ENDIV5 0xC3, OC_DIV_7_0 28) — otherwise no clock at
 * all — (SIM_FAIL=pll: half of it); CPU = 80/160/240 MHz by CPUPERIOD_SEL. The RTC calibration
 * unit, started, reports ready after MAX slow cycles of a 150 kHz slow clock, with the crystal
 * cycles counted (SIM_FAIL=cali: never ready). CCOUNT = pseudo address 0xFFFFFFF0. */
#include "sim.h"

#define RTC_CNTL_OPTIONS0 0x3FF48000u
#define RTC_CNTL_CLK_CONF 0x3FF48070u
#define DPORT_CPU_PER_CONF 0x3FF0003Cu
#define TIMG0_RTCCALICFG 0x3FF5F068u
#define TIMG0_RTCCALICFG1 0x3FF5F06Cu
#define BBPLL(reg) (0xA0660000u | ((reg) << 8))
#define SLOW_HZ 150e3

static double cali_started = -1;

uint32_t chip_reset_value(uint32_t addr) {
  return addr == RTC_CNTL_OPTIONS0 ? ((1u << 6) | (1u << 8) | (1u << 10) | (1u << 18)) : 0u;
}

static double cali_seconds(void) { return ((sim_get(TIMG0_RTCCALICFG) >> 16) & 0x7FFFu) / SLOW_HZ; }

uint32_t chip_read(uint32_t addr, uint32_t v) {
  switch (addr) {
    case TIMG0_RTCCALICFG: {
      int rdy = cali_started >= 0 && sim_seconds - cali_started >= cali_seconds() && !sim_failed("cali");
      return (v & ~(1u << 15)) | (rdy ? (1u << 15) : 0u);
    }
    case TIMG0_RTCCALICFG1: return cali_started >= 0 ? ((uint32_t)(cali_seconds() * 40e6) << 7) : 0u;
    case 0xFFFFFFF0u: return (uint32_t)sim_cycles;
    default: return v;
  }
}

void chip_write(uint32_t addr, uint32_t v) {
  if (addr == TIMG0_RTCCALICFG && (v & (1u << 31))) cali_started = sim_seconds;
}

double chip_core_hz(void) {
  if (((sim_get(RTC_CNTL_CLK_CONF) >> 27) & 3u) != 1u) return 40e6;
  int powered = !(sim_get(RTC_CNTL_OPTIONS0) & ((1u << 6) | (1u << 8) | (1u << 10) | (1u << 18)));
  int set480 = sim_get(BBPLL(11u)) == 0xC3u && sim_get(BBPLL(3u)) == 28u;
  if (!powered || !set480) return 1;
  static const double cpu[4] = {80e6, 160e6, 240e6, 80e6};
  double hz = cpu[sim_get(DPORT_CPU_PER_CONF) & 3u];
  return sim_failed("pll") ? hz / 2 : hz;
}
