// LOGISTIC: int8 through TFLite's 256-entry lookup table; float32 computes 1 / (1 + exp(-x)).
import { logisticF32 } from '../../ir/quant.ts';
import { lutActivation } from './lut-activation.ts';

export const logistic = lutActivation<'LOGISTIC'>(logisticF32, (x) => 1 / (1 + Math.exp(-x)));
