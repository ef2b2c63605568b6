// TFLite-Micro's interpreter with Arm's CMSIS-NN kernels (what most Cortex-M products ship).
import { tflmBackend } from './tflm-common.ts';

// CMSIS-NN is Arm's kernel library (DSP/MVE paths, portable C otherwise): Arm boards, and the host
// (its portable C, for checking outputs without a board).
export const backend = tflmBackend('tflm-cmsis-nn', 'cmsis_nn', 'TFLite-Micro interpreter, CMSIS-NN kernels', ['arm', 'host']);
