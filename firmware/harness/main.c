/* The firmware harness: boot banner, model set-up, warm-up, N timed inferences with stack
 * high-water marks, outputs, end. Everything it prints is a TR1 record (docs/serial-format.md).
 * It knows the model only through tr_model.h, and the board only through tr_board.h. */
#include <string.h>
#include "tr_board.h"
#include "tr_golden.h"
#include "tr_model.h"
#include "tr_profile.h"
#include "tr_report.h"

#ifndef TR_FW_ID
#define TR_FW_ID "unknown"
#endif
#ifndef TR_WARMUP
#define TR_WARMUP 1
#endif
#ifndef TR_REPS
#define TR_REPS 3
#endif
/* The host port runs the harness on its own stack and calls it under another name. */
#ifndef TR_HARNESS_MAIN
#define TR_HARNESS_MAIN main
#endif

/* Painted into the unused stack at boot and before each inference; the lowest word that no
 * longer holds it is the deepest the stack went. */
#define STACK_PAINT 0xc5a3e17bu
/* Words left unpainted just below the painting function's own frame. */
#define STACK_GUARD_BYTES 64u

static const char *dtype_name(tr_dtype_t t) {
  switch (t) {
    case TR_DT_FLOAT32: return "float32";
    case TR_DT_INT8: return "int8";
    case TR_DT_UINT8: return "uint8";
    case TR_DT_INT16: return "int16";
    case TR_DT_INT32: return "int32";
  }
  return "unknown";
}

static __attribute__((noinline)) void stack_paint(void) {
  uintptr_t bottom, top;
  tr_board_stack_bounds(&bottom, &top);
  (void)top;
  uintptr_t here = (uintptr_t)__builtin_frame_address(0);
  uintptr_t end = (here - STACK_GUARD_BYTES) & ~(uintptr_t)3;
  for (volatile uint32_t *p = (volatile uint32_t *)((bottom + 3) & ~(uintptr_t)3);
       (uintptr_t)p < end; p++) {
    *p = STACK_PAINT;
  }
}

/* Bytes of stack ever used: from the top down to the lowest overwritten word. */
static __attribute__((noinline)) uint32_t stack_high_water(void) {
  uintptr_t bottom, top;
  tr_board_stack_bounds(&bottom, &top);
  const volatile uint32_t *p = (const volatile uint32_t *)((bottom + 3) & ~(uintptr_t)3);
  while ((uintptr_t)p < top && *p == STACK_PAINT) p++;
  return (uint32_t)(top - (uintptr_t)p);
}

static __attribute__((noinline, noreturn)) void fail(uint32_t code, const char *msg) {
  tr_rec_begin("ERR");
  tr_rec_u32("code", code);
  tr_rec_str("msg", msg);
  tr_rec_end();
  tr_rec_begin("END");
  tr_rec_u32("status", code);
  tr_rec_end();
  tr_board_exit((int)code);
}

/* Copies the compiled-in golden input into the model's input tensors. Done before every
 * inference: the planner may reuse the input's arena bytes for later activations. */
static __attribute__((noinline)) void load_inputs(void) {
  for (int i = 0; i < tr_model_info()->num_inputs; i++) {
    memcpy(tr_model_input(i), tr_golden_inputs[i], tr_golden_input_bytes[i]);
  }
}

/* The harness's frames under a timed inference are stack the watermark counts (it reads from
 * the top of the stack), so main keeps only the rep index and the start count live across
 * tr_model_invoke; everything else runs in the out-of-line helpers below, whose frames are
 * gone by then (main's frame was 48 B with them inlined, 24 B without: -fstack-usage,
 * arm-none-eabi-gcc 12.2 -O2, Cortex-M4). */

/* BOOT and MODEL records, the golden-input checks, tr_model_init, the warm-up inferences. */
static __attribute__((noinline)) void boot(void) {
  tr_board_init();
  tr_report_init(tr_board_write);
  stack_paint();

  tr_rec_begin("BOOT");
  tr_rec_str("fw", TR_FW_ID);
  tr_rec_str("board", TR_BOARD_ID);
  tr_rec_str("counter", TR_COUNTER_KIND);
  const tr_clock_t *clock = tr_board_clock();
  tr_rec_u32("hz", clock->hz);
  tr_rec_u32("hz_target", clock->hz_target);
  tr_rec_str("clock_source", clock->source);
  tr_rec_str("clock_fault", clock->fault);
  tr_rec_str("clock_osc", clock->osc);
  tr_rec_str("clock_ref", clock->ref);
  tr_rec_end();

  const tr_model_info_t *info = tr_model_info();
  tr_rec_begin("MODEL");
  tr_rec_str("name", info->name);
  tr_rec_str("backend", info->backend);
  tr_rec_u32("arena", info->arena_bytes);
  tr_rec_u32("warmup", TR_WARMUP);
  tr_rec_u32("reps", TR_REPS);
  tr_rec_u32("inputs", (uint32_t)info->num_inputs);
  tr_rec_u32("outputs", (uint32_t)info->num_outputs);
  tr_rec_end();

  if (info->num_inputs != TR_GOLDEN_NUM_INPUTS) fail(3, "golden_input_count_differs_from_model");
  for (int i = 0; i < info->num_inputs; i++) {
    if (tr_model_input_bytes(i) != tr_golden_input_bytes[i]) fail(3, "golden_input_size_differs_from_model");
  }
  if (tr_model_init() != 0) fail(2, "model_init_failed");

  for (int w = 0; w < TR_WARMUP; w++) {
    load_inputs();
    if (tr_model_invoke() != 0) fail(4, "invoke_failed");
  }
}

static __attribute__((noinline)) void mark_record(const char *what, uint32_t i) {
  tr_rec_begin("MARK");
  tr_rec_str("what", what);
  tr_rec_u32("i", i);
  tr_rec_end();
}

static __attribute__((noinline)) void mark_start(uint32_t i) { mark_record("start", i); }

/* The power mark ends here and in inference_records, not in main: one value fewer live in
 * main's frame across the call. */
static __attribute__((noinline, noreturn)) void invoke_failed(uint32_t i) {
  tr_board_mark(0);
  mark_record("stop", i);
  fail(4, "invoke_failed");
}

/* After timed inference i: the stop MARK and the INF record. */
static __attribute__((noinline)) void inference_records(uint64_t count, uint32_t i, uint32_t stack) {
  tr_board_mark(0);
  mark_record("stop", i);
  tr_rec_begin("INF");
  tr_rec_u32("i", i);
  tr_rec_u64("count", count);
  tr_rec_u32("stack", stack);
  tr_rec_u32("heap", tr_model_heap_bytes());
  tr_rec_u32("arena", tr_model_info()->arena_bytes);
  tr_rec_end();
}

/* Per-op counts of the last inference (kept in RAM while it ran; profiled builds only), the
 * outputs, END. */
static __attribute__((noinline, noreturn)) void final_records(void) {
  tr_profile_report();

  for (int o = 0; o < tr_model_info()->num_outputs; o++) {
    tr_rec_begin("OUT");
    tr_rec_u32("o", (uint32_t)o);
    tr_rec_str("dtype", dtype_name(tr_model_output_dtype(o)));
    tr_rec_hex("hex", tr_model_output(o), tr_model_output_bytes(o));
    tr_rec_end();
  }

  tr_rec_begin("END");
  tr_rec_u32("status", 0);
  tr_rec_end();
  tr_board_exit(0);
}

int TR_HARNESS_MAIN(void) {
  boot();
  for (uint32_t i = 0; i < TR_REPS; i++) {
    load_inputs();
    mark_start(i);
    /* Painted after the MARK line so the console driver's stack use is not counted. */
    stack_paint();
    /* The counter's interrupt (its exception frame lands on the painted stack) restarts here:
     * the watermark then depends on the inference alone, not on how long the report lines or
     * the earlier repetitions took (boards/cortex-m/port.c). */
    tr_board_count_align();
    tr_board_mark(1);
    uint64_t t0 = tr_board_count();
    int rc = tr_model_invoke();
    uint64_t count = tr_board_count() - t0;
    if (rc != 0) invoke_failed(i);
    inference_records(count, i, stack_high_water());
  }
  final_records();
}
