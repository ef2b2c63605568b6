// MAX_POOL_2D (int8, float32): the maximum of each window clipped to the input; see pool-common.ts.
import type { Kernel } from '../types.ts';
import { pool } from './pool-common.ts';

export const maxPool2d: Kernel<'MAX_POOL_2D'> = (args) => pool(args, true);
