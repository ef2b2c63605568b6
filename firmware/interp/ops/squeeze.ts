// SQUEEZE: drops size-1 dimensions; the values are unchanged (a copy, like RESHAPE).
import type { Kernel } from '../types.ts';
import { copyAs } from './reshape.ts';

export const squeeze: Kernel<'SQUEEZE'> = copyAs;
