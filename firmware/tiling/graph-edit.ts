// Small graph-editing helpers shared by the FDT and FFMT rewrites: copying a graph, finding
// producers and consumers, adding activation and constant tensors, splicing a block of new ops
// in place of a path, and dropping tensors nothing refers to any more.
import type { Graph, Op, Quantization, Tensor } from '../ir/graph.ts';

/** Copy of the graph structure; constant data buffers are shared (rewrites never mutate them). */
export function cloneGraph(g: Graph): Graph {
  return {
    ...g,
    tensors: g.tensors.map((t) => ({ ...t, shape: [...t.shape], quant: t.quant && cloneQuant(t.quant) })),
    ops: g.ops.map((o) => ({ ...o, inputs: [...o.inputs], outputs: [...o.outputs], options: { ...o.options } as Op['options'] })),
    inputs: [...g.inputs],
    outputs: [...g.outputs],
    metadata: g.metadata.map((m) => ({ ...m })),
  };
}

export function cloneQuant(q: Quantization): Quantization {
  return { scale: [...q.scale], zeroPoint: [...q.zeroPoint], axis: q.axis };
}

/** For each tensor id, the op indices that read it. */
export function consumers(g: Graph): number[][] {
  const c: number[][] = g.tensors.map(() => []);
  g.ops.forEach((op, i) => { for (const t of op.inputs) if (t >= 0 && !c[t]!.includes(i)) c[t]!.push(i); });
  return c;
}

export function isConst(g: Graph, id: number): boolean {
  return id >= 0 && g.tensors[id]!.data !== undefined;
}

/** An activation tensor like `like` but with another shape (and optionally other quant). */
export function addActivation(g: Graph, like: Tensor, name: string, shape: number[], quant?: Quantization): number {
  const q = quant ?? (like.quant && cloneQuant(like.quant));
  g.tensors.push({ name, shape: [...shape], dtype: like.dtype, ...(q ? { quant: q } : {}) });
  return g.tensors.length - 1;
}

export function addConst(g: Graph, t: Tensor): number {
  g.tensors.push(t);
  return g.tensors.length - 1;
}

export function addInt32Const(g: Graph, name: string, shape: number[], values: number[]): number {
  const data = new Uint8Array(values.length * 4);
  const view = new DataView(data.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, v, true));
  return addConst(g, { name, shape, dtype: 'int32', data });
}

/**
 * Replaces the ops at `remove` (indices) by `block`, inserted where the last removed op was.
 * Valid for every path the rewrites accept: the block reads the path's input, constants and
 * (residual ADD) tensors produced before the path's last op; ops between the path's ops never
 * read the path's intermediates (each has a single reader inside the path).
 */
export function spliceOps(g: Graph, remove: number[], block: Op[]): void {
  const first = Math.max(...remove);
  const drop = new Set(remove);
  const out: Op[] = [];
  g.ops.forEach((op, i) => {
    if (i === first) out.push(...block);
    if (!drop.has(i)) out.push(op);
  });
  g.ops = out;
}

/** Removes tensors no op, input or output refers to, renumbering the rest. */
export function compactTensors(g: Graph): void {
  const used = new Array<boolean>(g.tensors.length).fill(false);
  for (const op of g.ops) for (const t of [...op.inputs, ...op.outputs]) if (t >= 0) used[t] = true;
  for (const t of [...g.inputs, ...g.outputs]) used[t] = true;
  const remap = new Array<number>(g.tensors.length).fill(-1);
  const tensors: Tensor[] = [];
  g.tensors.forEach((t, i) => { if (used[i]) { remap[i] = tensors.length; tensors.push(t); } });
  const m = (t: number): number => (t < 0 ? t : remap[t]!);
  g.tensors = tensors;
  for (const op of g.ops) { op.inputs = op.inputs.map(m); op.outputs = op.outputs.map(m); }
  g.inputs = g.inputs.map(m);
  g.outputs = g.outputs.map(m);
}

/** Metadata that describes tensor ids is stale after a rewrite; drop it. */
export function dropPlanMetadata(g: Graph): void {
  g.metadata = g.metadata.filter((m) => m.name !== 'OfflineMemoryAllocation');
}

/** Channel ranges [begin, end) splitting `channels` into `parts` near-equal parts. */
export function splitRange(total: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  const base = Math.floor(total / parts);
  const extra = total % parts;
  let at = 0;
  for (let p = 0; p < parts; p++) {
    const len = base + (p < extra ? 1 : 0);
    out.push([at, at + len]);
    at += len;
  }
  return out;
}

/** Slices constant data along one axis (row-major, any element size) to [begin, end). */
export function sliceConstData(t: Tensor, axis: number, begin: number, end: number, elemBytes: number): Uint8Array {
  const shape = t.shape;
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1) * elemBytes;
  const dim = shape[axis]!;
  const len = end - begin;
  const src = t.data!;
  const out = new Uint8Array(outer * len * inner);
  for (let o = 0; o < outer; o++) {
    out.set(src.subarray((o * dim + begin) * inner, (o * dim + end) * inner), o * len * inner);
  }
  return out;
}
