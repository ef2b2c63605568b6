// The ESP32 clock tree tinyrack sets up on the ESP32-DevKitC: the one place its numbers live
// (passed to esp32/clock-esp32.c as TR_ESP32_* constants; checked by
// test/boards/clock-registers.test.ts).
//
// ESP32 TRM v4.x §3.2 (reset and clock): CPU_CLK from PLL_CLK (480 MHz) with
// DPORT_CPU_PER_CONF_REG.CPUPERIOD_SEL = 2 → 240 MHz (0 → 80, 1 → 160 from 320 MHz); APB stays
// 80 MHz. 240 MHz needs the digital core voltage raised (RTC_CNTL_DIG_DBIAS_WAK to 1.25 V less the
// chip's eFuse trim). BBPLL analog-bus values for a 40 MHz crystal: Espressif's (ESP-IDF
// rtc_clk.c, esp-hal clocks_ll).
export const esp32Clock = {
  xtalHz: 40_000_000,
  pllHz: 480_000_000,
  cpuPeriodSel: 2,
  cpuHz: 240_000_000,
  /** UART0's clock: REF_TICK/APB selection left as the ROM has it (APB); APB = 80 MHz under the
   * PLL, 40 MHz on the crystal. */
  apbPllHz: 80_000_000,
  /** The RTC calibration unit (TIMG0) counts crystal cycles over slow-clock cycles: the
   * measurement's time base. Window in slow-clock cycles (~150 kHz RC: ~53 ms). */
  caliSlowCycles: 8000,
  romI2cWriteReg: 0x400041a4,
} as const;

export function esp32ClockDefines(): Record<string, string> {
  const c = esp32Clock;
  return {
    TR_ESP32_XTAL_HZ: `${c.xtalHz}u`, TR_ESP32_CPU_HZ: `${c.cpuHz}u`, TR_ESP32_CPUPERIOD_SEL: `${c.cpuPeriodSel}u`,
    TR_ESP32_APB_PLL_HZ: `${c.apbPllHz}u`, TR_ESP32_CALI_SLOW_CYCLES: `${c.caliSlowCycles}u`,
    TR_ESP32_ROM_I2C_WRITEREG: `0x${c.romI2cWriteReg.toString(16)}u`,
  };
}
