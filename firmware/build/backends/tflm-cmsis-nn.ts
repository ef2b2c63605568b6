// TFLite-Micro's interpreter with Arm's CMSIS-NN kernels (what most Cortex-M products ship).
import { registerBackend } from './registry.ts';
import { tflmBackend } from './tflm-common.ts';

registerBackend(tflmBackend('tflm-cmsis-nn', 'cmsis_nn', 'TFLite-Micro interpreter, CMSIS-NN kernels'));
