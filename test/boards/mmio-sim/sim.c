/* The generic part of the register model (see sim.h): storage, access log, time, runaway guard. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim.h"
#include "tr_board.h"

void tr_clock_init(void);
void tr_family_init(void);
uint32_t tr_clock_uart_hz(void);

#define MAX_REGS 1024
/* A wait that never ends shows up as a run that never stops: stop it and say so. */
#define MAX_ACCESSES 400000000ull

static uint32_t addrs[MAX_REGS];
static uint32_t values[MAX_REGS];
static int nregs;
static uint64_t accesses;
uint64_t sim_cycles;
double sim_seconds;
uint32_t sim_access_cycles = 4;

int sim_failed(const char *what) {
  const char *f = getenv("SIM_FAIL");
  if (!f) return 0;
  size_t n = strlen(what);
  for (const char *p = f; (p = strstr(p, what)) != NULL; p += n) {
    if ((p == f || p[-1] == ',') && (p[n] == '\0' || p[n] == ',')) return 1;
  }
  return 0;
}

static int slot(uint32_t addr) {
  for (int i = 0; i < nregs; i++) if (addrs[i] == addr) return i;
  if (nregs == MAX_REGS) { fprintf(stderr, "sim: too many registers\n"); exit(3); }
  addrs[nregs] = addr;
  values[nregs] = chip_reset_value(addr);
  return nregs++;
}

uint32_t sim_get(uint32_t addr) { return values[slot(addr)]; }
void sim_put(uint32_t addr, uint32_t value) { values[slot(addr)] = value; }

static void tick(void) {
  if (++accesses > MAX_ACCESSES) {
    printf("RUNAWAY\n");
    fflush(stdout);
    exit(4);
  }
  sim_cycles += sim_access_cycles;
  sim_seconds += sim_access_cycles / chip_core_hz();
}

uint32_t tr_mmio_rd(uint32_t addr) {
  tick();
  return chip_read(addr, sim_get(addr));
}

void tr_mmio_wr(uint32_t addr, uint32_t value) {
  static uint32_t last_addr, last_value;
  static int logged;
  tick();
  /* A write repeating the previous one (a latch strobe in a polling loop) is logged once. */
  if (!logged || addr != last_addr || value != last_value) printf("W %08x %08x\n", addr, value);
  logged = 1;
  last_addr = addr;
  last_value = value;
  sim_put(addr, value);
  chip_write(addr, value);
}

/* Drivers written with lvalue registers (the UARTs) use the storage directly: not logged, the
 * final values are printed at the end. */
volatile uint32_t *tr_mmio_at(uint32_t addr) { return (volatile uint32_t *)&values[slot(addr)]; }

int main(void) {
  const char *step = getenv("SIM_ACCESS_CYCLES");
  if (step && atoi(step) > 0) sim_access_cycles = (uint32_t)atoi(step);
  tr_clock_init();
  tr_family_init();
  const tr_clock_t *c = tr_board_clock();
  printf("CLOCK hz=%u hz_target=%u source=%s fault=%s osc=%s ref=%s uart_hz=%u\n", c->hz, c->hz_target, c->source,
         c->fault, c->osc, c->ref, tr_clock_uart_hz());
  printf("TRUE core_hz=%.0f\n", chip_core_hz());
  for (int i = 0; i < nregs; i++) printf("REG %08x %08x\n", addrs[i], values[i]);
  return 0;
}
