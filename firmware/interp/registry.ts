// Kernels by op kind: one file per op under ops/. The interpreter looks kernels up here; a
// kind without an entry is reported as unsupported.
import type { OpKind } from '../ir/graph.ts';
import type { Kernel } from './types.ts';
import { add } from './ops/add.ts';
import { cast } from './ops/cast.ts';
import { concatenation } from './ops/concatenation.ts';
import { conv2d } from './ops/conv-2d.ts';
import { depthwiseConv2d } from './ops/depthwise-conv-2d.ts';
import { dequantize } from './ops/dequantize.ts';
import { fullyConnected } from './ops/fully-connected.ts';
import { gather } from './ops/gather.ts';
import { logistic } from './ops/logistic.ts';
import { mean } from './ops/mean.ts';
import { mul } from './ops/mul.ts';
import { pad } from './ops/pad.ts';
import { averagePool2d } from './ops/average-pool-2d.ts';
import { maxPool2d } from './ops/max-pool-2d.ts';
import { quantize } from './ops/quantize.ts';
import { reshape } from './ops/reshape.ts';
import { slice } from './ops/slice.ts';
import { squeeze } from './ops/squeeze.ts';
import { stridedSlice } from './ops/strided-slice.ts';
import { softmax } from './ops/softmax.ts';
import { tanh } from './ops/tanh.ts';
import { partialSum } from './ops/partial-sum.ts';
import { partialSumRequantize } from './ops/partial-sum-requantize.ts';
import { residualBlock } from './ops/residual-block.ts';
import { rowChain } from './ops/row-chain.ts';

export const KERNELS: { [K in OpKind]: Kernel<K> } = {
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwiseConv2d,
  FULLY_CONNECTED: fullyConnected,
  AVERAGE_POOL_2D: averagePool2d,
  MAX_POOL_2D: maxPool2d,
  ADD: add,
  MUL: mul,
  RESHAPE: reshape,
  SOFTMAX: softmax,
  PAD: pad,
  CONCATENATION: concatenation,
  STRIDED_SLICE: stridedSlice,
  SLICE: slice,
  MEAN: mean,
  QUANTIZE: quantize,
  DEQUANTIZE: dequantize,
  LOGISTIC: logistic,
  TANH: tanh,
  GATHER: gather,
  CAST: cast,
  SQUEEZE: squeeze,
  PARTIAL_SUM: partialSum,
  PARTIAL_SUM_REQUANTIZE: partialSumRequantize,
  RESIDUAL_BLOCK: residualBlock,
  ROW_CHAIN: rowChain,
};

export function kernelFor(kind: string): Kernel | undefined {
  return (KERNELS as Record<string, Kernel | undefined>)[kind];
}
