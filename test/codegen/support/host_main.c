/* Host test driver for generated models: reads `count` samples (all inputs of one sample
 * back to back) from argv[1], runs the model on each and appends all outputs to argv[2]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tr_model.h"

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s in.bin out.bin count\n", argv[0]); return 2; }
  FILE *in = fopen(argv[1], "rb");
  FILE *out = fopen(argv[2], "wb");
  if (!in || !out) { fprintf(stderr, "cannot open files\n"); return 2; }
  const int count = atoi(argv[3]);
  const tr_model_info_t *info = tr_model_info();
  if (tr_model_init() != 0) { fprintf(stderr, "init failed\n"); return 3; }
  for (int s = 0; s < count; s++) {
    for (int i = 0; i < info->num_inputs; i++) {
      size_t n = tr_model_input_bytes(i);
      if (fread(tr_model_input(i), 1, n, in) != n) { fprintf(stderr, "short input\n"); return 4; }
    }
    if (tr_model_invoke() != 0) { fprintf(stderr, "invoke failed\n"); return 5; }
    for (int o = 0; o < info->num_outputs; o++) {
      fwrite(tr_model_output(o), 1, tr_model_output_bytes(o), out);
    }
  }
  fclose(in);
  fclose(out);
  return 0;
}
