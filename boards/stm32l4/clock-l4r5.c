/* STM32L4R5ZI (NUCLEO-L4R5ZI) core clock: 120 MHz from the PLL in range 1 boost, numbers in
 * stm32l4/clock-l4r5.ts (TR_L4R5_* constants). References are to RM0432 rev 9.
 *
 * Order (RM0432 §6.1.8 "Dynamic voltage scaling management", range 1 normal -> boost, and
 * §3.3.3 "Increasing the CPU frequency"): range 1 (VOSF clear), AHB /2, boost (R1MODE = 0),
 * wait states (read back), PLL configured while off, PLL on and locked, SYSCLK = PLL, ≥ 1 µs,
 * AHB /1. Every wait is bounded; what does not come up leaves the core on MSI 4 MHz (reset
 * state for wait states and prescalers) and names itself in `fault`. Then the clock is
 * measured with DWT cycles over LSE input captures on TIM16 channel 1. */
#include <stdint.h>
#include "../common/tr_mmio.h"
#include "../common/tr_clock.h"
#include "../cortex-m/clock-measure.h"
#include "../cortex-m/stm32-rcc.h"

/* RCC (RM0432 §6.4, base 0x40021000). */
#define RCC_CR 0x40021000u          /* MSION 0, MSIRDY 1, HSION 8, HSIRDY 10, HSEON 16, HSERDY 17, HSEBYP 18, PLLON 24, PLLRDY 25 */
#define RCC_CFGR 0x40021008u        /* SW 1:0, SWS 3:2, HPRE 7:4, PPRE1 10:8, PPRE2 13:11 */
#define RCC_PLLCFGR 0x4002100Cu     /* PLLSRC 1:0, PLLM 7:4, PLLN 14:8, PLLREN 24, PLLR 26:25 */
#define RCC_APB1ENR1 0x40021058u    /* PWREN 28 */
#define RCC_APB2ENR 0x40021060u     /* TIM16EN 17 */
#define RCC_BDCR 0x40021090u        /* LSEON 0, LSERDY 1 */
/* PWR (RM0432 §5.4, base 0x40007000). */
#define PWR_CR1 0x40007000u         /* DBP 8, VOS 10:9 (01 = range 1) */
#define PWR_SR2 0x40007014u         /* VOSF 10 */
#define PWR_CR5 0x40007080u         /* R1MODE 8 (0 = boost) */
/* FLASH (RM0432 §3.7.1, base 0x40022000). */
#define FLASH_ACR 0x40022000u       /* LATENCY 3:0, PRFTEN 8, ICEN 9, DCEN 10, ICRST 11, DCRST 12 */
/* TIM16 (RM0432 §32.6, base 0x40014400): channel 1 input remappable to the LSE
 * (TIM16_OR1.TI1_RMP = 010, §32.6.20). */
#define TIM16_CR1 0x40014400u
#define TIM16_SR 0x40014410u        /* CC1IF 1 */
#define TIM16_CCMR1 0x40014418u     /* CC1S 1:0 = 01 (IC1 on TI1), IC1PSC 3:2 */
#define TIM16_CCER 0x40014420u      /* CC1E 0 */
#define TIM16_CCR1 0x40014434u
#define TIM16_OR1 0x40014450u       /* TI1_RMP 2:0 */

#define SW_MSI 0u
#define SW_PLL 3u
#define READY_TRIES 200000u
#define LSE_START_S 3u
#define LSE_EDGES_PER_CAPTURE 8u
#define LSE_CAPTURES 256u

static tr_clock_t clock = {
  .hz = TR_L4R5_MSI_HZ, .hz_target = TR_CLOCK_HZ, .source = TR_CLOCK_CONFIGURED, .fault = "none", .osc = "msi", .ref = "none",
};
static uint32_t apb1_hz = TR_L4R5_MSI_HZ;


/* Back to the reset clock (MSI 4 MHz, prescalers /1, 0 wait states: §3.3.3 "Decreasing the CPU
 * frequency": switch first, then lower the latency). */
static void fall_back(const char *why) {
  tr_mmio_field(RCC_CFGR, 3u, SW_MSI);
  (void)tr_mmio_wait(RCC_CFGR, 3u << 2, SW_MSI << 2, READY_TRIES);
  tr_mmio_clr(RCC_CFGR, (0xFu << 4) | (7u << 8) | (7u << 11));
  tr_mmio_clr(RCC_CR, 1u << 24);
  tr_mmio_set(PWR_CR5, 1u << 8);                    /* §6.1.8: back to range 1 normal once slow */
  tr_mmio_field(FLASH_ACR, 0xFu, 0u);
  clock.hz = apb1_hz = TR_L4R5_MSI_HZ;
  clock.osc = "msi";
  clock.fault = why;
}

static void pll_up(void) {
  /* Start from MSI with the PLL off (§6.4.4: PLLCFGR is written only with PLLON = 0 and
   * PLLRDY = 0); a debugger or a previous image may have left another set-up. */
  tr_mmio_set(RCC_CR, 1u);
  if (!tr_mmio_wait(RCC_CR, 1u << 1, 1u << 1, READY_TRIES)) { clock.fault = "msi_timeout"; return; }
  tr_mmio_field(RCC_CFGR, 3u, SW_MSI);
  (void)tr_mmio_wait(RCC_CFGR, 3u << 2, SW_MSI << 2, READY_TRIES);
  tr_mmio_clr(RCC_CR, 1u << 24);
  (void)tr_mmio_wait(RCC_CR, 1u << 25, 0u, READY_TRIES);

  /* §5.1.5/§5.4.1: range 1 (VOS = 01), then wait for VOSF to clear. */
  tr_mmio_set(RCC_APB1ENR1, 1u << 28);              /* PWREN */
  (void)tr_mmio_rd(RCC_APB1ENR1);                   /* a read waits out the enable delay */
  tr_mmio_field(PWR_CR1, 3u << 9, TR_L4R5_RANGE << 9);
  if (!tr_mmio_wait(PWR_SR2, 1u << 10, 0u, READY_TRIES)) { fall_back("voltage_range_timeout"); return; }

  /* PLL source: the ST-LINK MCO as HSE bypass (§6.2.1: HSEBYP written with HSEON off), else HSI16. */
  uint32_t use_hse = 0;
  tr_mmio_clr(RCC_CR, 1u << 16);
  tr_mmio_set(RCC_CR, 1u << 18);
  tr_mmio_set(RCC_CR, 1u << 16);
  if (tr_mmio_wait(RCC_CR, 1u << 17, 1u << 17, READY_TRIES)) {
    use_hse = 1;
  } else {
    tr_mmio_clr(RCC_CR, 1u << 16);                  /* HSEON off first: HSEBYP only changes with HSE off */
    tr_mmio_clr(RCC_CR, 1u << 18);
    tr_mmio_set(RCC_CR, 1u << 8);                   /* HSION */
    if (!tr_mmio_wait(RCC_CR, 1u << 10, 1u << 10, READY_TRIES)) { fall_back("hsi_timeout"); return; }
  }
  uint32_t m = use_hse ? TR_L4R5_PLLM_HSE : TR_L4R5_PLLM_HSI;
  uint32_t src_hz = use_hse ? TR_L4R5_HSE_HZ : TR_L4R5_HSI_HZ;

  /* §6.1.8 step 1: HCLK = SYSCLK / 2 while the frequency steps up into boost territory. */
  tr_mmio_field(RCC_CFGR, 0xFu << 4, tr_rcc_hpre_code(2u) << 4);
#if TR_L4R5_BOOST
  tr_mmio_clr(PWR_CR5, 1u << 8);                    /* step 2: R1MODE = 0, range 1 boost */
#endif
  /* Step 3 (§3.3.3): wait states for the final HCLK, confirmed by reading FLASH_ACR back; caches
   * reset while disabled (§3.3.4), then prefetch + I-cache + D-cache. */
  tr_mmio_clr(FLASH_ACR, (1u << 9) | (1u << 10));
  tr_mmio_set(FLASH_ACR, (1u << 11) | (1u << 12));
  tr_mmio_clr(FLASH_ACR, (1u << 11) | (1u << 12));
  tr_mmio_wr(FLASH_ACR, TR_L4R5_FLASH_WS | (1u << 8) | (1u << 9) | (1u << 10));
  if ((tr_mmio_rd(FLASH_ACR) & 0xFu) != TR_L4R5_FLASH_WS) { fall_back("flash_latency_not_set"); return; }

  /* Step 4: PLL (§6.4.4: PLLM coded M - 1, PLLR coded R / 2 - 1, PLLSRC 10 = HSI16, 11 = HSE). */
  tr_mmio_wr(RCC_PLLCFGR, (use_hse ? 3u : 2u) | ((m - 1u) << 4) | (TR_L4R5_PLLN << 8) |
                              (1u << 24) | ((TR_L4R5_PLLR / 2u - 1u) << 25));
  tr_mmio_set(RCC_CR, 1u << 24);                    /* PLLON */
  if (!tr_mmio_wait(RCC_CR, 1u << 25, 1u << 25, READY_TRIES)) { fall_back("pll_lock_timeout"); return; }
  tr_mmio_field(RCC_CFGR, (7u << 8) | (7u << 11),
                (tr_rcc_ppre_code(TR_L4R5_APB1_DIV) << 8) | (tr_rcc_ppre_code(TR_L4R5_APB2_DIV) << 11));
  tr_mmio_field(RCC_CFGR, 3u, SW_PLL);
  if (!tr_mmio_wait(RCC_CFGR, 3u << 2, SW_PLL << 2, READY_TRIES)) { fall_back("sysclk_switch_timeout"); return; }

  /* Step 5: ≥ 1 µs at HCLK = 60 MHz (DWT cycles run at HCLK), then the final AHB divider. */
  uint32_t t0 = tr_dwt_now();
  while (tr_dwt_now() - t0 < 120u) {}
  tr_mmio_field(RCC_CFGR, 0xFu << 4, tr_rcc_hpre_code(TR_L4R5_AHB_DIV) << 4);

  clock.hz = src_hz / m * TR_L4R5_PLLN / TR_L4R5_PLLR / TR_L4R5_AHB_DIV;
  apb1_hz = clock.hz / TR_L4R5_APB1_DIV;
  clock.osc = use_hse ? "hse_bypass_pll" : "hsi_pll";
}

/* DWT cycles over LSE periods captured by TIM16 channel 1. */
static void measure(void) {
  tr_mmio_set(RCC_APB1ENR1, 1u << 28);
  tr_mmio_set(PWR_CR1, 1u << 8);                    /* DBP: RCC_BDCR writable */
  if (!(tr_mmio_rd(RCC_BDCR) & (1u << 1))) tr_mmio_set(RCC_BDCR, 1u); /* LSEON */
  if (!tr_dwt_wait(RCC_BDCR, 1u << 1, 1u << 1, LSE_START_S * clock.hz)) return;

  tr_mmio_set(RCC_APB2ENR, 1u << 17);               /* TIM16EN */
  (void)tr_mmio_rd(RCC_APB2ENR);
  tr_mmio_field(TIM16_OR1, 7u, 2u);                 /* TI1 = LSE */
  tr_mmio_field(TIM16_CCMR1, 0xFu, 1u | (3u << 2)); /* IC1 on TI1, capture every 8th edge */
  tr_mmio_set(TIM16_CCER, 1u);                      /* CC1E */
  tr_mmio_set(TIM16_CR1, 1u);                       /* CEN */
  uint32_t per_capture = clock.hz / TR_LSE_HZ * LSE_EDGES_PER_CAPTURE;
  uint64_t cycles = tr_dwt_cycles_over_captures(TIM16_SR, 1u << 1, TIM16_CCR1, LSE_CAPTURES, 4u * per_capture);
  tr_mmio_clr(TIM16_CR1, 1u);
  tr_mmio_clr(TIM16_CCER, 1u);
  tr_mmio_clr(RCC_APB2ENR, 1u << 17);
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

/* LPUART1's kernel clock: PCLK1 (RCC_CCIPR.LPUART1SEL = 00, the reset value). */
uint32_t tr_clock_uart_hz(void) { return apb1_hz; }
const tr_clock_t *tr_board_clock(void) { return &clock; }
