/* What the MLPerf Tiny harness mode (mlperf_tiny.c) needs besides tr_model.h; the build
 * generates tr_mlperf_meta.c with these per model (firmware/build/mlperf-meta.ts). */
#ifndef TR_MLPERF_H
#define TR_MLPERF_H
#include <stddef.h>
#include <stdint.h>

/* Dequantization of each output (real = scale * (q - zero_point)), for m-results; float32
 * outputs have scale 1, zero point 0 and are printed as they are. */
extern const float tr_mlperf_output_scale[];
extern const int32_t tr_mlperf_output_zero_point[];
/* The model-version string m-model-[...] reports (the model's name). */
extern const char tr_mlperf_model_version[];
/* The `db` buffer: every input tensor's bytes, concatenated in input order. */
extern uint8_t tr_mlperf_db[];
extern const size_t tr_mlperf_db_bytes;

#endif
