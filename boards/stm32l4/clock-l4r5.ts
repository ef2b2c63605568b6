// The STM32L4R5ZI clock tree tinyrack sets up on the NUCLEO-L4R5ZI: the one place its numbers
// live (passed to stm32l4/clock-l4r5.c as TR_L4R5_* constants; checked by
// test/boards/clock-registers.test.ts against RM0432's rules).
//
// RM0432 §6.4.4 (RCC_PLLCFGR): f_VCO = f_in × N / M, f_PLLR = f_VCO / R; the VCO input f_in / M
// must be 2.66..16 MHz, the VCO output 64..344 MHz, N 8..127, PLLR ≤ 120 MHz. Both sources give
// an 8 MHz VCO input, a 240 MHz VCO and 120 MHz at R = 2.
export const l4r5Clock = {
  /** The ST-LINK's 8 MHz MCO as HSE bypass (when the board's solder bridges route it). */
  hseHz: 8_000_000,
  hsiHz: 16_000_000,
  /** The reset clock: MSI range 6. */
  msiHz: 4_000_000,
  pllMHse: 1,
  pllMHsi: 2,
  pllN: 30,
  pllR: 2,
  /** AHB, APB1 (LPUART1's clock), APB2 all /1: 120 MHz is every bus's maximum in range 1. */
  ahbDiv: 1,
  apb1Div: 1,
  apb2Div: 1,
  /** RM0432 §3.3.3 Table 12: range 1 boost, 100 < HCLK ≤ 120 MHz needs 5 wait states. */
  flashWaitStates: 5,
  /** RM0432 §6.1.8: above 80 MHz the regulator runs range 1 in boost mode (PWR_CR5.R1MODE = 0). */
  voltageRange: 1,
  boost: true,
  /** The NUCLEO-144's 32.768 kHz LSE crystal (X2): the measurement's time base. */
  lseHz: 32_768,
} as const;

export const l4r5ClockHz = (l4r5Clock.hseHz / l4r5Clock.pllMHse) * l4r5Clock.pllN / l4r5Clock.pllR / l4r5Clock.ahbDiv;

export function l4r5ClockDefines(): Record<string, string> {
  const c = l4r5Clock;
  return {
    TR_L4R5_HSE_HZ: `${c.hseHz}u`, TR_L4R5_HSI_HZ: `${c.hsiHz}u`, TR_L4R5_MSI_HZ: `${c.msiHz}u`,
    TR_L4R5_PLLM_HSE: `${c.pllMHse}u`, TR_L4R5_PLLM_HSI: `${c.pllMHsi}u`, TR_L4R5_PLLN: `${c.pllN}u`, TR_L4R5_PLLR: `${c.pllR}u`,
    TR_L4R5_AHB_DIV: `${c.ahbDiv}u`, TR_L4R5_APB1_DIV: `${c.apb1Div}u`, TR_L4R5_APB2_DIV: `${c.apb2Div}u`,
    TR_L4R5_FLASH_WS: `${c.flashWaitStates}u`, TR_L4R5_RANGE: `${c.voltageRange}u`, TR_L4R5_BOOST: c.boost ? '1' : '0',
    TR_LSE_HZ: `${c.lseHz}u`,
  };
}
