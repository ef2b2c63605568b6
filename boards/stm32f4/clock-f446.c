/* STM32F446RE (NUCLEO-F446RE) core clock: 180 MHz from the PLL, the numbers in
 * stm32f4/clock-f446.ts (passed as TR_F446_* constants). References are to RM0390 rev 6.
 *
 * Order (RM0390 §5.1.4 "Entering Over-drive mode" and §3.4.1 "Increasing the CPU frequency"):
 * PLL source, PLL configured while off, regulator scale 1, PLL on, over-drive, over-drive
 * switch, flash wait states (read back), bus prescalers, PLL lock, switch SYSCLK, confirm.
 * Every wait is bounded; whatever does not come up leaves the core on the clock it has (HSI
 * 16 MHz, reset state for flash latency and prescalers) and names itself in `fault`.
 * Then the clock is measured with DWT cycles over LSE input captures on TIM5 channel 4. */
#include <stdint.h>
#include "../common/tr_mmio.h"
#include "../common/tr_clock.h"
#include "../cortex-m/clock-measure.h"
#include "../cortex-m/stm32-rcc.h"

/* RCC (RM0390 §6.3, base 0x40023800). */
#define RCC_CR 0x40023800u          /* HSION 0, HSIRDY 1, HSEON 16, HSERDY 17, HSEBYP 18, PLLON 24, PLLRDY 25 */
#define RCC_PLLCFGR 0x40023804u     /* PLLM 5:0, PLLN 14:6, PLLP 17:16, PLLSRC 22, PLLQ 27:24, PLLR 30:28 */
#define RCC_CFGR 0x40023808u        /* SW 1:0, SWS 3:2, HPRE 7:4, PPRE1 12:10, PPRE2 15:13 */
#define RCC_APB1ENR 0x40023840u     /* TIM5EN 3, PWREN 28 */
#define RCC_BDCR 0x40023870u        /* LSEON 0, LSERDY 1 */
/* PWR (RM0390 §5.4, base 0x40007000). */
#define PWR_CR 0x40007000u          /* DBP 8, VOS 15:14, ODEN 16, ODSWEN 17 */
#define PWR_CSR 0x40007004u         /* VOSRDY 14, ODRDY 16, ODSWRDY 17 */
/* FLASH (RM0390 §3.8.1, base 0x40023C00). */
#define FLASH_ACR 0x40023C00u       /* LATENCY 3:0, PRFTEN 8, ICEN 9, DCEN 10, ICRST 11, DCRST 12 */
/* TIM5 (RM0390 §18.4, base 0x40000C00): 32-bit general-purpose timer whose channel 4 input
 * can be the LSE (TIM5_OR.TI4_RMP = 10, §18.4.19). */
#define TIM5_CR1 0x40000C00u
#define TIM5_SR 0x40000C10u         /* CC4IF 4 */
#define TIM5_CCMR2 0x40000C1Cu      /* CC4S 9:8 = 01 (IC4 on TI4), IC4PSC 11:10 */
#define TIM5_CCER 0x40000C20u       /* CC4E 12 */
#define TIM5_CCR4 0x40000C40u
#define TIM5_OR 0x40000C50u         /* TI4_RMP 7:6 */

#define SW_HSI 0u
#define SW_PLL 2u
/* Bounds for the ready waits, in polls (≥ 10 ms at 16 MHz; HSE bypass and PLL lock take µs). */
#define READY_TRIES 200000u
/* LSE crystal start-up: up to 2 s (STM32F446 datasheet, tSU(LSE)); it runs on across resets
 * (backup domain), so only the first boot after power-up waits. */
#define LSE_START_S 3u
/* Capture every 8th LSE edge (IC4PSC = /8), 256 captures = 2048 LSE periods = 62.5 ms. */
#define LSE_EDGES_PER_CAPTURE 8u
#define LSE_CAPTURES 256u

static tr_clock_t clock = {
  .hz = TR_F446_HSI_HZ, .hz_target = TR_CLOCK_HZ, .source = TR_CLOCK_CONFIGURED, .fault = "none", .osc = "hsi", .ref = "none",
};
static uint32_t apb1_hz = TR_F446_HSI_HZ;


/* Back to the reset clock: SYSCLK = HSI, prescalers /1, 0 wait states (§3.4.1 "Decreasing the
 * CPU frequency": switch first, then lower the latency). */
static void fall_back(const char *why) {
  tr_mmio_field(RCC_CFGR, 3u, SW_HSI);
  (void)tr_mmio_wait(RCC_CFGR, 3u << 2, SW_HSI << 2, READY_TRIES);
  tr_mmio_clr(RCC_CFGR, (0xFu << 4) | (7u << 10) | (7u << 13));
  tr_mmio_clr(RCC_CR, 1u << 24);                    /* PLLON off */
  tr_mmio_clr(PWR_CR, (1u << 16) | (1u << 17));     /* §5.1.4 leaving over-drive: ODEN, ODSWEN off */
  tr_mmio_field(FLASH_ACR, 0xFu, 0u);
  clock.hz = TR_F446_HSI_HZ;
  apb1_hz = TR_F446_HSI_HZ;
  clock.osc = "hsi";
  clock.fault = why;
}

static void pll_up(void) {
  /* HSI must be the system clock while the PLL is reprogrammed (§6.3.2: PLLCFGR is written
   * only with the PLL off); a debugger or a previous image may have left it running. */
  tr_mmio_set(RCC_CR, 1u);                          /* HSION */
  if (!tr_mmio_wait(RCC_CR, 1u << 1, 1u << 1, READY_TRIES)) { clock.fault = "hsi_timeout"; return; }
  tr_mmio_field(RCC_CFGR, 3u, SW_HSI);
  (void)tr_mmio_wait(RCC_CFGR, 3u << 2, SW_HSI << 2, READY_TRIES);
  tr_mmio_clr(RCC_CR, 1u << 24);                    /* PLLON off */
  (void)tr_mmio_wait(RCC_CR, 1u << 25, 0u, READY_TRIES);

  /* PLL source: the ST-LINK's 8 MHz MCO as HSE bypass (§6.2.1: HSEBYP is written with HSEON
   * off). Without it (solder bridges SB16/SB50 open, an ST-LINK without MCO) use HSI. */
  uint32_t use_hse = 0;
  tr_mmio_clr(RCC_CR, 1u << 16);
  tr_mmio_set(RCC_CR, 1u << 18);                    /* HSEBYP */
  tr_mmio_set(RCC_CR, 1u << 16);                    /* HSEON */
  if (tr_mmio_wait(RCC_CR, 1u << 17, 1u << 17, READY_TRIES)) {
    use_hse = 1;
  } else {
    tr_mmio_clr(RCC_CR, 1u << 16);                  /* HSEON off first: HSEBYP only changes with HSE off */
    tr_mmio_clr(RCC_CR, 1u << 18);
  }
  uint32_t m = use_hse ? TR_F446_PLLM_HSE : TR_F446_PLLM_HSI;
  uint32_t src_hz = use_hse ? TR_F446_HSE_HZ : TR_F446_HSI_HZ;

  /* §6.3.2 RCC_PLLCFGR: P is coded (P/2 - 1); PLLSRC 1 = HSE. */
  tr_mmio_wr(RCC_PLLCFGR, m | (TR_F446_PLLN << 6) | ((TR_F446_PLLP / 2u - 1u) << 16) |
                              (use_hse << 22) | (TR_F446_PLLQ << 24) | (TR_F446_PLLR << 28));

  /* §5.4.1 PWR_CR.VOS (scale 1 = 11): written with the PLL off, applied when it turns on. */
  tr_mmio_set(RCC_APB1ENR, 1u << 28);               /* PWREN */
  (void)tr_mmio_rd(RCC_APB1ENR);                    /* §6.3.13: a read waits out the enable delay */
  tr_mmio_field(PWR_CR, 3u << 14, (TR_F446_VOS_SCALE == 1u ? 3u : TR_F446_VOS_SCALE == 2u ? 2u : 1u) << 14);

  tr_mmio_set(RCC_CR, 1u << 24);                    /* PLLON */

#if TR_F446_OVERDRIVE
  /* §5.1.4: ODEN, wait ODRDY; then ODSWEN, wait ODSWRDY. */
  tr_mmio_set(PWR_CR, 1u << 16);
  if (!tr_mmio_wait(PWR_CSR, 1u << 16, 1u << 16, READY_TRIES)) { fall_back("overdrive_timeout"); return; }
  tr_mmio_set(PWR_CR, 1u << 17);
  if (!tr_mmio_wait(PWR_CSR, 1u << 17, 1u << 17, READY_TRIES)) { fall_back("overdrive_switch_timeout"); return; }
#endif

  /* §3.4.1: the new latency first, confirmed by reading FLASH_ACR back, then the faster clock.
   * ART accelerator (§3.4.2): caches reset while disabled, then prefetch + I-cache + D-cache. */
  tr_mmio_clr(FLASH_ACR, (1u << 9) | (1u << 10));
  tr_mmio_set(FLASH_ACR, (1u << 11) | (1u << 12));  /* ICRST, DCRST */
  tr_mmio_clr(FLASH_ACR, (1u << 11) | (1u << 12));
  tr_mmio_wr(FLASH_ACR, TR_F446_FLASH_WS | (1u << 8) | (1u << 9) | (1u << 10));
  if ((tr_mmio_rd(FLASH_ACR) & 0xFu) != TR_F446_FLASH_WS) { fall_back("flash_latency_not_set"); return; }

  /* §6.3.3: HCLK = SYSCLK / AHB, PCLK1 ≤ 45 MHz, PCLK2 ≤ 90 MHz, set before the switch. */
  tr_mmio_field(RCC_CFGR, (0xFu << 4) | (7u << 10) | (7u << 13),
                (tr_rcc_hpre_code(TR_F446_AHB_DIV) << 4) | (tr_rcc_ppre_code(TR_F446_APB1_DIV) << 10) | (tr_rcc_ppre_code(TR_F446_APB2_DIV) << 13));

  if (!tr_mmio_wait(RCC_CR, 1u << 25, 1u << 25, READY_TRIES)) { fall_back("pll_lock_timeout"); return; }
  tr_mmio_field(RCC_CFGR, 3u, SW_PLL);
  if (!tr_mmio_wait(RCC_CFGR, 3u << 2, SW_PLL << 2, READY_TRIES)) { fall_back("sysclk_switch_timeout"); return; }

  uint32_t sys = src_hz / m * TR_F446_PLLN / TR_F446_PLLP;
  clock.hz = sys / TR_F446_AHB_DIV;
  clock.osc = use_hse ? "hse_bypass_pll" : "hsi_pll";
  apb1_hz = clock.hz / TR_F446_APB1_DIV;
}

/* DWT cycles over LSE periods captured by TIM5 channel 4 (§18.4.19 TI4_RMP = LSE). */
static void measure(void) {
  tr_mmio_set(RCC_APB1ENR, 1u << 28);               /* PWREN */
  tr_mmio_set(PWR_CR, 1u << 8);                     /* DBP: backup domain (RCC_BDCR) writable */
  if (!(tr_mmio_rd(RCC_BDCR) & (1u << 1))) tr_mmio_set(RCC_BDCR, 1u); /* LSEON */
  if (!tr_dwt_wait(RCC_BDCR, 1u << 1, 1u << 1, LSE_START_S * clock.hz)) return; /* no LSE: configured */

  tr_mmio_set(RCC_APB1ENR, 1u << 3);                /* TIM5EN */
  (void)tr_mmio_rd(RCC_APB1ENR);
  tr_mmio_field(TIM5_OR, 3u << 6, 2u << 6);         /* TI4 = LSE */
  tr_mmio_field(TIM5_CCMR2, (3u << 8) | (3u << 10), (1u << 8) | (3u << 10)); /* IC4 on TI4, /8 */
  tr_mmio_set(TIM5_CCER, 1u << 12);                 /* CC4E */
  tr_mmio_set(TIM5_CR1, 1u);                        /* CEN */
  uint32_t per_capture = clock.hz / TR_LSE_HZ * LSE_EDGES_PER_CAPTURE;
  uint64_t cycles = tr_dwt_cycles_over_captures(TIM5_SR, 1u << 4, TIM5_CCR4, LSE_CAPTURES, 4u * per_capture);
  tr_mmio_clr(TIM5_CR1, 1u);
  tr_mmio_clr(TIM5_CCER, 1u << 12);
  tr_mmio_clr(RCC_APB1ENR, 1u << 3);
  if (!cycles) { clock.ref = "lse_stopped"; return; }
  clock.hz = tr_clock_hz_from(cycles, LSE_CAPTURES * LSE_EDGES_PER_CAPTURE, TR_LSE_HZ);
  clock.source = TR_CLOCK_MEASURED;
  clock.ref = "lse";
}

void tr_clock_init(void) {
  tr_dwt_start();
  pll_up();
  measure();
}

uint32_t tr_clock_uart_hz(void) { return apb1_hz; }
const tr_clock_t *tr_board_clock(void) { return &clock; }
