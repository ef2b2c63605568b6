// Buffer requests from a graph and an execution order, following TFLite-Micro's lifetime
// rules (micro_allocation_info.cc) so the greedy planner reproduces its figures:
// - model inputs are live from the start (position 0) to their last reader;
// - an op's outputs are live from that op to their last reader; model outputs to the end;
// - a kernel's scratch buffer lives only while its op runs;
// - sizes are rounded up to the arena alignment (TFLM: 16 bytes);
// - requests come in TFLM's order (tensors by index, then scratch by op) because greedy's
//   tie-break depends on it.
// Aliasing: TFLM gives RESHAPE/SQUEEZE outputs their own buffer and the kernel copies (it
// skips the copy only when the pointers already match). That is our default too, so figures
// stay comparable and the C backend may copy. With `aliasReshape` the output shares its
// input's buffer (one request covering both lifetimes); the generated code must then skip
// the copy. Ops never write their inputs, so read-only sharing is safe.
// Streaming (AoT only): with `streaming` an op's output may overlap an input that op reads for
// the last time, lagging it by the kernel's lag (streaming.ts); the request then carries
// `streamsOver` and planners place it accordingly.
import { ModelError, isActivation, tensorBytes, type Graph, type Op } from '../ir/graph.ts';
import { rowChainOutputInAcc, rowChainSharedPixels } from '../ir/row-chain.ts';
import { streamSaving } from './bounds.ts';
import { scratchBytes } from './scratch.ts';
import { streamInputs } from './streaming.ts';
import type { BufferReq } from './types.ts';

export const TFLM_ALIGNMENT = 16;

export interface LifetimeOptions {
  /** Round sizes up to this many bytes (TFLM's arena alignment is 16). */
  align?: number;
  /** Let RESHAPE/SQUEEZE outputs share their input's buffer (default false, as TFLM). */
  aliasReshape?: boolean;
  /** Kernel scratch bytes per op; defaults to scratch.ts. */
  scratch?: (graph: Graph, opIndex: number) => number;
  /** Let op outputs overlap an input they consume for the last time (AoT kernels only; default false). */
  streaming?: boolean;
}

export interface Lifetimes {
  buffers: BufferReq[];
  /** Tensor -> tensor whose buffer it shares (aliasReshape only). */
  aliases: Record<number, number>;
}

export function alignUp(bytes: number, align: number): number {
  return align <= 1 ? bytes : Math.ceil(bytes / align) * align;
}

/** Tensors the arena holds: activations that are not variables and not empty. */
export function isPlannedTensor(graph: Graph, id: number): boolean {
  const t = graph.tensors[id];
  return t !== undefined && isActivation(t) && t.isVariable !== true && tensorBytes(t) > 0;
}

const ALIASING_OPS = new Set(['RESHAPE', 'SQUEEZE']);

/** Throws unless `order` is a permutation of the graph's ops in which producers run first. */
export function checkOrder(graph: Graph, order: readonly number[]): void {
  const n = graph.ops.length;
  if (order.length !== n) throw new ModelError(`execution order has ${order.length} ops, graph has ${n}`);
  const producer = new Map<number, number>();
  graph.ops.forEach((op, i) => op.outputs.forEach((t) => producer.set(t, i)));
  const done = new Uint8Array(n);
  for (const i of order) {
    if (!Number.isInteger(i) || i < 0 || i >= n || done[i]) {
      throw new ModelError(`execution order is not a permutation of ops 0..${n - 1} (bad entry ${i})`);
    }
    for (const t of graph.ops[i].inputs) {
      const p = producer.get(t);
      if (p !== undefined && !done[p]) {
        throw new ModelError(`op ${i} (${graph.ops[i].name}) runs before op ${p} that produces its input tensor ${t}`,
          { op: i, opKind: graph.ops[i].kind, tensor: t });
      }
    }
    done[i] = 1;
  }
}

/** Union-find over tensors: RESHAPE/SQUEEZE outputs joined to their data input, and a
 * ROW_CHAIN's pixel buffers to each other (one pixel pair runs at a time) and its output to its
 * accumulators (written in place, see ir/row-chain.ts). The root is always the larger buffer. */
export function reshapeAliases(graph: Graph): Record<number, number> {
  const parent = new Map<number, number>();
  const find = (t: number): number => {
    let r = t;
    while (parent.has(r)) r = parent.get(r)!;
    return r;
  };
  for (const op of graph.ops) {
    if (!ALIASING_OPS.has(op.kind)) continue;
    const src = op.inputs[0];
    const dst = op.outputs[0];
    if (src === undefined || dst === undefined || src < 0) continue;
    if (!isPlannedTensor(graph, src) || !isPlannedTensor(graph, dst)) continue;
    if (tensorBytes(graph.tensors[src]) !== tensorBytes(graph.tensors[dst])) continue;
    const a = find(src);
    const b = find(dst);
    if (a !== b) parent.set(b, a);
  }
  for (const op of graph.ops) {
    if (op.kind !== 'ROW_CHAIN') continue;
    const inAcc = rowChainOutputInAcc(op as Op<'ROW_CHAIN'>);
    for (const [shared, t] of [...rowChainSharedPixels(graph, op as Op<'ROW_CHAIN'>), ...(inAcc ? [inAcc] : [])]) {
      const a = find(shared);
      const b = find(t);
      if (a !== b) parent.set(b, a);
    }
  }
  const out: Record<number, number> = {};
  for (const t of parent.keys()) out[t] = find(t);
  return out;
}

export function bufferLifetimes(graph: Graph, order: readonly number[], opts: LifetimeOptions = {}): Lifetimes {
  checkOrder(graph, order);
  const align = opts.align ?? TFLM_ALIGNMENT;
  const scratch = opts.scratch ?? scratchBytes;
  const aliases = opts.aliasReshape ? reshapeAliases(graph) : {};
  const root = (t: number) => aliases[t] ?? t;
  const n = order.length;
  const end = Math.max(0, n - 1);
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const touch = (t: number, pos: number, created: boolean) => {
    const r = root(t);
    if (created) first.set(r, Math.min(first.get(r) ?? pos, pos));
    last.set(r, Math.max(last.get(r) ?? pos, pos));
  };
  for (const t of graph.inputs) if (isPlannedTensor(graph, t)) touch(t, 0, true);
  order.forEach((opIdx, pos) => {
    const op = graph.ops[opIdx];
    for (const t of op.outputs) if (isPlannedTensor(graph, t)) touch(t, pos, true);
    for (const t of op.inputs) {
      if (t < 0 || !isPlannedTensor(graph, t)) continue;
      if (!first.has(root(t))) {
        throw new ModelError(`op ${opIdx} (${op.name}) reads tensor ${t} "${graph.tensors[t].name}" that nothing produces`,
          { op: opIdx, opKind: op.kind, tensor: t });
      }
      touch(t, pos, false);
    }
  });
  for (const t of graph.outputs) {
    if (!isPlannedTensor(graph, t)) continue;
    if (!first.has(root(t))) throw new ModelError(`model output tensor ${t} is never produced`, { tensor: t });
    touch(t, end, false);
  }
  const buffers: BufferReq[] = [];
  const roots = [...first.keys()].sort((a, b) => a - b);
  for (const t of roots) {
    buffers.push({
      id: buffers.length,
      size: alignUp(tensorBytes(graph.tensors[t]), align),
      firstOp: first.get(t)!,
      lastOp: last.get(t)!,
      tensor: t,
      kind: 'activation',
    });
  }
  if (opts.streaming) addStreamPairs(graph, order, buffers, root, align);
  order.forEach((opIdx, pos) => {
    const bytes = scratch(graph, opIdx);
    if (bytes > 0) {
      buffers.push({ id: buffers.length, size: alignUp(bytes, align), firstOp: pos, lastOp: pos, kind: 'scratch', op: opIdx });
    }
  });
  return { buffers, aliases };
}

/**
 * Marks each op output that may stream over one of the op's inputs (streaming.ts): the input's
 * buffer must end its life at this op and not be a model output, the output must be its own
 * buffer's first tensor. Among several candidates the one saving most bytes wins; a pair whose
 * aligned lag leaves no saving is not recorded.
 */
function addStreamPairs(graph: Graph, order: readonly number[], buffers: BufferReq[], root: (t: number) => number, align: number): void {
  const byTensor = new Map<number, BufferReq>();
  for (const b of buffers) if (b.tensor !== undefined) byTensor.set(b.tensor, b);
  const outputs = new Set(graph.outputs.map(root));
  const taken = new Set<number>();
  order.forEach((opIdx, pos) => {
    const op = graph.ops[opIdx];
    if (op.outputs.length !== 1 && op.kind !== 'RESIDUAL_BLOCK') return;
    const x = op.outputs[0];
    const out = byTensor.get(x);
    if (out === undefined || root(x) !== x || out.firstOp !== pos) return;
    let best: { id: number; lag: number; lagAbove?: number; saving: number } | undefined;
    for (const { input, lag, lagAbove } of streamInputs(graph, opIdx)) {
      if (input < 0 || !isPlannedTensor(graph, input)) continue;
      const r = root(input);
      const inBuf = byTensor.get(r);
      if (inBuf === undefined || r === x || outputs.has(r) || inBuf.lastOp !== pos || taken.has(inBuf.id)) continue;
      const below = alignUp(lag, align);
      const above = lagAbove === undefined ? undefined : alignUp(lagAbove, align);
      const usableAbove = above !== undefined && above < inBuf.size ? above : undefined;
      if (below >= out.size && usableAbove === undefined) continue;
      // A lag of the whole output means "never below while overlapping" (only above).
      const lagBelow = Math.min(below, out.size);
      const saving = streamSaving(out, inBuf, lagBelow, usableAbove);
      if (saving > 0 && (best === undefined || saving > best.saving)) {
        best = { id: inBuf.id, lag: lagBelow, ...(usableAbove !== undefined ? { lagAbove: usableAbove } : {}), saving };
      }
    }
    if (best !== undefined) {
      const { saving: _saving, ...pairing } = best;
      out.streamsOver = pairing;
      taken.add(best.id);
    }
  });
}
