// RESHAPE: the values are unchanged, only the shape differs (copied so that no two tensors
// share storage). Any dtype; element counts must agree. SQUEEZE (squeeze.ts) shares this.
import type { Kernel, KernelArgs, TensorData } from '../types.ts';
import { elementCount, input, opError, output } from './common.ts';

export function copyAs(args: KernelArgs): TensorData[] {
  const { data, tensor } = input(args, 0);
  const yt = output(args);
  if (tensor.dtype !== yt.dtype) throw opError(args, `input dtype ${tensor.dtype} != output dtype ${yt.dtype}`);
  if (elementCount(tensor.shape) !== elementCount(yt.shape)) {
    throw opError(args, `cannot reshape [${tensor.shape}] (${elementCount(tensor.shape)} values) to [${yt.shape}]`);
  }
  return [data.slice()];
}

export const reshape: Kernel<'RESHAPE'> = copyAs;
