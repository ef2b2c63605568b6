// A model whose inference never returns: firmware that boots, reports BOOT and MODEL, then hangs
// in tr_model_invoke. Built by the real pipeline as a prepared model (tr_model.h implemented in C).
import type { PreparedModel } from '../../firmware/build/index.ts';

const C = `#include "tr_model.h"
static int8_t tensor_in[4];
static int8_t tensor_out[4];
static const tr_model_info_t info = { "hang_model", "aot", 16, 1, 1 };
const tr_model_info_t *tr_model_info(void) { return &info; }
int tr_model_init(void) { return 0; }
void *tr_model_input(int i) { (void)i; return tensor_in; }
size_t tr_model_input_bytes(int i) { (void)i; return sizeof tensor_in; }
tr_dtype_t tr_model_input_dtype(int i) { (void)i; return TR_DT_INT8; }
int tr_model_invoke(void) { for (;;) { __asm__ volatile(""); } return 0; }
const void *tr_model_output(int i) { (void)i; return tensor_out; }
size_t tr_model_output_bytes(int i) { (void)i; return sizeof tensor_out; }
tr_dtype_t tr_model_output_dtype(int i) { (void)i; return TR_DT_INT8; }
uint32_t tr_model_heap_bytes(void) { return 0; }
`;

export const hangModel: PreparedModel = {
  name: 'hang_model',
  files: { 'hang_model.c': C },
  arenaBytes: 16,
  weightsBytes: 0,
  inputs: [new Uint8Array(4)],
  expectedOutputs: [{ dtype: 'int8', hex: '00000000' }],
};
