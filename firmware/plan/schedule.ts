// Execution order. The model's own order is the default; for graphs that are not a chain
// (residual adds, branches) another topological order can need less memory at once, e.g.
// finishing one branch before starting the other. optimizeOrder minimizes the peak of live
// bytes (the planner's lower bound) over all topological orders:
// - exact: dynamic programming over the set of executed ops (a down-set of the graph), memo
//   keyed on that set; chains have n+1 such sets, a few branches multiply that modestly;
// - fallback when the number of sets exceeds a budget: a greedy list scheduler (run the
//   ready op that needs the least memory while it runs, then leaves the least behind),
//   kept only if it beats the model order.
// Live bytes are counted exactly like lifetimes.ts (same sizes, alignment, aliasing,
// scratch), so the peak here equals lowerBound() of the buffers planned for that order.
import { isActivation, type Graph } from '../ir/graph.ts';
import { lowerBound } from './bounds.ts';
import { bufferLifetimes, checkOrder, type LifetimeOptions } from './lifetimes.ts';

export interface ScheduleOptions extends LifetimeOptions {
  /** Most executed-op sets the exact search may visit before falling back (default 200000). */
  stateBudget?: number;
}

export interface Schedule {
  order: number[];
  /** Peak live bytes of this order (= lowerBound of its buffers). */
  peakLive: number;
  /** True when the order is proven to minimize peak live bytes. */
  exact: boolean;
}

export function modelOrder(graph: Graph): number[] {
  return graph.ops.map((_, i) => i);
}

/** Peak live bytes of an order: the lower bound any planner faces with it. */
export function peakLiveBytes(graph: Graph, order: readonly number[], opts: LifetimeOptions = {}): number {
  return lowerBound(bufferLifetimes(graph, order, opts).buffers);
}

interface UsageModel {
  n: number;
  /** Ops that must run before each op (producers of its activation inputs). */
  deps: number[][];
  buffers: Array<{ size: number; producers: number[]; users: number[]; fromStart: boolean; toEnd: boolean }>;
  scratch: number[];
}

/** Who creates and who reads each planned buffer, derived from the model-order lifetimes so
 *  that sizes, aliasing and scratch are identical to what the planner will see. */
function usageModel(graph: Graph, opts: LifetimeOptions): UsageModel {
  const n = graph.ops.length;
  const { buffers, aliases } = bufferLifetimes(graph, modelOrder(graph), opts);
  const root = (t: number) => aliases[t] ?? t;
  const byTensor = new Map<number, number>();
  const model: UsageModel = { n, deps: [], buffers: [], scratch: new Array(n).fill(0) };
  for (const b of buffers) {
    if (b.kind === 'scratch') { model.scratch[b.op!] += b.size; continue; }
    byTensor.set(b.tensor!, model.buffers.length);
    model.buffers.push({ size: b.size, producers: [], users: [], fromStart: false, toEnd: false });
  }
  for (const t of graph.inputs) { const k = byTensor.get(root(t)); if (k !== undefined) model.buffers[k].fromStart = true; }
  for (const t of graph.outputs) { const k = byTensor.get(root(t)); if (k !== undefined) model.buffers[k].toEnd = true; }
  const producerOf = new Map<number, number>();
  graph.ops.forEach((op, i) => {
    for (const t of op.outputs) {
      producerOf.set(t, i);
      const k = byTensor.get(root(t));
      if (k !== undefined) { model.buffers[k].producers.push(i); model.buffers[k].users.push(i); }
    }
  });
  graph.ops.forEach((op, i) => {
    const deps = new Set<number>();
    for (const t of op.inputs) {
      if (t < 0) continue;
      const p = producerOf.get(t);
      if (p !== undefined && isActivation(graph.tensors[t])) deps.add(p);
      const k = byTensor.get(root(t));
      if (k !== undefined) model.buffers[k].users.push(i);
    }
    model.deps.push([...deps]);
  });
  return model;
}

/** Bytes live while `v` runs, with `done` the ops already executed (`count` of them). */
function liveDuring(m: UsageModel, done: Uint8Array, count: number, v: number): number {
  let sum = m.scratch[v];
  for (const b of m.buffers) {
    const started = b.fromStart || b.producers.some((p) => p === v || done[p]);
    if (!started) continue;
    // An unread model input still occupies position 0 (lifetimes.ts gives it 0..0).
    const pending = b.toEnd || b.users.some((u) => !done[u]) || (count === 0 && b.fromStart);
    if (pending) sum += b.size;
  }
  return sum;
}

function ready(m: UsageModel, done: Uint8Array, v: number): boolean {
  return !done[v] && m.deps[v].every((d) => done[d]);
}

class BudgetExceeded extends Error {}

function exactOrder(m: UsageModel, budget: number): { order: number[]; peak: number } {
  const memo = new Map<string, { peak: number; next: number }>();
  const done = new Uint8Array(m.n);
  const key = () => String.fromCharCode(...done);
  const solve = (count: number): number => {
    if (count === m.n) return 0;
    const k = key();
    const hit = memo.get(k);
    if (hit) return hit.peak;
    if (memo.size >= budget) throw new BudgetExceeded();
    let best = Infinity;
    let next = -1;
    for (let v = 0; v < m.n; v++) {
      if (!ready(m, done, v)) continue;
      const now = liveDuring(m, done, count, v);
      if (now >= best) continue; // cannot beat the best branch found so far
      done[v] = 1;
      const rest = solve(count + 1);
      done[v] = 0;
      const peak = Math.max(now, rest);
      if (peak < best) { best = peak; next = v; }
    }
    memo.set(k, { peak: best, next });
    return best;
  };
  const peak = solve(0);
  const order: number[] = [];
  done.fill(0);
  while (order.length < m.n) {
    const v = memo.get(key())!.next;
    order.push(v);
    done[v] = 1;
  }
  return { order, peak };
}

function listSchedule(m: UsageModel): number[] {
  const done = new Uint8Array(m.n);
  const order: number[] = [];
  while (order.length < m.n) {
    let best = -1;
    let bestNow = Infinity;
    let bestAfter = Infinity;
    for (let v = 0; v < m.n; v++) {
      if (!ready(m, done, v)) continue;
      const now = liveDuring(m, done, order.length, v);
      done[v] = 1;
      // What stays live afterwards: measured as the cheapest next step would see it.
      let after = 0;
      for (const b of m.buffers) {
        const started = b.fromStart || b.producers.some((p) => done[p]);
        if (started && (b.toEnd || b.users.some((u) => !done[u]))) after += b.size;
      }
      done[v] = 0;
      if (now < bestNow || (now === bestNow && after < bestAfter)) { best = v; bestNow = now; bestAfter = after; }
    }
    order.push(best);
    done[best] = 1;
  }
  return order;
}

/** The topological order with the least peak of live bytes (exact when within budget). */
export function optimizeOrder(graph: Graph, opts: ScheduleOptions = {}): Schedule {
  const base = modelOrder(graph);
  checkOrder(graph, base);
  const m = usageModel(graph, opts);
  try {
    const { order } = exactOrder(m, opts.stateBudget ?? 200_000);
    return { order, peakLive: peakLiveBytes(graph, order, opts), exact: true };
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
  }
  const candidates = [base, listSchedule(m)];
  let best: Schedule = { order: base, peakLive: Infinity, exact: false };
  for (const order of candidates) {
    const peakLive = peakLiveBytes(graph, order, opts);
    if (peakLive < best.peakLive) best = { order, peakLive, exact: false };
  }
  return best;
}
