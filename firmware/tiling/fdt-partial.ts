// FDT with a partial-sum ending (the second ending of Fused Depthwise Tiling). The FDT path
// (fdt.ts: a start op split by output channels, then per-channel ops) is followed by an int8
// CONV_2D or FULLY_CONNECTED that consumes the path's output split by INPUT channels: each
// partition computes its channel slice end to end and immediately folds it into an int32
// accumulator (PARTIAL_SUM), so the path's full output never exists. One
// PARTIAL_SUM_REQUANTIZE adds the bias and requantizes at the end with the consumer's own
// scales: bit-exact with the untiled consumer in every arithmetic, zero extra MACs.
//
// The accumulator costs 4 bytes per consumer output element (two live while one partition adds
// onto the previous sum), so this pays off only in front of small outputs (micro_speech's
// FC(4), a DS-CNN's classifier); discovery decides by planning it.
//
// A FULLY_CONNECTED may be reached through RESHAPEs (it flattens its input anyway): with the
// path output of C channels flattened to [batches, P*C], the slice [b, e) of channels is the
// weight columns {p*C + c : c in [b, e)}, i.e. the weights viewed as [out, P, C] sliced on C.
import type { Conv2DOptions, FullyConnectedOptions, Graph, Op, Tensor } from '../ir/graph.ts';
import { addConst, cloneGraph, compactTensors, dropPlanMetadata, sliceConstData, spliceOps, splitRange } from './graph-edit.ts';
import { emitPartition, findFdtPaths } from './fdt.ts';
import { chainNext, indexGraph, isRewritten, onlyFirstInputIsActivation, TILED_MARK } from './path.ts';

export interface FdtPartialSpec {
  /** The FDT path, then any RESHAPEs, then the consumer (last). */
  ops: number[];
  partitions: number;
}

function lastDim(t: Tensor): number { return t.shape[t.shape.length - 1]!; }

function perTensor(t: Tensor): boolean {
  return t.quant !== undefined && t.quant.scale.length === 1;
}

/**
 * Whether op `i` can end a path whose output has `channels` channels, split by input channel:
 * int8 CONV_2D (non-grouped) or FULLY_CONNECTED (depth a multiple of the channels), constant
 * weights, per-tensor input/output quantization.
 */
export function canEndInPartialSums(g: Graph, i: number, channels: number): boolean {
  const op = g.ops[i]!;
  if (op.kind !== 'CONV_2D' && op.kind !== 'FULLY_CONNECTED') return false;
  if (!onlyFirstInputIsActivation(g, i) || isRewritten(g, i)) return false;
  const x = g.tensors[op.inputs[0]!]!; const w = g.tensors[op.inputs[1]!]!; const y = g.tensors[op.outputs[0]!]!;
  if (x.dtype !== 'int8' || w.dtype !== 'int8' || y.dtype !== 'int8' || !w.data || !w.quant) return false;
  if (!perTensor(x) || !perTensor(y)) return false;
  if (op.inputs.length > 2 && op.inputs[2]! >= 0 && g.tensors[op.inputs[2]!]!.dtype !== 'int32') return false;
  if (op.kind === 'CONV_2D') return w.shape.length === 4 && w.shape[3] === channels && x.shape.length === 4 && lastDim(x) === channels;
  return w.shape.length === 2 && w.shape[1]! % channels === 0;
}

/** Every FDT path followed (through RESHAPEs for an FC) by a consumer that can take partial sums. */
export function findFdtPartialPaths(g: Graph, maxLen = 8): number[][] {
  const ix = indexGraph(g);
  const out: number[][] = [];
  for (const path of findFdtPaths(g, maxLen)) {
    const last = g.ops[path[path.length - 1]!]!;
    const outT = g.tensors[last.outputs[0]!]!;
    if (outT.dtype !== 'int8') continue;
    const channels = lastDim(outT);
    const tail: number[] = [];
    let next = chainNext(g, ix, path[path.length - 1]!);
    while (next >= 0 && g.ops[next]!.kind === 'RESHAPE' && tail.length < 4) {
      tail.push(next);
      next = chainNext(g, ix, next);
    }
    if (next < 0) continue;
    if (tail.length > 0 && g.ops[next]!.kind !== 'FULLY_CONNECTED') continue;
    if (canEndInPartialSums(g, next, channels)) out.push([...path, ...tail, next]);
  }
  return out;
}

/** The consumer's weights restricted to input channels [b, e) of `channels`. */
function sliceWeights(g: Graph, consumer: Op, channels: number, b: number, e: number, tag: string): number {
  const w = g.tensors[consumer.inputs[1]!]!;
  let data: Uint8Array; let shape: number[];
  if (consumer.kind === 'CONV_2D') {
    data = sliceConstData(w, 3, b, e, 1);
    shape = [w.shape[0]!, w.shape[1]!, w.shape[2]!, e - b];
  } else {
    const [rows, depth] = w.shape as [number, number];
    const view = { ...w, shape: [rows, depth / channels, channels] };
    data = sliceConstData(view, 2, b, e, 1);
    shape = [rows, (depth / channels) * (e - b)];
  }
  // Per-output-channel quantization (axis 0) is unchanged by an input-channel slice.
  const quant = w.quant && { scale: [...w.quant.scale], zeroPoint: [...w.quant.zeroPoint], axis: w.quant.axis };
  return addConst(g, { name: `${w.name}${tag}`, shape, dtype: w.dtype, data, ...(quant ? { quant } : {}) });
}

export function applyFdtPartial(g0: Graph, spec: FdtPartialSpec): Graph | undefined {
  const { ops, partitions } = spec;
  if (ops.length < 2 || partitions < 2) return undefined;
  const consumerIndex = ops[ops.length - 1]!;
  const consumer = g0.ops[consumerIndex]!;
  const path = ops.filter((i, k) => k < ops.length - 1 && g0.ops[i]!.kind !== 'RESHAPE');
  if (path.length === 0) return undefined;
  const pathOut = g0.tensors[g0.ops[path[path.length - 1]!]!.outputs[0]!]!;
  const channels = lastDim(pathOut);
  if (channels < partitions || !canEndInPartialSums(g0, consumerIndex, channels)) return undefined;
  if (consumer.kind === 'CONV_2D' && consumer.inputs[0] !== g0.ops[path[path.length - 1]!]!.outputs[0]) return undefined;

  const g = cloneGraph(g0);
  const yId = consumer.outputs[0]!;
  const y = g0.tensors[yId]!;
  const x = g0.tensors[consumer.inputs[0]!]!;
  const w = g0.tensors[consumer.inputs[1]!]!;
  const base = consumer.kind as 'CONV_2D' | 'FULLY_CONNECTED';
  const baseOptions = { ...consumer.options } as Conv2DOptions | FullyConnectedOptions;
  const block: Op[] = [];
  let acc = -1;
  splitRange(channels, partitions).forEach(([b, e], p) => {
    const tag = `${TILED_MARK}fdt_p${p}`;
    const slice = emitPartition(g0, g, path, b, e, tag, block);
    const wSlice = sliceWeights(g, consumer, channels, b, e, `${TILED_MARK}psum_p${p}`);
    g.tensors.push({ name: `${y.name}${TILED_MARK}psum_acc${p}`, shape: [...y.shape], dtype: 'int32' });
    const next = g.tensors.length - 1;
    block.push({
      kind: 'PARTIAL_SUM', inputs: acc >= 0 ? [slice, wSlice, acc] : [slice, wSlice], outputs: [next],
      options: { base, baseOptions }, name: `${consumer.name}${TILED_MARK}psum_p${p}`,
    });
    acc = next;
  });
  const bias = consumer.inputs.length > 2 ? consumer.inputs[2]! : -1;
  block.push({
    kind: 'PARTIAL_SUM_REQUANTIZE', inputs: bias >= 0 ? [acc, bias] : [acc], outputs: [yId],
    options: { base, baseOptions, inputScale: x.quant!.scale[0]!, filterScales: [...w.quant!.scale] },
    name: `${consumer.name}${TILED_MARK}psum_requant`,
  });
  spliceOps(g, ops, block);
  compactTensors(g);
  dropPlanMetadata(g);
  return g;
}
