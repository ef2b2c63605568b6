// TFLite-Micro's interpreter with its reference kernels (the portable baseline).
import { tflmBackend } from './tflm-common.ts';

export const backend = tflmBackend('tflm', 'reference', 'TFLite-Micro interpreter, reference kernels');
