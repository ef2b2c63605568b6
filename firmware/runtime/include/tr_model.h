/* The contract between a generated model (AoT C or the TFLite-Micro backend) and the
 * firmware harness that times it and reports over serial. Both backends implement exactly
 * this; the harness knows nothing else about the model. */
#ifndef TR_MODEL_H
#define TR_MODEL_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { TR_DT_FLOAT32 = 0, TR_DT_INT8 = 1, TR_DT_UINT8 = 2, TR_DT_INT16 = 3, TR_DT_INT32 = 4 } tr_dtype_t;

typedef struct {
  const char *name;          /* model name */
  const char *backend;       /* "aot" or "tflm" */
  uint32_t arena_bytes;      /* planned arena size */
  int num_inputs;
  int num_outputs;
} tr_model_info_t;

const tr_model_info_t *tr_model_info(void);
/* One-time set-up (the TFLM backend builds its interpreter here). 0 = ok. */
int tr_model_init(void);
/* Pointer into the arena where input i lives, its size in bytes and dtype. */
void *tr_model_input(int i);
size_t tr_model_input_bytes(int i);
tr_dtype_t tr_model_input_dtype(int i);
/* Run one inference. 0 = ok. */
int tr_model_invoke(void);
const void *tr_model_output(int i);
size_t tr_model_output_bytes(int i);
tr_dtype_t tr_model_output_dtype(int i);
/* Heap bytes the backend allocated (0 for AoT: no malloc). */
uint32_t tr_model_heap_bytes(void);

#ifdef __cplusplus
}
#endif
#endif
