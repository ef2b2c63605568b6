/* The golden input compiled into the firmware; tr_golden.c is generated per build by
 * firmware/build (the bytes of one model-set sample, in the model's input dtype). */
#ifndef TR_GOLDEN_H
#define TR_GOLDEN_H
#include <stddef.h>
#include <stdint.h>

extern const int TR_GOLDEN_NUM_INPUTS_VAR;
#define TR_GOLDEN_NUM_INPUTS TR_GOLDEN_NUM_INPUTS_VAR
extern const uint8_t *const tr_golden_inputs[];
extern const size_t tr_golden_input_bytes[];

#endif
