// AVERAGE_POOL_2D (int8, float32): the mean of each window clipped to the input; see pool-common.ts.
import type { Kernel } from '../types.ts';
import { pool } from './pool-common.ts';

export const averagePool2d: Kernel<'AVERAGE_POOL_2D'> = (args) => pool(args, false);
