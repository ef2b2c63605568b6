/* Per-op profile: the contract between a profiled model (AoT with profiling on, or the
 * TFLite-Micro backend's MicroProfiler hook) and the harness that prints it after the timed
 * inferences (PROF / PROFOP records, docs/serial-format.md).
 *
 * A profiled model reads the board counter (tr_board_count) before its first op and after
 * every op of tr_model_invoke and keeps the reads in a static array: nothing is printed while
 * the inference runs, so the time to print is never counted. Interval k (stamps[k+1] -
 * stamps[k]) holds op k and one counter read; the read's own cost is measured separately
 * (cal_count over cal_reads back-to-back reads) so the host can take it off each interval. */
#ifndef TR_PROFILE_H
#define TR_PROFILE_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint32_t ops;              /* ops in execution order */
  const uint16_t *index;     /* graph op index of each entry */
  const char *const *kind;   /* op kind (e.g. "CONV_2D"), no spaces */
  const uint64_t *stamps;    /* ops + 1 counter reads of the last inference */
  uint32_t cal_reads;        /* back-to-back counter reads measured ... */
  uint64_t cal_count;        /* ... and what they cost together (counter units) */
} tr_profile_t;

/* The profile of the last inference, or NULL when the model was built without profiling
 * (a weak default in tr_report.c returns NULL). May measure cal_* on each call. */
const tr_profile_t *tr_model_profile(void);

/* Prints PROF and PROFOP records of tr_model_profile(); nothing when it is NULL. */
void tr_profile_report(void);

#ifdef __cplusplus
}
#endif
#endif
