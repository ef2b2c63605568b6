// RESIDUAL_BLOCK (internal, see ir/graph.ts): ADD(CONV_2D_B(CONV_2D_A(X)), X or CONV_2D_S(X))
// by the builtin kernels themselves, so the fused op is exactly the ops it replaces. The working-row
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
  const [n, h, wd] = w.shape as [number, number, number, number];
  // The full intermediate tensors: shapes of the output map, quantization of the working rows.
  const full = (t: Tensor, c: number): Tensor => ({ name: `${t.name}:full`, dtype: t.dtype, shape: [n, h, wd, c], ...(t.quant ? { quant: t.quant } : {}) });
  const yt = full(rows, rows.shape[3]!); const zt = full(zrow, w.shape[3]!);
  const sub = <K extends 'CONV_2D' | 'ADD'>(kind: K, options: Op<K>['options'], inputs: (TensorData | undefined)[], inputTensors: (Tensor | undefined)[], out: Tensor): KernelArgs<K> => ({
    ...args, op: { kind, options, inputs: [], outputs: [], name: `${args.op.name}/${kind}` } as unknown as Op<K>, inputs, inputTensors, outputTensors: [out],
  });
  const [y] = conv2d(sub('CONV_2D', o.convA, [x, args.inputs[1], args.inputs[2]], [xt, args.inputTensors[1], args.inputTensors[2]], yt));
  const [z] = conv2d(sub('CONV_2D', o.convB, [y, args.inputs[3], args.inputs[4]], [yt, args.inputTensors[3], args.inputTensors[4]], zt));
  let skip: [TensorData, Tensor] = [x, xt];
  if (o.convS) {
    const st = full(output(args, 3), w.shape[3]!);
    const [sv] = conv2d(sub('CONV_2D', o.convS, [x, args.inputs[5], args.inputs[6]], [xt, args.inputTensors[5], args.inputTensors[6]], st));
    skip = [sv!, st];
  }
  const pair = o.skipFirst ? [skip, [z!, zt]] as const : [[z!, zt], skip] as const;
  const [sum] = add(sub('ADD', o.add, [pair[0][0], pair[1][0]], [pair[0][1], pair[1][1]], w));
  const zeros = (t: Tensor) => new Int8Array(t.shape.reduce((a, b) => a * b, 1));
  return [sum!, ...args.outputTensors.slice(1).map(zeros)];
};
