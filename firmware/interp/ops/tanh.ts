// TANH: int8 through TFLite's 256-entry lookup table; float32 uses tanh directly.
import { tanhF32 } from '../../ir/quant.ts';
import { lutActivation } from './lut-activation.ts';

export const tanh = lutActivation<'TANH'>(tanhF32, Math.tanh);
