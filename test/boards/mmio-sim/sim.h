/* A register-level model of a chip's clock tree for tests: the board's clock and UART code are
 * compiled for the host with TR_MMIO_TRACE, every register access lands here, every write is
 * logged ("W <addr> <value>"), and a chip file (stm32f446.c, ...) models what the reference
 * manual says the hardware does in return: ready flags that follow their enable bits, the
 * clock switch status, counters that advance with simulated time at the clock the registers
 * select. test/boards/clock-registers.test.ts replays the log against the manual's rules.
 * SIM_FAIL (comma-separated names) makes parts of the model never come up. */
#ifndef SIM_H
#define SIM_H
#include <stdint.h>

/* Simulated time: every register access costs sim_access_cycles core cycles (SIM_ACCESS_CYCLES
 * in the environment, default 4) at the core clock the registers select at that moment. Runs
 * that wait out long time-outs use a coarser step. */
extern uint32_t sim_access_cycles;
extern uint64_t sim_cycles;
extern double sim_seconds;

int sim_failed(const char *what);
uint32_t sim_get(uint32_t addr);
void sim_put(uint32_t addr, uint32_t value);

/* Chip model. */
uint32_t chip_reset_value(uint32_t addr);
/* Value a read returns, given the stored one (ready flags, counters). */
uint32_t chip_read(uint32_t addr, uint32_t stored);
/* Side effects of a write, after the value is stored. */
void chip_write(uint32_t addr, uint32_t value);
/* Core clock the registers select now, Hz. */
double chip_core_hz(void);
#endif
