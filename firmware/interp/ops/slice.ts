// SLICE: begin and size (size -1 = to the end of the axis).
import type { Kernel } from '../types.ts';
import { toNumbers } from '../tensor-data.ts';
import { input, opError } from './common.ts';
import { gatherBox } from './slice-common.ts';

export const slice: Kernel<'SLICE'> = (args) => {
  const { data: x, tensor: xt } = input(args, 0);
  const begin = toNumbers(input(args, 1).data);
  const size = toNumbers(input(args, 2).data);
  const rank = xt.shape.length;
  if (begin.length !== rank || size.length !== rank) throw opError(args, `begin/size have ${begin.length}/${size.length} entries, input rank is ${rank}`);
  const stop = size.map((s, d) => (s === -1 ? xt.shape[d]! : begin[d]! + s));
  for (let d = 0; d < rank; d++) {
    if (begin[d]! < 0 || stop[d]! > xt.shape[d]! || stop[d]! < begin[d]!) {
      throw opError(args, `slice begin ${begin[d]} size ${size[d]} out of range for axis ${d} of size ${xt.shape[d]}`);
    }
  }
  return [gatherBox(args, x, xt.shape, begin, stop, begin.map(() => 1))];
};
