// TFLite-Micro's interpreter with its reference kernels (the portable baseline).
import { registerBackend } from './registry.ts';
import { tflmBackend } from './tflm-common.ts';

registerBackend(tflmBackend('tflm', 'reference', 'TFLite-Micro interpreter, reference kernels'));
