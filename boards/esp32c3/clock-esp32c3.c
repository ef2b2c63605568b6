/* ESP32-C3 (DevKitM-1) core clock: 160 MHz from the 480 MHz BBPLL, numbers in
 * esp32c3/clock-esp32c3.ts (TR_C3_* constants). References: ESP32-C3 Technical Reference
 * Manual v1.x, chapter 6 (reset and clock: SYSTEM_SYSCLK_CONF_REG, SYSTEM_CPU_PER_CONF_REG),
 * chapter 10 (system timer), chapter 26 (UART: UART_CLK_CONF_REG, UART_CLKDIV_REG).
 *
 * The ROM loader (esptool load_ram) leaves the CPU on the 40 MHz crystal. Sequence: console
 * drained and moved to the crystal as its function clock (its baud then no longer depends on
 * APB), BBPLL powered (RTC_CNTL_OPTIONS0), configured for 480 MHz over the analog bus, given its
 * settling time, CPU period 160 MHz, SOC_CLK_SEL = PLL. The BBPLL has no lock flag on the digital
 * side; the measurement (mpccr cycles over systimer ticks, both started here) is what proves the
 * clock, and a CPU clock far from 160 MHz is reported as a fault. */
#include <stdint.h>
#include "../common/tr_mmio.h"
#include "../common/tr_clock.h"

#define SYSTEM_CPU_PER_CONF 0x600C0008u  /* CPUPERIOD_SEL 1:0, PLL_FREQ_SEL 2 */
#define SYSTEM_SYSCLK_CONF 0x600C0058u   /* PRE_DIV_CNT 9:0, SOC_CLK_SEL 11:10 (0 XTAL, 1 PLL) */
#define RTC_CNTL_OPTIONS0 0x60008000u    /* BB_I2C_FORCE_PD 6, BBPLL_I2C_FORCE_PD 8, BBPLL_FORCE_PD 10 */
#define I2C_MST_ANA_CONF0 0x6000E040u    /* BBPLL_STOP_FORCE_LOW 2, BBPLL_STOP_FORCE_HIGH 3 */
#define UART0_CLKDIV 0x60000014u         /* CLKDIV 11:0, FRAG 23:20 */
#define UART0_STATUS 0x6000001Cu         /* TXFIFO_CNT 25:16 */
#define UART0_CLK_CONF 0x60000078u       /* SCLK_DIV_NUM 19:12, SCLK_SEL 21:20 (3 = XTAL), SCLK_EN 22 */
#define UART0_ID 0x60000080u             /* REG_UPDATE 31: copies the configuration into the UART's clock domain */
#define SYSTIMER_CONF 0x60023000u        /* TIMER_UNIT0_WORK_EN 30 (on at reset) */
#define SYSTIMER_UNIT0_OP 0x60023004u    /* UPDATE 30, VALUE_VALID 29 */
#define SYSTIMER_UNIT0_LO 0x60023044u

/* BBPLL registers on the analog bus (block 0x66, host 0) and their values for 40 MHz → 480 MHz. */
#define I2C_BBPLL 0x66u
#define BBPLL_MODE_HF 4u
#define BBPLL_OC_REF_DIV 2u   /* DCHGP 6:4, REF_DIV 3:0 */
#define BBPLL_OC_DIV_7_0 3u
#define BBPLL_OC_DR 5u        /* DR1 2:0, DR3 6:4 */
#define BBPLL_OC_DCUR 6u      /* DLREF_SEL 7:6, DHREF_SEL 5:4, DCUR 2:0 */
#define BBPLL_OC_VCO_DBIAS 9u /* 1:0 */

#define READY_TRIES 200000u
/* BBPLL settling before the CPU is switched to it (ESP-IDF waits 50..80 µs): 200 µs of
 * systimer ticks. */
#define PLL_SETTLE_TICKS (TR_C3_SYSTIMER_HZ / 5000u)
/* Measurement window: 1,000,000 systimer ticks = 62.5 ms. */
#define SYSTIMER_TICKS 1000000u

typedef void (*rom_i2c_write_t)(uint8_t block, uint8_t host, uint8_t reg, uint8_t data);
typedef void (*rom_i2c_write_mask_t)(uint8_t block, uint8_t host, uint8_t reg, uint8_t msb, uint8_t lsb, uint8_t data);

#ifdef TR_MMIO_TRACE
/* Host trace: analog-bus writes are logged as writes to 0xA0000000 | block << 16 | reg << 8
 * (masked ones with msb/lsb in the value's upper bits), mpccr is the model's cycle counter. */
static void bbpll_write(uint8_t reg, uint8_t data) { tr_mmio_wr(0xA0000000u | (I2C_BBPLL << 16) | ((uint32_t)reg << 8), data); }
static void bbpll_write_mask(uint8_t reg, uint8_t msb, uint8_t lsb, uint8_t data) {
  tr_mmio_wr(0xA0000000u | (I2C_BBPLL << 16) | ((uint32_t)reg << 8), ((uint32_t)msb << 16) | ((uint32_t)lsb << 8) | data);
}
#define CYCLES() tr_mmio_rd(0xFFFFFFF0u)
#define CYCLES_START() ((void)0)
#else
static void bbpll_write(uint8_t reg, uint8_t data) { ((rom_i2c_write_t)TR_C3_ROM_I2C_WRITEREG)(I2C_BBPLL, 0, reg, data); }
static void bbpll_write_mask(uint8_t reg, uint8_t msb, uint8_t lsb, uint8_t data) {
  ((rom_i2c_write_mask_t)TR_C3_ROM_I2C_WRITEREG_MASK)(I2C_BBPLL, 0, reg, msb, lsb, data);
}
/* mpccr (CSR 0x7e2) counts cycles once mpcer (0x7e0) selects cycles and mpcmr (0x7e1) enables it. */
static inline uint32_t CYCLES(void) { uint32_t v; __asm volatile("csrr %0, 0x7e2" : "=r"(v)); return v; }
#define CYCLES_START() do { __asm volatile("csrw 0x7e0, %0" ::"r"(1u)); __asm volatile("csrw 0x7e1, %0" ::"r"(1u)); } while (0)
#endif

static tr_clock_t clock = {
  .hz = TR_C3_XTAL_HZ, .hz_target = TR_CLOCK_HZ, .source = TR_CLOCK_CONFIGURED, .fault = "none", .osc = "xtal", .ref = "none",
};

/* Systimer unit 0, low word: latch (UPDATE), wait for VALUE_VALID, read. 0 and ok = 0 if the
 * latch never completes. */
static uint32_t systimer_now(int *ok) {
  tr_mmio_wr(SYSTIMER_UNIT0_OP, 1u << 30);
  *ok = tr_mmio_wait(SYSTIMER_UNIT0_OP, 1u << 29, 1u << 29, READY_TRIES);
  return *ok ? tr_mmio_rd(SYSTIMER_UNIT0_LO) : 0u;
}

/* Console on the crystal: SCLK_SEL = XTAL, no pre-divider; baud = 40 MHz / (CLKDIV + FRAG/16). */
static void uart_to_xtal(void) {
  (void)tr_mmio_wait(UART0_STATUS, 0x3FFu << 16, 0u, READY_TRIES); /* let the ROM's bytes out */
  tr_mmio_field(UART0_CLK_CONF, (0xFFu << 12) | (3u << 20) | (1u << 22), (3u << 20) | (1u << 22));
  uint32_t div16 = (16u * TR_C3_UART_CLOCK_HZ + TR_BAUD / 2u) / TR_BAUD;
  tr_mmio_wr(UART0_CLKDIV, ((div16 & 0xFu) << 20) | (div16 >> 4));
  tr_mmio_set(UART0_ID, 1u << 31);
  (void)tr_mmio_wait(UART0_ID, 1u << 31, 0u, READY_TRIES);
}

static void pll_up(void) {
  tr_mmio_set(SYSTIMER_CONF, 1u << 30);                 /* §10.5: unit 0 counting (the time base) */
  /* §6.2: power the BBPLL and its analog bus, release the bus's BBPLL stop. */
  tr_mmio_clr(RTC_CNTL_OPTIONS0, (1u << 6) | (1u << 8) | (1u << 10));
  tr_mmio_clr(I2C_MST_ANA_CONF0, 1u << 3);
  tr_mmio_set(I2C_MST_ANA_CONF0, 1u << 2);
  /* The digital side is told the PLL runs at 480 MHz, then the dividers for a 40 MHz crystal. */
  tr_mmio_set(SYSTEM_CPU_PER_CONF, 1u << 2);
  bbpll_write(BBPLL_MODE_HF, 0x6B);
  bbpll_write(BBPLL_OC_REF_DIV, (5u << 4) | 0u);       /* DCHGP 5, REF_DIV 0 */
  bbpll_write(BBPLL_OC_DIV_7_0, 8u);
  bbpll_write_mask(BBPLL_OC_DR, 2, 0, 0u);             /* DR1 */
  bbpll_write_mask(BBPLL_OC_DR, 6, 4, 0u);             /* DR3 */
  bbpll_write(BBPLL_OC_DCUR, (1u << 6) | (2u << 4) | 3u); /* DLREF_SEL 1, DHREF_SEL 2, DCUR 3 */
  bbpll_write_mask(BBPLL_OC_VCO_DBIAS, 1, 0, 2u);

  int ok;
  uint32_t t0 = systimer_now(&ok);
  while (ok && systimer_now(&ok) - t0 < PLL_SETTLE_TICKS) {}
  if (!ok) { clock.fault = "systimer_timeout"; return; }

  /* §6.2.4: CPU = PLL / 3 = 160 MHz (CPUPERIOD_SEL 1), no pre-divider, then SOC_CLK_SEL = PLL. */
  tr_mmio_field(SYSTEM_CPU_PER_CONF, 3u, TR_C3_CPUPERIOD_SEL);
  tr_mmio_field(SYSTEM_SYSCLK_CONF, 0x3FFu | (3u << 10), 1u << 10);
  clock.hz = TR_C3_PLL_HZ / TR_C3_CPU_DIV;
  clock.osc = "xtal_bbpll";
}

/* mpccr cycles over SYSTIMER_TICKS systimer ticks. */
static void measure(void) {
  CYCLES_START();
  int ok;
  uint32_t s0 = systimer_now(&ok);
  uint32_t c0 = CYCLES();
  uint32_t s1 = s0, c1 = c0;
  while (ok && s1 - s0 < SYSTIMER_TICKS) {
    s1 = systimer_now(&ok);
    c1 = CYCLES();
  }
  if (!ok) { clock.ref = "systimer_stopped"; return; }
  uint32_t hz = tr_clock_hz_from((uint32_t)(c1 - c0), s1 - s0, TR_C3_SYSTIMER_HZ);
  clock.source = TR_CLOCK_MEASURED;
  clock.ref = "systimer";
  /* No lock flag to wait for: a CPU clock 2 % or more off what was configured is a fault. */
  if (clock.fault[0] == 'n' && (hz < clock.hz - clock.hz / 50u || hz > clock.hz + clock.hz / 50u)) clock.fault = "pll_rate_wrong";
  clock.hz = hz;
}

void tr_clock_init(void) {
  uart_to_xtal();
  pll_up();
  measure();
}

uint32_t tr_clock_uart_hz(void) { return TR_C3_UART_CLOCK_HZ; }
const tr_clock_t *tr_board_clock(void) { return &clock; }
