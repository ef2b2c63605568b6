// RESIDUAL_BLOCK (internal, see ir/graph.ts): ADD(CONV_2D_B(CONV_2D_A(X)), X) by the three
// builtin kernels themselves, so the fused op is exactly the ops it replaces. The working-row
// outputs are scratch in the C backend (contents unspecified); here they come back as zeros.
import type { Op, Tensor } from '../../ir/graph.ts';
import type { Kernel, KernelArgs, TensorData } from '../types.ts';
import { add } from './add.ts';
import { conv2d } from './conv-2d.ts';
import { input, opError, output } from './common.ts';

export const residualBlock: Kernel<'RESIDUAL_BLOCK'> = (args) => {
  const o = args.op.options;
  const { data: x, tensor: xt } = input(args, 0);
  const rows = output(args, 1); const zrow = output(args, 2);
  const w = output(args, 0);
  if (xt.shape.length !== 4) throw opError(args, `expects a 4-D input, got [${xt.shape}]`);
  const [n, h, wd] = xt.shape as [number, number, number, number];
  // The full intermediate tensors: shapes of the map, quantization of the working rows.
  const yt: Tensor = { name: `${rows.name}:full`, dtype: rows.dtype, shape: [n, h, wd, rows.shape[3]!], ...(rows.quant ? { quant: rows.quant } : {}) };
  const zt: Tensor = { name: `${zrow.name}:full`, dtype: zrow.dtype, shape: [...xt.shape], ...(zrow.quant ? { quant: zrow.quant } : {}) };
  const sub = <K extends 'CONV_2D' | 'ADD'>(kind: K, options: Op<K>['options'], inputs: (TensorData | undefined)[], inputTensors: (Tensor | undefined)[], out: Tensor): KernelArgs<K> => ({
    ...args, op: { kind, options, inputs: [], outputs: [], name: `${args.op.name}/${kind}` } as unknown as Op<K>, inputs, inputTensors, outputTensors: [out],
  });
  const [y] = conv2d(sub('CONV_2D', o.convA, [x, args.inputs[1], args.inputs[2]], [xt, args.inputTensors[1], args.inputTensors[2]], yt));
  const [z] = conv2d(sub('CONV_2D', o.convB, [y, args.inputs[3], args.inputs[4]], [yt, args.inputTensors[3], args.inputTensors[4]], zt));
  const pair = o.skipFirst ? [[x, xt], [z, zt]] as const : [[z, zt], [x, xt]] as const;
  const [sum] = add(sub('ADD', o.add, [pair[0][0], pair[1][0]], [pair[0][1], pair[1][1]], w));
  const zeros = (t: Tensor) => new Int8Array(t.shape.reduce((a, b) => a * b, 1));
  return [sum!, zeros(rows), zeros(zrow)];
};
