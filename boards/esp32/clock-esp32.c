/* ESP32 (DevKitC) core clock: 240 MHz from the 480 MHz BBPLL, numbers in esp32/clock-esp32.ts
 * (TR_ESP32_* constants). References: ESP32 Technical Reference Manual v4.x, chapter 3 (reset
 * and clock: RTC_CNTL_CLK_CONF_REG.SOC_CLK_SEL, DPORT_CPU_PER_CONF_REG), chapter 18 (timer
 * group: RTC calibration), chapter 14 (UART_CLKDIV_REG). Untested on silicon here: no Xtensa
 * toolchain on the development machine; the register sequence is checked on the host
 * (test/boards/clock-registers.test.ts).
 *
 * The ROM loader leaves the CPU on the 40 MHz crystal. Sequence: BBPLL powered
 * (RTC_CNTL_OPTIONS0) and given its calibration defaults, core voltage raised for 240 MHz,
 * BBPLL set to 480 MHz, settle, CPU period, SOC_CLK_SEL = PLL, console divisor for the 80 MHz
 * APB. No lock flag exists on the digital side: the measurement proves the clock (CCOUNT
 * cycles over a window whose length the RTC calibration unit counts in crystal cycles), and a
 * clock 2 % or more off is reported as a fault. */
#include <stdint.h>
#include "../common/tr_mmio.h"
#include "../common/tr_clock.h"

#define RTC_CNTL_OPTIONS0 0x3FF48000u  /* BB_I2C_FORCE_PD 6, BBPLL_I2C_FORCE_PD 8, BBPLL_FORCE_PD 10, BIAS_I2C_FORCE_PD 18 */
#define RTC_CNTL_CLK_CONF 0x3FF48070u  /* SOC_CLK_SEL 28:27 (0 XTAL, 1 PLL) */
#define RTC_CNTL_REG 0x3FF4807Cu       /* DIG_DBIAS_WAK 13:11 */
#define DPORT_CPU_PER_CONF 0x3FF0003Cu /* CPUPERIOD_SEL 1:0 (0 80, 1 160, 2 240 MHz) */
#define EFUSE_BLK0_RDATA5 0x3FF5A014u  /* RD_VOL_LEVEL_HP_INV 25:24 */
#define TIMG0_RTCCALICFG 0x3FF5F068u   /* START_CYCLING 12, CLK_SEL 14:13, RDY 15, MAX 30:16, START 31 */
#define TIMG0_RTCCALICFG1 0x3FF5F06Cu  /* VALUE 31:7: crystal cycles counted */
#define UART0_CLKDIV 0x3FF40014u       /* CLKDIV 19:0, FRAG 23:20 */
#define UART0_STATUS 0x3FF4001Cu       /* TXFIFO_CNT 23:16 */

/* BBPLL on the analog bus: block 0x66, host 4. */
#define I2C_BBPLL 0x66u
#define I2C_BBPLL_HOST 4u
#define DBIAS_1V25 7u

#define READY_TRIES 200000u

#ifdef TR_MMIO_TRACE
static void bbpll_write(uint8_t reg, uint8_t data) { tr_mmio_wr(0xA0000000u | (I2C_BBPLL << 16) | ((uint32_t)reg << 8), data); }
#define CCOUNT() tr_mmio_rd(0xFFFFFFF0u)
#else
typedef int (*rom_i2c_write_t)(uint8_t block, uint8_t host, uint8_t reg, uint8_t data);
static void bbpll_write(uint8_t reg, uint8_t data) {
  ((rom_i2c_write_t)TR_ESP32_ROM_I2C_WRITEREG)(I2C_BBPLL, I2C_BBPLL_HOST, reg, data);
}
static inline uint32_t CCOUNT(void) { uint32_t v; __asm volatile("rsr %0, ccount" : "=r"(v)); return v; }
#endif

static tr_clock_t clock = {
  .hz = TR_ESP32_XTAL_HZ, .hz_target = TR_CLOCK_HZ, .source = TR_CLOCK_CONFIGURED, .fault = "none", .osc = "xtal", .ref = "none",
};
static uint32_t apb_hz = TR_ESP32_XTAL_HZ;

static void pll_up(void) {
  /* Power the BBPLL, its analog bus and bias; calibration defaults (IR_CAL_DELAY 0x18,
   * IR_CAL_EXT_CAP 0x20, OC_ENB_FCAL 0x9A, OC_ENB_VCON 0, BBADC_CAL_7_0 0). */
  tr_mmio_clr(RTC_CNTL_OPTIONS0, (1u << 6) | (1u << 8) | (1u << 10) | (1u << 18));
  bbpll_write(0, 0x18);
  bbpll_write(1, 0x20);
  bbpll_write(4, 0x9A);
  bbpll_write(10, 0x00);
  bbpll_write(12, 0x00);
  /* 240 MHz needs the digital core at 1.25 V less this chip's trim (eFuse). */
  uint32_t dbias = DBIAS_1V25 - ((tr_mmio_rd(EFUSE_BLK0_RDATA5) >> 24) & 3u);
  tr_mmio_field(RTC_CNTL_REG, 7u << 11, dbias << 11);
  /* 480 MHz from 40 MHz: ENDIV5 0xC3, BBADC_DSMP 0x74, OC_LREF 0, OC_DIV_7_0 28, OC_DCUR 0xC6 (bw 3, dcur 6). */
  bbpll_write(11, 0xC3);
  bbpll_write(9, 0x74);
  bbpll_write(2, 0x00);
  bbpll_write(3, 28);
  bbpll_write(5, 0xC6);
  /* Settle ≥ 80 µs before use (ESP-IDF's DELAY_PLL_ENABLE): 200 µs of crystal-clocked CCOUNT. */
  uint32_t t0 = CCOUNT();
  while (CCOUNT() - t0 < TR_ESP32_XTAL_HZ / 5000u) {}

  /* Console: let the ROM's bytes out, then the divisor for APB = 80 MHz follows the switch. */
  (void)tr_mmio_wait(UART0_STATUS, 0xFFu << 16, 0u, READY_TRIES);
  tr_mmio_field(DPORT_CPU_PER_CONF, 3u, TR_ESP32_CPUPERIOD_SEL);
  tr_mmio_field(RTC_CNTL_CLK_CONF, 3u << 27, 1u << 27);
  apb_hz = TR_ESP32_APB_PLL_HZ;
  uint32_t div16 = (16u * apb_hz + TR_BAUD / 2u) / TR_BAUD;
  tr_mmio_wr(UART0_CLKDIV, ((div16 & 0xFu) << 20) | (div16 >> 4));
  clock.hz = TR_ESP32_CPU_HZ;
  clock.osc = "xtal_bbpll";
}

/* CCOUNT cycles over TR_ESP32_CALI_SLOW_CYCLES slow-clock cycles whose length the calibration
 * unit measures in crystal cycles (RTC_MUX = the slow clock, CLK_SEL 0). */
static void measure(void) {
  /* One-shot (START_CYCLING off, on at reset), slow clock selected, MAX cycles, START 0 → 1. */
  tr_mmio_field(TIMG0_RTCCALICFG, (1u << 12) | (3u << 13) | (0x7FFFu << 16) | (1u << 31), TR_ESP32_CALI_SLOW_CYCLES << 16);
  tr_mmio_set(TIMG0_RTCCALICFG, 1u << 31);
  uint32_t c0 = CCOUNT();
  /* Bound: 4x the window at the slowest slow clock (~100 kHz) at the clock we think we have. */
  uint32_t bound = (uint32_t)((uint64_t)clock.hz / 100000u * 4u * TR_ESP32_CALI_SLOW_CYCLES);
  uint32_t c1 = c0;
  while (!(tr_mmio_rd(TIMG0_RTCCALICFG) & (1u << 15))) {
    c1 = CCOUNT();
    if (c1 - c0 > bound) { clock.ref = "rtc_cali_timeout"; return; }
  }
  c1 = CCOUNT();
  uint32_t xtal_cycles = tr_mmio_rd(TIMG0_RTCCALICFG1) >> 7;
  if (!xtal_cycles) { clock.ref = "rtc_cali_timeout"; return; }
  uint32_t hz = (uint32_t)(((uint64_t)(c1 - c0) * TR_ESP32_XTAL_HZ + xtal_cycles / 2u) / xtal_cycles);
  clock.source = TR_CLOCK_MEASURED;
  clock.ref = "xtal_cali";
  if (clock.fault[0] == 'n' && (hz < clock.hz - clock.hz / 50u || hz > clock.hz + clock.hz / 50u)) clock.fault = "pll_rate_wrong";
  clock.hz = hz;
}

void tr_clock_init(void) {
  pll_up();
  measure();
}

uint32_t tr_clock_uart_hz(void) { return apb_hz; }
const tr_clock_t *tr_board_clock(void) { return &clock; }
