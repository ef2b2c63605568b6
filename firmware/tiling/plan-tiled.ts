// Memory plan for a (possibly tiled) graph, with in-place concatenation.
//
// Tiling ends in a CONCATENATION of the tiles. Planned naively, every tile output stays live
// until the concat and the concat output is live too: the ending costs twice the output. But
// when the tiles are contiguous byte ranges of the output (concatenation along an axis whose
// outer dims are all 1: H tiles of a batch-1 NHWC map, channel slices of a [1, C] vector),
// each tile can simply be placed where it belongs inside the output buffer: the concat then
// copies every byte onto itself. This module merges such tiles into their concat output's
// buffer request (one request spanning all their lifetimes), runs a registered planner on the
// requests, and gives every tensor an arena offset. Consumers of the plan (the AoT backend,
// TFLite-Micro through the offline plan) must let CONCATENATION run with input == output
// region (memmove semantics or skip) — reported to the lead.
//
// Everything else follows firmware/plan (TFLM lifetimes, 16-byte alignment, planners by name).
import { isActivation, numElements, tensorBytes, DTYPE_BYTES, type ConcatenationOptions, type Graph } from '../ir/graph.ts';
import { bufferLifetimes, isPlannedTensor } from '../plan/lifetimes.ts';
import { lowerBound, overlapInTime } from '../plan/bounds.ts';
import { planBuffers } from '../plan/plan-graph.ts';
import type { BufferReq, MemoryPlan } from '../plan/types.ts';
import { PlanError } from '../plan/verify.ts';
import { consumers } from './graph-edit.ts';

export interface TiledPlanOptions {
  /** Planner name from firmware/plan/registry.ts (default "greedy", TFLM's algorithm). */
  planner?: string;
  /** Place contiguous concatenation inputs inside the output buffer (default true). */
  inPlaceConcat?: boolean;
  /**
   * Let RESHAPE/SQUEEZE outputs share their input's buffer (default false, as TFLite-Micro).
   * The AoT backend honours it (an aliased reshape emits no copy); TFLite-Micro does not.
   */
  aliasReshape?: boolean;
  /** Let op outputs overlap the input they consume last (firmware/plan/streaming.ts; AoT only). */
  streaming?: boolean;
  timeLimitMs?: number;
  /** Local-search moves of the heuristic planner (discovery keeps it small per candidate). */
  localSearchMoves?: number;
}

/**
 * A MemoryPlan (buffers = one request per root buffer, in-place tiles folded into their concat
 * output's request) plus the offset of every tensor. Code generators must take tensor offsets
 * from `tensorOffsets` (tiles are not in `buffers`).
 */
export interface TiledPlan extends MemoryPlan {
  /** Arena offset of every planned tensor (tensor id -> bytes), tiles included. */
  tensorOffsets: Map<number, number>;
  /** Tile tensor -> [concat output tensor, byte offset inside it]. */
  inPlace: Map<number, [number, number]>;
}

/**
 * Concat inputs that can live inside the concat output: contiguous along the axis, each read
 * only by this concat, produced by an op, not a model input or output.
 */
export function inPlaceConcats(g: Graph): Map<number, [number, number]> {
  const cons = consumers(g);
  const io = new Set([...g.inputs, ...g.outputs]);
  const out = new Map<number, [number, number]>();
  for (const op of g.ops) {
    if (op.kind !== 'CONCATENATION') continue;
    const o = op.options as ConcatenationOptions;
    if (o.activation !== 'NONE') continue;
    const outT = g.tensors[op.outputs[0]!]!;
    const rank = outT.shape.length;
    const axis = o.axis < 0 ? o.axis + rank : o.axis;
    if (numElements(outT.shape.slice(0, axis)) !== 1) continue;
    if (new Set(op.inputs).size !== op.inputs.length) continue;
    const ok = op.inputs.every((t) => {
      const tt = g.tensors[t]!;
      return isActivation(tt) && !io.has(t) && cons[t]!.length === 1 && tt.dtype === outT.dtype
        && sameQuant(tt, outT) && g.ops.some((p) => p.outputs.includes(t));
    });
    if (!ok) continue;
    const inner = numElements(outT.shape.slice(axis + 1)) * DTYPE_BYTES[outT.dtype];
    let at = 0;
    for (const t of op.inputs) {
      out.set(t, [op.outputs[0]!, at]);
      at += g.tensors[t]!.shape[axis]! * inner;
    }
  }
  return out;
}

function sameQuant(a: { quant?: { scale: number[]; zeroPoint: number[] } }, b: typeof a): boolean {
  if (!a.quant || !b.quant) return !a.quant && !b.quant;
  return a.quant.scale.length === b.quant.scale.length && a.quant.scale.every((s, i) => s === b.quant!.scale[i])
    && a.quant.zeroPoint.every((z, i) => z === b.quant!.zeroPoint[i]);
}

/** Root tensor and byte offset of a tensor after following in-place chains. */
function resolve(inPlace: Map<number, [number, number]>, t: number): [number, number] {
  let root = t; let off = 0;
  for (let guard = 0; inPlace.has(root) && guard < 64; guard++) {
    const [into, at] = inPlace.get(root)!;
    off += at; root = into;
  }
  return [root, off];
}

/** Buffer requests of a tiled graph (model order), in-place tiles folded into their root. */
export interface TiledRequests {
  order: number[];
  merged: BufferReq[];
  inPlace: Map<number, [number, number]>;
  /** Live-bytes lower bound of the requests: no planner can go below it. */
  lowerBound: number;
  /** Reshape output -> the tensor whose buffer it shares (aliasReshape only). */
  aliases: Record<number, number>;
}

export function tiledRequests(g: Graph, opts: TiledPlanOptions = {}): TiledRequests {
  const order = g.ops.map((_, i) => i);
  const { buffers: reqs, aliases } = bufferLifetimes(g, order, { aliasReshape: opts.aliasReshape === true, streaming: opts.streaming === true });
  const inPlace = opts.inPlaceConcat === false ? new Map<number, [number, number]>() : inPlaceConcats(g);
  // Keep the two mechanisms apart: a tensor is either a reshape alias or an in-place tile.
  const aliased = new Set([...Object.keys(aliases).map(Number), ...Object.values(aliases)]);
  for (const [t, [root]] of [...inPlace]) if (aliased.has(t) || aliased.has(root)) inPlace.delete(t);
  // Fold each in-place tile's lifetime into its root's request.
  const merged: BufferReq[] = [];
  const span = new Map<number, [number, number]>();
  for (const r of reqs) {
    if (r.tensor === undefined || !inPlace.has(r.tensor)) continue;
    const [root] = resolve(inPlace, r.tensor);
    const s = span.get(root) ?? [r.firstOp, r.lastOp];
    span.set(root, [Math.min(s[0], r.firstOp), Math.max(s[1], r.lastOp)]);
  }
  const newId = new Map<number, number>();
  for (const r of reqs) {
    if (r.tensor !== undefined && inPlace.has(r.tensor)) continue;
    const s = r.tensor !== undefined ? span.get(r.tensor) : undefined;
    newId.set(r.id, merged.length);
    merged.push({ ...r, id: merged.length, ...(s ? { firstOp: Math.min(r.firstOp, s[0]), lastOp: Math.max(r.lastOp, s[1]) } : {}) });
  }
  // Streaming pairs follow their buffers to the new ids; a pair whose input is a tile folded
  // into another buffer no longer describes one buffer's bytes and is dropped.
  for (const m of merged) {
    if (m.streamsOver === undefined) continue;
    const to = newId.get(m.streamsOver.id);
    if (to === undefined) delete m.streamsOver;
    else m.streamsOver = { ...m.streamsOver, id: to };
  }
  return { order, merged, inPlace, lowerBound: lowerBound(merged), aliases };
}

export function planTiled(g: Graph, opts: TiledPlanOptions = {}, requests?: TiledRequests): TiledPlan {
  const plannerName = opts.planner ?? 'greedy';
  const { order, merged, inPlace, lowerBound: lb, aliases } = requests ?? tiledRequests(g, opts);
  const outcome = planBuffers(merged, plannerName, {
    ...(opts.timeLimitMs ? { timeLimitMs: opts.timeLimitMs } : {}),
    ...(opts.localSearchMoves !== undefined ? { localSearchMoves: opts.localSearchMoves } : {}),
  });
  const buffers = merged.map((r, i) => ({ ...r, offset: outcome.offsets[i]! }));
  const tensorOffsets = new Map<number, number>();
  for (const b of buffers) if (b.tensor !== undefined) tensorOffsets.set(b.tensor, b.offset);
  for (const t of inPlace.keys()) {
    const [root, off] = resolve(inPlace, t);
    const base = tensorOffsets.get(root);
    if (base !== undefined && isPlannedTensor(g, t)) tensorOffsets.set(t, base + off);
  }
  for (const [t, root] of Object.entries(aliases)) {
    const base = tensorOffsets.get(root);
    if (base !== undefined) tensorOffsets.set(Number(t), base);
  }
  let peak = 0;
  for (const b of buffers) if (b.size > 0) peak = Math.max(peak, b.offset + b.size);
  return {
    planner: plannerName, peakBytes: peak, lowerBound: lb, provenOptimal: outcome.provenOptimal || peak === lb,
    order, buffers, aliases, tensorOffsets, inPlace,
  };
}

/**
 * Independent check at tensor level: any two tensors live at the same time occupy disjoint
 * bytes, unless one is an in-place tile of the other (or both tiles of one output, which are
 * disjoint by construction and checked as such).
 */
export function verifyTiledPlan(g: Graph, plan: TiledPlan): void {
  const aliasReshape = Object.keys(plan.aliases ?? {}).length > 0;
  const { buffers: reqs } = bufferLifetimes(g, plan.order, { aliasReshape });
  for (const [t, root] of Object.entries(plan.aliases ?? {})) {
    if (plan.tensorOffsets.get(Number(t)) !== plan.tensorOffsets.get(root)) throw new PlanError(`reshape alias ${t} is not at its root ${root}'s offset`);
  }
  const rootOf = (t: number): number => resolve(plan.inPlace, t)[0];
  // Streaming pairs of the plan, by tensor: output -> [input, lag below, lag above].
  const streams = new Map<number, [number, number, number]>();
  for (const b of plan.buffers) {
    const inT = b.streamsOver !== undefined ? plan.buffers[b.streamsOver.id]?.tensor : undefined;
    if (b.tensor !== undefined && inT !== undefined) streams.set(b.tensor, [inT, b.streamsOver!.lag, b.streamsOver!.lagAbove ?? Infinity]);
  }
  const streamOk = (x: { r: { tensor?: number }; off: number }, y: { r: { tensor?: number }; off: number }): boolean => {
    const s = streams.get(x.r.tensor!);
    return s !== undefined && s[0] === y.r.tensor && (y.off - x.off >= s[1] || x.off - y.off >= s[2]);
  };
  const items = reqs.filter((r) => r.tensor !== undefined && r.size > 0).map((r) => {
    const off = plan.tensorOffsets.get(r.tensor!);
    if (off === undefined) throw new PlanError(`tensor ${r.tensor} has no offset`);
    return { r, off, end: off + tensorBytes(g.tensors[r.tensor!]!) };
  });
  items.sort((a, b) => a.off - b.off);
  for (let i = 0; i < items.length; i++) {
    const a = items[i]!;
    for (let j = i + 1; j < items.length && items[j]!.off < a.end; j++) {
      const b = items[j]!;
      if (!overlapInTime(a.r, b.r)) continue;
      const ta = a.r.tensor!; const tb = b.r.tensor!;
      const nested = rootOf(ta) === rootOf(tb) && (rootOf(ta) === ta || rootOf(tb) === tb || isAncestor(plan.inPlace, ta, tb) || isAncestor(plan.inPlace, tb, ta));
      if (!nested && !streamOk(a, b) && !streamOk(b, a)) {
        throw new PlanError(`tensors ${ta} "${g.tensors[ta]!.name}" and ${tb} "${g.tensors[tb]!.name}" overlap in memory while both are live`);
      }
    }
  }
}

function isAncestor(inPlace: Map<number, [number, number]>, outer: number, inner: number): boolean {
  let t = inner;
  for (let guard = 0; inPlace.has(t) && guard < 64; guard++) {
    t = inPlace.get(t)![0];
    if (t === outer) return true;
  }
  return false;
}

/**
 * The plan in the form code generators read offsets from (firmware/codegen/aot `tensorOffsets`
 * walks `buffers`): the root buffers plus one entry per in-place tile at its own offset and
 * lifetime. Tiles overlap their concat output by design, so firmware/plan's verifyPlan must not
 * be run on this form — verifyTiledPlan checks it.
 */
export function codegenPlan(g: Graph, plan: TiledPlan): MemoryPlan {
  const { buffers: reqs } = bufferLifetimes(g, plan.order, { aliasReshape: Object.keys(plan.aliases ?? {}).length > 0 });
  const extra = reqs.filter((r) => r.tensor !== undefined && plan.inPlace.has(r.tensor)).map((r, k) => ({
    ...r, id: plan.buffers.length + k, size: tensorBytes(g.tensors[r.tensor!]!), offset: plan.tensorOffsets.get(r.tensor!)!,
  }));
  return {
    planner: plan.planner, peakBytes: plan.peakBytes, lowerBound: plan.lowerBound, provenOptimal: plan.provenOptimal,
    order: [...plan.order], buffers: [...plan.buffers, ...extra], aliases: { ...plan.aliases },
  };
}
