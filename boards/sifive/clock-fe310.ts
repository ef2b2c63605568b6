// The FE310-G002 clock tree tinyrack sets up on the HiFive1 Rev B: the one place its numbers
// live (passed to sifive/clock-fe310.c as TR_FE310_* constants; checked by
// test/boards/clock-registers.test.ts against the manual's PLL limits).
//
// SiFive FE310-G002 Manual v1p1 §6.5 (PRCI pllcfg): refr = f_ref / R must be 6..12 MHz,
// vco = refr × F must be 384..768 MHz, pllout = vco / Q must be 48..384 MHz; R = pllr + 1 (1..4),
// F = 2 × (pllf + 1) (2..128), Q = 2^pllq (2, 4, 8). The 16 MHz crystal (hfxosc) / 2 = 8 MHz,
// × 80 = 640 MHz, / 2 = 320 MHz: the rate SiFive's freedom-metal sets on this board.
export const fe310Clock = {
  /** HiFive1 Rev B: 16 MHz crystal on the high-frequency crystal oscillator (hfxosc). */
  hfxoscHz: 16_000_000,
  /** hfrosc at reset (~13.8 MHz, trimmed); what the core falls back to. Nominal only. */
  hfroscHz: 13_800_000,
  pllR: 2,
  pllF: 80,
  pllQ: 2,
  /** QSPI0 (the XIP flash) SCK ceiling: sckdiv is raised so f_sck = f_core / (2 (div + 1)) stays
   * at or under it (the boot loader's flash read mode). */
  flashSckMaxHz: 50_000_000,
  /** The AON low-frequency clock mtime counts (32.768 kHz lfaltclk on the HiFive1 Rev B). */
  mtimeHz: 32_768,
} as const;

export const fe310ClockHz = fe310Clock.hfxoscHz / fe310Clock.pllR * fe310Clock.pllF / fe310Clock.pllQ;

export function fe310ClockDefines(): Record<string, string> {
  const c = fe310Clock;
  return {
    TR_FE310_HFXOSC_HZ: `${c.hfxoscHz}u`, TR_FE310_HFROSC_HZ: `${c.hfroscHz}u`,
    TR_FE310_PLLR: `${c.pllR}u`, TR_FE310_PLLF: `${c.pllF}u`, TR_FE310_PLLQ: `${c.pllQ}u`,
    TR_FE310_FLASH_SCK_MAX_HZ: `${c.flashSckMaxHz}u`, TR_MTIME_HZ: `${c.mtimeHz}u`,
  };
}
