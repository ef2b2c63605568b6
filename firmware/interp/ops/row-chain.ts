// ROW_CHAIN (internal, see ir/graph.ts): the chain's stages and its end run one after the other
// on whole maps by the builtin kernels themselves, so the fused op is exactly the ops it
// replaces. The working buffers are scratch in the C backend (contents unspecified); here they
// come back as zeros.
import type { Op, Tensor } from '../../ir/graph.ts';
import { rowChainOpGeometry } from '../../ir/row-chain.ts';
import type { Kernel, KernelArgs, TensorData } from '../types.ts';
import { averagePool2d } from './average-pool-2d.ts';
import { conv2d } from './conv-2d.ts';
import { depthwiseConv2d } from './depthwise-conv-2d.ts';
import { fullyConnected } from './fully-connected.ts';
import { input, opError } from './common.ts';

type SubKind = 'CONV_2D' | 'DEPTHWISE_CONV_2D' | 'AVERAGE_POOL_2D' | 'FULLY_CONNECTED';

export const rowChain: Kernel<'ROW_CHAIN'> = (args) => {
  const o = args.op.options;
  const n = o.stages.length;
  let geo;
  try { geo = rowChainOpGeometry(args.graph, args.op); } catch (e) { throw opError(args, (e as Error).message); }
  const sub = <K extends SubKind>(kind: K, options: Op<K>['options'], inputs: (TensorData | undefined)[], inputTensors: (Tensor | undefined)[], out: Tensor): KernelArgs<K> => ({
    ...args, op: { kind, options, inputs: [], outputs: [], name: `${args.op.name}/${kind}` } as unknown as Op<K>, inputs, inputTensors, outputTensors: [out],
  });
  let { data: x, tensor: xt } = input(args, 0);
  // Stage s's whole output carries the quantization of its working rows (the last stage's: the
  // chain output, or the last row with an end).
  const quantOf = (s: number): Tensor => args.outputTensors[s < n - 1 ? 1 + s : (o.end ? n : 0)]!;
  o.stages.forEach((st, s) => {
    const g = geo[s]!; const q = quantOf(s);
    const yt: Tensor = { name: `${q.name}:full`, dtype: 'int8', shape: [1, g.outH, g.outW, g.outC], ...(q.quant ? { quant: q.quant } : {}) };
    const ins = [x, args.inputs[1 + 2 * s], args.inputs[2 + 2 * s]];
    const ts = [xt, args.inputTensors[1 + 2 * s], args.inputTensors[2 + 2 * s]];
    const [y] = st.kind === 'CONV_2D'
      ? conv2d(sub('CONV_2D', st.options, ins, ts, yt))
      : depthwiseConv2d(sub('DEPTHWISE_CONV_2D', st.options as Op<'DEPTHWISE_CONV_2D'>['options'], ins, ts, yt));
    x = y!; xt = yt;
  });
  const zeros = (t: Tensor) => {
    const count = t.shape.reduce((a, b) => a * b, 1);
    return t.dtype === 'int32' ? new Int32Array(count) : t.dtype === 'int16' ? new Int16Array(count) : new Int8Array(count);
  };
  const scratch = args.outputTensors.slice(1).map(zeros);
  if (!o.end) return [x, ...scratch];
  const out = args.outputTensors[0]!;
  if (o.end.kind === 'AVERAGE_POOL_2D') return [averagePool2d(sub('AVERAGE_POOL_2D', o.end.options, [x], [xt], out))[0]!, ...scratch];
  const flat: Tensor = o.end.reshape ? { ...xt, shape: [...o.end.reshape.shape] } : xt;
  const k = 1 + 2 * n;
  return [fullyConnected(sub('FULLY_CONNECTED', o.end.options, [x, args.inputs[k], args.inputs[k + 1]], [flat, args.inputTensors[k], args.inputTensors[k + 1]], out))[0]!, ...scratch];
};
