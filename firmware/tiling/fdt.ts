// FDT — Fused Depthwise Tiling (Stahl et al.). A chain that starts with an op able to produce
// any channel slice of its output from the full input (CONV_2D / FULLY_CONNECTED split by
// output channels, a DEPTHWISE_CONV_2D on a single input channel) and continues through
// per-channel ops (DEPTHWISE_CONV_2D with multiplier 1, pools, PAD, LOGISTIC, TANH) is run
// partition by partition, each computing a channel slice end to end; the slices are
// concatenated on the channel axis into the original output tensor. Every output element is
// computed exactly once, by the same arithmetic as before: zero extra MACs, bit-exact.
import { DTYPE_BYTES, type DepthwiseConv2DOptions, type Graph, type Op, type Quantization, type Tensor } from '../ir/graph.ts';
import { addActivation, addConst, cloneGraph, compactTensors, dropPlanMetadata, sliceConstData, spliceOps, splitRange } from './graph-edit.ts';
import { chainNext, indexGraph, isRewritten, onlyFirstInputIsActivation, TILED_MARK } from './path.ts';
import { padAmounts } from './windows.ts';

export interface FdtSpec {
  ops: number[];
  partitions: number;
}

function lastDim(t: Tensor): number { return t.shape[t.shape.length - 1]!; }

/** Which weight axis holds output channels, or -1 if the op cannot start an FDT path. */
function startAxis(g: Graph, i: number): number {
  const op = g.ops[i]!;
  if (!onlyFirstInputIsActivation(g, i) || isRewritten(g, i)) return -1;
  const w = g.tensors[op.inputs[1]!];
  if (!w?.data) return -1;
  // Grouped convolutions (filter depth < input depth) tie output channels to input groups.
  if (op.kind === 'CONV_2D' && w.shape.length === 4 && w.shape[3] === lastDim(g.tensors[op.inputs[0]!]!)) return 0;
  if (op.kind === 'FULLY_CONNECTED' && w.shape.length === 2) return 0;
  if (op.kind === 'DEPTHWISE_CONV_2D' && w.shape.length === 4 && lastDim(g.tensors[op.inputs[0]!]!) === 1) return 3;
  return -1;
}

/** True when op `i` maps channel c of its input to channel c of its output only. */
function isPerChannel(g: Graph, i: number): boolean {
  const op = g.ops[i]!;
  if (!onlyFirstInputIsActivation(g, i) || isRewritten(g, i)) return false;
  const inT = g.tensors[op.inputs[0]!]!; const outT = g.tensors[op.outputs[0]!]!;
  if (lastDim(inT) !== lastDim(outT)) return false;
  switch (op.kind) {
    case 'DEPTHWISE_CONV_2D': return (op.options as DepthwiseConv2DOptions).depthMultiplier === 1 || lastDim(inT) === lastDim(outT);
    case 'AVERAGE_POOL_2D': case 'MAX_POOL_2D': return inT.shape.length === 4;
    case 'PAD': {
      const p = padAmounts(g, op);
      return p.length === inT.shape.length && p[p.length - 1]![0] === 0 && p[p.length - 1]![1] === 0;
    }
    case 'LOGISTIC': case 'TANH': return true;
    default: return false;
  }
}

/** Every FDT chain: each start op, followed by 0..maxLen-1 per-channel ops. */
export function findFdtPaths(g: Graph, maxLen = 8): number[][] {
  const ix = indexGraph(g);
  const paths: number[][] = [];
  for (let i = 0; i < g.ops.length; i++) {
    if (startAxis(g, i) < 0) continue;
    const path = [i];
    paths.push([...path]);
    let cur = i;
    while (path.length < maxLen) {
      const next = chainNext(g, ix, cur);
      if (next < 0 || !isPerChannel(g, next)) break;
      path.push(next);
      paths.push([...path]);
      cur = next;
    }
  }
  return paths;
}

function sliceQuant(q: Quantization | undefined, axisOfChannels: number, b: number, e: number): Quantization | undefined {
  if (!q) return undefined;
  if (q.scale.length <= 1) return { scale: [...q.scale], zeroPoint: [...q.zeroPoint], axis: q.axis };
  if (q.axis !== axisOfChannels) throw new Error(`per-channel quantization on axis ${q.axis}, expected ${axisOfChannels}`);
  return { scale: q.scale.slice(b, e), zeroPoint: q.zeroPoint.slice(b, e), axis: q.axis };
}

/** A constant sliced along `axis` to [b, e), as a new tensor. */
function sliceConst(g: Graph, id: number, axis: number, b: number, e: number, tag: string): number {
  if (id < 0) return id;
  const t = g.tensors[id]!;
  const shape = [...t.shape]; shape[axis] = e - b;
  const data = sliceConstData(t, axis, b, e, DTYPE_BYTES[t.dtype]);
  const quant = sliceQuant(t.quant, axis, b, e);
  return addConst(g, { name: `${t.name}${tag}`, shape, dtype: t.dtype, data, ...(quant ? { quant } : {}) });
}

function sliceActivation(g: Graph, id: number, b: number, e: number, tag: string): number {
  const t = g.tensors[id]!;
  const axis = t.shape.length - 1;
  const shape = [...t.shape]; shape[axis] = e - b;
  const q = t.quant && t.quant.scale.length > 1 ? sliceQuant(t.quant, axis, b, e) : undefined;
  return addActivation(g, t, `${t.name}${tag}`, shape, q);
}

/**
 * Emits one partition of an FDT path (channel slice [b, e) of the path's output) into `block`
 * and returns the tensor holding that slice. Shared by the concatenation ending (below) and
 * the partial-sum ending (fdt-partial.ts).
 */
export function emitPartition(g0: Graph, g: Graph, ops: number[], b: number, e: number, tag: string, block: Op[]): number {
  const axis0 = startAxis(g0, ops[0]!);
  if (axis0 < 0) throw new Error(`op ${ops[0]} cannot start an FDT path`);
  let cur = -1;
  ops.forEach((opIndex, k) => {
    const op = g0.ops[opIndex]!;
    const out = sliceActivation(g, op.outputs[0]!, b, e, tag);
    let inputs: number[];
    let options = op.options;
    if (k === 0) {
      const biasId = op.inputs.length > 2 ? op.inputs[2]! : -1;
      inputs = [op.inputs[0]!, sliceConst(g, op.inputs[1]!, axis0, b, e, tag)];
      if (op.inputs.length > 2) inputs.push(sliceConst(g, biasId, 0, b, e, tag));
      if (op.kind === 'DEPTHWISE_CONV_2D') options = { ...(op.options as DepthwiseConv2DOptions), depthMultiplier: e - b };
    } else if (op.kind === 'DEPTHWISE_CONV_2D') {
      inputs = [cur, sliceConst(g, op.inputs[1]!, 3, b, e, tag)];
      if (op.inputs.length > 2) inputs.push(sliceConst(g, op.inputs[2]!, 0, b, e, tag));
    } else {
      inputs = [cur, ...op.inputs.slice(1)];
    }
    block.push({ kind: op.kind, inputs, outputs: [out], options: { ...options }, name: `${op.name}${tag}` } as Op);
    cur = out;
  });
  return cur;
}

/** True when op `i` can start an FDT path (split by output channels). */
export function canStartFdt(g: Graph, i: number): boolean {
  return startAxis(g, i) >= 0;
}

export function applyFdt(g0: Graph, spec: FdtSpec): Graph | undefined {
  const { ops, partitions } = spec;
  if (ops.length === 0 || partitions < 2) return undefined;
  if (startAxis(g0, ops[0]!) < 0) return undefined;
  const last = g0.ops[ops[ops.length - 1]!]!;
  const outId = last.outputs[0]!;
  const outT = g0.tensors[outId]!;
  const channels = lastDim(outT);
  if (channels < partitions) return undefined;

  const g = cloneGraph(g0);
  const block: Op[] = [];
  const slices = splitRange(channels, partitions).map(([b, e], p) => emitPartition(g0, g, ops, b, e, `${TILED_MARK}fdt_p${p}`, block));
  block.push({
    kind: 'CONCATENATION', inputs: slices, outputs: [outId],
    options: { axis: outT.shape.length - 1, activation: 'NONE' }, name: `${last.name}${TILED_MARK}fdt_concat`,
  });
  spliceOps(g, ops, block);
  compactTensors(g);
  dropPlanMetadata(g);
  return g;
}
