// Execution order. The model's own order is the default; for graphs that are not a chain
// (residual adds, branches) another topological order can need less memory at once, e.g.
// finishing one branch before starting the other. optimizeOrder minimizes the peak of live
// bytes (the planner's lower bound) over all topological orders:
// - exact: dynamic programming over the set of executed ops (a down-set of the graph), memo
//   keyed on that set; chains have n+1 such sets, a few branches multiply that modestly;
// - it starts from the better of the model order and a greedy list schedule (run the ready
//   op that needs the least memory while it runs, then leaves the least behind) and only
//   explores partial orders that can still beat it, so graphs where the model order is
//   already best finish fast;
// - past a state budget or time limit it returns that incumbent (exact = false).
// Live bytes are counted exactly like lifetimes.ts (same sizes, alignment, aliasing,
// scratch), so the peak here equals lowerBound() of the buffers planned for that order.
import { isActivation, type Graph } from '../ir/graph.ts';
import { lowerBound } from './bounds.ts';
import { bufferLifetimes, checkOrder, type LifetimeOptions } from './lifetimes.ts';

export interface ScheduleOptions extends LifetimeOptions {
  /** Most executed-op sets the exact search may visit before falling back (default 50000). */
  stateBudget?: number;
  /** Time the exact search may take before falling back (default 500 ms). */
  timeLimitMs?: number;
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

/**
 * Incremental state of a partial execution: which ops ran, how many bytes are live between
 * ops (`base`), and per buffer how many of its producers ran and how many users are left.
 * Executing and un-executing an op touch only that op's buffers, so the search below costs
 * O(ops touched) per step instead of O(all buffers).
 */
class ExecState {
  readonly done: Uint8Array;
  readonly key16: Uint16Array;
  readonly depsLeft: Int32Array;
  readonly started: Int32Array;
  readonly pending: Int32Array;
  count = 0;
  base = 0;
  /** Buffers each op touches (produces or reads), and ops that wait on each op. */
  private readonly touches: number[][];
  private readonly successors: number[][];
  private readonly unreadInputBytes: number;

  constructor(private readonly m: UsageModel) {
    this.done = new Uint8Array(m.n);
    this.key16 = new Uint16Array(Math.ceil(m.n / 16) || 1);
    this.depsLeft = Int32Array.from(m.deps, (d) => d.length);
    this.started = Int32Array.from(m.buffers, (b) => (b.fromStart ? 1 : 0));
    this.pending = Int32Array.from(m.buffers, (b) => b.users.length);
    this.touches = Array.from({ length: m.n }, () => [] as number[]);
    m.buffers.forEach((b, k) => { for (const u of new Set(b.users)) this.touches[u].push(k); });
    this.successors = Array.from({ length: m.n }, () => [] as number[]);
    m.deps.forEach((ds, v) => { for (const d of ds) this.successors[d].push(v); });
    let unread = 0;
    m.buffers.forEach((b, k) => {
      if (this.isLive(k)) this.base += b.size;
      else if (b.fromStart) unread += b.size; // a model input nobody reads: live at position 0 only
    });
    this.unreadInputBytes = unread;
  }

  private isLive(k: number): boolean {
    const b = this.m.buffers[k];
    return this.started[k] > 0 && (b.toEnd || this.pending[k] > 0);
  }

  ready(v: number): boolean {
    return !this.done[v] && this.depsLeft[v] === 0;
  }

  /** Bytes live while `v` runs next: what is live now, plus v's fresh outputs and scratch. */
  liveDuring(v: number): number {
    let sum = this.base + this.m.scratch[v] + (this.count === 0 ? this.unreadInputBytes : 0);
    for (const k of this.touches[v]) {
      if (this.started[k] === 0) sum += this.m.buffers[k].size; // produced by v (lifetimes.ts counts it at v)
    }
    return sum;
  }

  apply(v: number, dir: 1 | -1): void {
    for (const k of this.touches[v]) {
      const before = this.isLive(k);
      const b = this.m.buffers[k];
      if (b.producers.includes(v)) this.started[k] += dir;
      for (const u of b.users) if (u === v) this.pending[k] -= dir;
      const after = this.isLive(k);
      if (before !== after) this.base += after ? b.size : -b.size;
    }
    for (const w of this.successors[v]) this.depsLeft[w] -= dir;
    this.done[v] = dir === 1 ? 1 : 0;
    this.key16[v >> 4] ^= 1 << (v & 15);
    this.count += dir;
  }

  key(): string {
    return String.fromCharCode(...this.key16);
  }
}

class SearchAborted extends Error {}

/** Peak of running `order` from scratch, measured with the same state machine. */
function orderPeak(m: UsageModel, order: readonly number[]): number {
  const st = new ExecState(m);
  let peak = 0;
  for (const v of order) { peak = Math.max(peak, st.liveDuring(v)); st.apply(v, 1); }
  return peak;
}

/**
 * Exact minimum peak over topological orders, or undefined when no order beats `upper`
 * (then the caller's order is already optimal). Memo: executed-op set -> min(best peak of
 * the rest, upper); keeping `upper` fixed keeps the memo consistent.
 */
function exactOrder(m: UsageModel, upper: number, budget: number, deadline: number): number[] | undefined {
  const st = new ExecState(m);
  const memo = new Map<string, { peak: number; next: number }>();
  // Whatever the order, op v runs with its own inputs, outputs and scratch live: if one op
  // alone needs `upper`, the incumbent is already optimal.
  const own = m.deps.map((_, v) => m.scratch[v] + m.buffers.reduce((sum, b) => sum + (b.users.includes(v) ? b.size : 0), 0));
  if (Math.max(0, ...own) >= upper) return undefined;
  const solve = (): number => {
    if (st.count === m.n) return 0;
    const k = st.key();
    const hit = memo.get(k);
    if (hit) return hit.peak;
    if (memo.size >= budget || ((memo.size & 1023) === 0 && performance.now() > deadline)) throw new SearchAborted();
    let best = upper;
    let next = -1;
    for (let v = 0; v < m.n; v++) {
      if (!st.ready(v)) continue;
      const now = st.liveDuring(v);
      if (now >= best) continue; // cannot beat the best branch found so far
      st.apply(v, 1);
      const rest = solve();
      st.apply(v, -1);
      const peak = Math.max(now, rest);
      if (peak < best) { best = peak; next = v; }
    }
    memo.set(k, { peak: best, next });
    return best;
  };
  if (solve() >= upper) return undefined;
  const replay = new ExecState(m);
  const order: number[] = [];
  while (order.length < m.n) {
    const v = memo.get(replay.key())!.next;
    order.push(v);
    replay.apply(v, 1);
  }
  return order;
}

/** Greedy list scheduling: run the ready op that needs the least memory while it runs,
 *  then the one leaving the least live afterwards, then the lowest index. */
function listSchedule(m: UsageModel): number[] {
  const st = new ExecState(m);
  const order: number[] = [];
  while (order.length < m.n) {
    let best = -1;
    let bestNow = Infinity;
    let bestAfter = Infinity;
    for (let v = 0; v < m.n; v++) {
      if (!st.ready(v)) continue;
      const now = st.liveDuring(v);
      if (now > bestNow) continue;
      st.apply(v, 1);
      const after = st.base;
      st.apply(v, -1);
      if (now < bestNow || after < bestAfter) { best = v; bestNow = now; bestAfter = after; }
    }
    order.push(best);
    st.apply(best, 1);
  }
  return order;
}

/** The topological order with the least peak of live bytes (exact when within budget). */
export function optimizeOrder(graph: Graph, opts: ScheduleOptions = {}): Schedule {
  const base = modelOrder(graph);
  checkOrder(graph, base);
  const m = usageModel(graph, opts);
  // Incumbent: the better of the model order and list scheduling (model order wins ties).
  let order = base;
  let peak = orderPeak(m, base);
  const listed = listSchedule(m);
  const listedPeak = orderPeak(m, listed);
  if (listedPeak < peak) { order = listed; peak = listedPeak; }
  let exact = true;
  try {
    const deadline = performance.now() + (opts.timeLimitMs ?? 500);
    const better = exactOrder(m, peak, opts.stateBudget ?? 50_000, deadline);
    if (better) order = better;
  } catch (e) {
    if (!(e instanceof SearchAborted)) throw e;
    exact = false;
  }
  return { order, peakLive: peakLiveBytes(graph, order, opts), exact };
}
