// Export of a tiled graph to standard TFLite. Real TFLite has no int8 -> int32 partial
// convolution, so every partial-sum ending (fdt-partial.ts) is lowered back to its
// semantically identical builtin form: the partition slices are concatenated on the channel
// axis and the original CONV_2D / FULLY_CONNECTED (weights reassembled from the slices) runs
// on the result. The offline memory plan is then made for the exported graph itself, and
// without in-place concatenation: TFLite-Micro's OfflineMemoryAllocation gives every tensor its
// own offset and its planner does not expect tensors to overlap, so an exported plan must
// never place a concat input inside the concat output (see README.md).
import { DTYPE_BYTES, INTERNAL_OPS, type Conv2DOptions, type FullyConnectedOptions, type Graph, type Op, type Pool2DOptions, type Tensor } from '../ir/graph.ts';
import { writeModel } from '../model/writer.ts';
import { addActivation, addConst, cloneGraph, compactTensors, consumers } from './graph-edit.ts';
import { withOfflinePlan } from './offline-plan.ts';
import { planTiled, type TiledPlan } from './plan-tiled.ts';
import { TILED_MARK } from './path.ts';
import { unfuseResidualBlock } from './residual-rows.ts';
import { unfuseRowChain } from './row-chain.ts';

/** Concatenates constant tensors along `axis` (row-major). */
function concatConstData(parts: Tensor[], axis: number): Uint8Array {
  const shape = parts[0]!.shape;
  const elem = DTYPE_BYTES[parts[0]!.dtype];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inners = parts.map((t) => t.shape.slice(axis).reduce((a, b) => a * b, 1) * elem);
  const total = inners.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(outer * total);
  let at = 0;
  for (let o = 0; o < outer; o++) {
    parts.forEach((t, k) => { out.set(t.data!.subarray(o * inners[k]!, (o + 1) * inners[k]!), at); at += inners[k]!; });
  }
  return out;
}

/** True when the graph holds internal ops that no .tflite can express. */
export function hasInternalOps(g: Graph): boolean {
  return g.ops.some((op) => (INTERNAL_OPS as readonly string[]).includes(op.kind));
}

/** The graph with every partial-sum chain replaced by CONCATENATION + the original op, every
 * RESIDUAL_BLOCK by its two convs and ADD (residual-rows.ts) and every ROW_CHAIN by its stages
 * and end (row-chain.ts). */
export function lowerForExport(g0: Graph): Graph {
  if (!hasInternalOps(g0)) return g0;
  const g = cloneGraph(g0);
  const producer = new Map<number, number>();
  g.ops.forEach((op, i) => op.outputs.forEach((t) => producer.set(t, i)));
  const cons = consumers(g);
  const remove = new Set<number>();
  const replace = new Map<number, Op[]>();
  g.ops.forEach((op, i) => {
    if (op.kind === 'RESIDUAL_BLOCK') {
      replace.set(i, unfuseResidualBlock(g, op as Op<'RESIDUAL_BLOCK'>));
      return;
    }
    if (op.kind === 'ROW_CHAIN') {
      replace.set(i, unfuseRowChain(g, op as Op<'ROW_CHAIN'>));
      return;
    }
    if (op.kind !== 'PARTIAL_SUM_REQUANTIZE') return;
    const o = (op as Op<'PARTIAL_SUM_REQUANTIZE'>).options;
    // Walk the accumulator chain back to the first partition.
    const parts: Op<'PARTIAL_SUM'>[] = [];
    let acc = op.inputs[0]!;
    for (;;) {
      const p = producer.get(acc);
      const pop = p === undefined ? undefined : g.ops[p]!;
      if (!pop || pop.kind !== 'PARTIAL_SUM' || cons[acc]!.length !== 1) {
        throw new Error(`cannot export: accumulator "${g.tensors[acc]!.name}" of ${op.name} is not produced by a partial-sum chain`);
      }
      parts.unshift(pop as Op<'PARTIAL_SUM'>);
      remove.add(p!);
      if (pop.inputs.length < 3 || pop.inputs[2]! < 0) break;
      acc = pop.inputs[2]!;
    }
    if (o.base === 'AVERAGE_POOL_2D') {
      replace.set(i, lowerPoolChain(g, op as Op<'PARTIAL_SUM_REQUANTIZE'>, parts));
      return;
    }
    const xs = parts.map((p) => g.tensors[p.inputs[0]!]!);
    const ws = parts.map((p) => g.tensors[p.inputs[1]!]!);
    const channels = xs.reduce((s, t) => s + t.shape[t.shape.length - 1]!, 0);
    const x0 = xs[0]!; const w0 = ws[0]!;
    const baseName = op.name.split(TILED_MARK)[0]!;
    const xShape = [...x0.shape]; xShape[xShape.length - 1] = channels;
    const xId = addActivation(g, x0, `${baseName}${TILED_MARK}psum_input`, xShape);
    let wData: Uint8Array; let wShape: number[];
    if (o.base === 'CONV_2D') {
      wData = concatConstData(ws, 3);
      wShape = [w0.shape[0]!, w0.shape[1]!, w0.shape[2]!, channels];
    } else {
      // FC weights [out, P * k_p]: view each as [out, P, k_p] and concatenate on the last axis.
      const positions = w0.shape[1]! / x0.shape[x0.shape.length - 1]!;
      const views = ws.map((w, k) => ({ ...w, shape: [w.shape[0]!, positions, xs[k]!.shape[xs[k]!.shape.length - 1]!] }));
      wData = concatConstData(views, 2);
      wShape = [w0.shape[0]!, positions * channels];
    }
    const quant = w0.quant && { scale: [...w0.quant.scale], zeroPoint: [...w0.quant.zeroPoint], axis: w0.quant.axis };
    const wId = addConst(g, { name: `${w0.name.split(TILED_MARK)[0]!}`, shape: wShape, dtype: w0.dtype, data: wData, ...(quant ? { quant } : {}) });
    const inputs = [xId, wId, ...(op.inputs.length > 1 ? [op.inputs[1]!] : [])];
    replace.set(i, [
      { kind: 'CONCATENATION', inputs: parts.map((p) => p.inputs[0]!), outputs: [xId], options: { axis: xShape.length - 1, activation: 'NONE' }, name: `${baseName}${TILED_MARK}psum_concat` },
      o.base === 'CONV_2D'
        ? { kind: 'CONV_2D', inputs, outputs: [...op.outputs], options: { ...(o.baseOptions as Conv2DOptions) }, name: baseName } as Op
        : { kind: 'FULLY_CONNECTED', inputs, outputs: [...op.outputs], options: { ...(o.baseOptions as FullyConnectedOptions) }, name: baseName } as Op,
    ]);
  });
  const ops: Op[] = [];
  g.ops.forEach((op, i) => {
    if (remove.has(i)) return;
    ops.push(...(replace.get(i) ?? [op]));
  });
  g.ops = ops;
  compactTensors(g);
  return g;
}

/** Pool ending: tiles concatenated back into the map (W per row, then H), then the pool. */
function lowerPoolChain(g: Graph, op: Op<'PARTIAL_SUM_REQUANTIZE'>, parts: Op<'PARTIAL_SUM'>[]): Op[] {
  const baseName = op.name.split(TILED_MARK)[0]!;
  const rows = new Map<number, Op<'PARTIAL_SUM'>[]>();
  for (const p of parts) {
    const tile = p.options.tile;
    if (!tile) throw new Error(`cannot export: ${p.name} has no tile position`);
    rows.set(tile[0], [...(rows.get(tile[0]) ?? []), p]);
  }
  const out: Op[] = [];
  const rowTensors: number[] = [];
  for (const r of [...rows.keys()].sort((a, b) => a - b)) {
    const tiles = rows.get(r)!.sort((a, b) => a.options.tile![1] - b.options.tile![1]).map((p) => p.inputs[0]!);
    if (tiles.length === 1) { rowTensors.push(tiles[0]!); continue; }
    const t0 = g.tensors[tiles[0]!]!;
    const width = tiles.reduce((s, t) => s + g.tensors[t]!.shape[2]!, 0);
    const rowId = addActivation(g, t0, `${baseName}${TILED_MARK}pool_row${r}`, [t0.shape[0]!, t0.shape[1]!, width, t0.shape[3]!]);
    out.push({ kind: 'CONCATENATION', inputs: tiles, outputs: [rowId], options: { axis: 2, activation: 'NONE' }, name: `${baseName}${TILED_MARK}pool_concat_row${r}` });
    rowTensors.push(rowId);
  }
  let mapId = rowTensors[0]!;
  if (rowTensors.length > 1) {
    const r0 = g.tensors[rowTensors[0]!]!;
    const height = rowTensors.reduce((s, t) => s + g.tensors[t]!.shape[1]!, 0);
    mapId = addActivation(g, r0, `${baseName}${TILED_MARK}pool_input`, [r0.shape[0]!, height, r0.shape[2]!, r0.shape[3]!]);
    out.push({ kind: 'CONCATENATION', inputs: rowTensors, outputs: [mapId], options: { axis: 1, activation: 'NONE' }, name: `${baseName}${TILED_MARK}pool_concat` });
  }
  out.push({ kind: 'AVERAGE_POOL_2D', inputs: [mapId], outputs: [...op.outputs], options: { ...(op.options.baseOptions as Pool2DOptions) }, name: baseName });
  return out;
}

export interface ExportedModel {
  graph: Graph;
  /** The plan attached as OfflineMemoryAllocation: of `graph`, never with in-place concat. */
  plan: TiledPlan;
  bytes: Uint8Array;
}

/** The tiled graph as a standard .tflite with its own offline plan (TFLite-Micro compatible). */
export function exportTiledModel(g: Graph, planner = 'greedy'): ExportedModel {
  const graph = lowerForExport(g);
  const plan = planTiled(graph, { planner, inPlaceConcat: false });
  return { graph, plan, bytes: writeModel(withOfflinePlan(graph, plan)) };
}
