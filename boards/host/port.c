/* Host port: the firmware runs as a native process. main() of the harness is entered on a
 * 1 MiB block of memory (ucontext) so the harness can paint and measure its stack exactly as
 * on a board; the report goes to stdout; the count is CLOCK_MONOTONIC nanoseconds. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "tr_board.h"

#define HOST_STACK_BYTES (1024u * 1024u)

static unsigned char host_stack[HOST_STACK_BYTES] __attribute__((aligned(64)));
static ucontext_t harness_ctx, host_ctx;
static int harness_status;

extern int tr_harness_main(void);

void tr_board_init(void) {}

/* The count is CLOCK_MONOTONIC nanoseconds: its rate is 1 GHz by definition (TR_CLOCK_HZ). */
static const tr_clock_t host_clock = {
  .hz = TR_CLOCK_HZ, .hz_target = TR_CLOCK_HZ, .source = "configured", .fault = "none", .osc = "host", .ref = "none",
};
const tr_clock_t *tr_board_clock(void) { return &host_clock; }

void tr_board_write(const char *bytes, size_t len) {
  while (len) {
    ssize_t n = write(1, bytes, len);
    if (n <= 0) _exit(74);
    bytes += n;
    len -= (size_t)n;
  }
}

uint64_t tr_board_count(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The clock takes no interrupt: nothing to align (tr_board.h). */
void tr_board_count_align(void) {}

void tr_board_stack_bounds(uintptr_t *bottom, uintptr_t *top) {
  *bottom = (uintptr_t)host_stack;
  *top = (uintptr_t)host_stack + sizeof host_stack;
}

void tr_board_mark(int on) { (void)on; }

void tr_board_exit(int status) { _exit(status); }

static void run_harness(void) { harness_status = tr_harness_main(); }

int main(void) {
  getcontext(&harness_ctx);
  harness_ctx.uc_stack.ss_sp = host_stack;
  harness_ctx.uc_stack.ss_size = sizeof host_stack;
  harness_ctx.uc_link = &host_ctx;
  makecontext(&harness_ctx, run_harness, 0);
  swapcontext(&host_ctx, &harness_ctx);
  return harness_status;
}
