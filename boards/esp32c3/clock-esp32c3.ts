// The ESP32-C3 clock tree tinyrack sets up on the ESP32-C3-DevKitM-1: the one place its numbers
// live (passed to esp32c3/clock-esp32c3.c as TR_C3_* constants; checked by
// test/boards/clock-registers.test.ts).
//
// ESP32-C3 TRM v1.x §6.2 (reset and clock): CPU_CLK = PLL_CLK / 3 with PLL_FREQ_SEL = 1 (480 MHz)
// and CPUPERIOD_SEL = 1 → 160 MHz; APB_CLK = 80 MHz under the PLL. The BBPLL's dividers sit on
// the analog configuration bus (regi2c), written through the ROM's rom_i2c_writeReg; the values
// for a 40 MHz crystal and 480 MHz are Espressif's (ESP-IDF rtc_clk.c, esp-hal clocks_ll).
export const esp32c3Clock = {
  xtalHz: 40_000_000,
  pllHz: 480_000_000,
  /** SYSTEM_CPU_PER_CONF_REG.CPUPERIOD_SEL: 0 = 80 MHz, 1 = 160 MHz (PLL_CLK / 6 or / 3). */
  cpuPeriodSel: 1,
  cpuDivOfPll: 3,
  /** The systimer counts at XTAL / 2.5 = 16 MHz (TRM §10.2): the measurement's time base. */
  systimerHz: 16_000_000,
  /** UART0's function clock: the crystal (UART_CLK_CONF_REG.SCLK_SEL = 3), so the console's
   * divisor does not move when APB changes with the CPU clock. */
  uartClockHz: 40_000_000,
  /** ROM function addresses (esp32c3.rom.ld). */
  romI2cWriteReg: 0x4000195c,
  romI2cWriteRegMask: 0x40001960,
} as const;

export const esp32c3ClockHz = esp32c3Clock.pllHz / esp32c3Clock.cpuDivOfPll;

export function esp32c3ClockDefines(): Record<string, string> {
  const c = esp32c3Clock;
  const hex = (n: number) => `0x${n.toString(16)}u`;
  return {
    TR_C3_XTAL_HZ: `${c.xtalHz}u`, TR_C3_PLL_HZ: `${c.pllHz}u`, TR_C3_CPUPERIOD_SEL: `${c.cpuPeriodSel}u`,
    TR_C3_CPU_DIV: `${c.cpuDivOfPll}u`, TR_C3_SYSTIMER_HZ: `${c.systimerHz}u`, TR_C3_UART_CLOCK_HZ: `${c.uartClockHz}u`,
    TR_C3_ROM_I2C_WRITEREG: hex(c.romI2cWriteReg), TR_C3_ROM_I2C_WRITEREG_MASK: hex(c.romI2cWriteRegMask),
  };
}
