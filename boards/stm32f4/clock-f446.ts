// The STM32F446RE clock tree tinyrack sets up on the NUCLEO-F446RE: the one place its numbers
// live. The board definition turns it into -D constants for stm32f4/clock-f446.c; the test
// (test/boards/clock-registers.test.ts) runs that C code against a register model and checks
// what it writes against RM0390's rules.
//
// RM0390 §6.3.2 (RCC_PLLCFGR): f_VCO = f_in × N / M, f_SYSCLK = f_VCO / P, f_48 = f_VCO / Q;
// §6.2.3: the VCO input f_in / M must be 1..2 MHz (2 MHz recommended: less jitter), the VCO
// output 100..432 MHz. Both sources give a 2 MHz VCO input, a 360 MHz VCO and 180 MHz at P = 2.
export const f446Clock = {
  /** The ST-LINK's 8 MHz MCO on PH0/OSC_IN (HSE bypass: an external clock, no crystal). */
  hseHz: 8_000_000,
  hsiHz: 16_000_000,
  /** PLL input divider per source (VCO input 2 MHz either way). */
  pllMHse: 4,
  pllMHsi: 8,
  pllN: 180,
  pllP: 2,
  /** PLL48CLK = 360 / 8 = 45 MHz (≤ 48 MHz; USB is not used). */
  pllQ: 8,
  pllR: 2,
  /** AHB /1 (HCLK 180 MHz), APB1 /4 (45 MHz, its maximum), APB2 /2 (90 MHz, its maximum). */
  ahbDiv: 1,
  apb1Div: 4,
  apb2Div: 2,
  /** RM0390 §3.4.1 Table 5 (2.7–3.6 V): 150 < HCLK ≤ 180 MHz needs 5 wait states. */
  flashWaitStates: 5,
  /** RM0390 §5.1.4: above 168 MHz the regulator must be in scale 1 with over-drive on. */
  vosScale: 1,
  overDrive: true,
  /** The NUCLEO's 32.768 kHz LSE crystal (X2): the time base the clock is measured against. */
  lseHz: 32_768,
} as const;

export const f446ClockHz = (f446Clock.hseHz / f446Clock.pllMHse) * f446Clock.pllN / f446Clock.pllP / f446Clock.ahbDiv;

/** The table as -D constants for the C code. */
export function f446ClockDefines(): Record<string, string> {
  const c = f446Clock;
  return {
    TR_F446_HSE_HZ: `${c.hseHz}u`, TR_F446_HSI_HZ: `${c.hsiHz}u`,
    TR_F446_PLLM_HSE: `${c.pllMHse}u`, TR_F446_PLLM_HSI: `${c.pllMHsi}u`,
    TR_F446_PLLN: `${c.pllN}u`, TR_F446_PLLP: `${c.pllP}u`, TR_F446_PLLQ: `${c.pllQ}u`, TR_F446_PLLR: `${c.pllR}u`,
    TR_F446_AHB_DIV: `${c.ahbDiv}u`, TR_F446_APB1_DIV: `${c.apb1Div}u`, TR_F446_APB2_DIV: `${c.apb2Div}u`,
    TR_F446_FLASH_WS: `${c.flashWaitStates}u`, TR_F446_VOS_SCALE: `${c.vosScale}u`, TR_F446_OVERDRIVE: c.overDrive ? '1' : '0',
    TR_LSE_HZ: `${c.lseHz}u`,
  };
}
