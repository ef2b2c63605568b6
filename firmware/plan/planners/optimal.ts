// Exact planner: branch and bound over placement orders, never worse than greedy.
//
// Why orders suffice: take any optimal layout and place its buffers in offset order, each at
// the lowest offset free of the buffers placed before it. Nothing moves up, so the result is
// still optimal; repeating this reaches a layout that lowest-fit reproduces exactly while the
// placed offsets never decrease. The search therefore only enumerates "canonical" sequences:
// each next buffer's lowest-fit offset is >= the previous one's (ties broken by buffer index),
// and identical buffers (same size and lifetime) go in index order.
//
// Pruning at a node whose last placed buffer sits at offset L:
// - every remaining buffer will sit at >= L, so at each schedule position t the arena must
//   hold L + (parts of placed buffers live at t that reach above L) + (remaining bytes live
//   at t); if that reaches the incumbent the node is cut;
// - a remaining buffer whose lowest free gap lies entirely below L can never be placed
//   canonically, so the node is dead.
// The incumbent is the heuristic planner's layout (TFLM's greedy order and four other orders,
// refined by a short deterministic local search on the order: planners/heuristic.ts); the
// search stops early when it reaches the lower bound (then the result is proven) or when the time limit runs out (then
// the incumbent is returned, not proven). Same input, same output — unless the time limit
// cuts the search, which makes the result depend on machine speed (provenOptimal says so).
import { lowerBound, peakOf } from '../bounds.ts';
import type { BufferReq, PlanOptions, Planner, PlannerOutcome } from '../types.ts';
import { solveHeuristic } from './heuristic.ts';

const DEFAULT_TIME_LIMIT_MS = 2000;

export function solveOptimal(buffers: readonly BufferReq[], opts: PlanOptions = {}): PlannerOutcome {
  const deadline = performance.now() + (opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
  const start = solveHeuristic(buffers, { timeLimitMs: opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS });
  // The search's cuts assume buffers live together never share bytes; streaming pairs do, so
  // with them the result is the best heuristic layout, proven only when it meets the bound.
  if (buffers.some((b) => b.streamsOver !== undefined)) return start;
  return branchAndBound(buffers, start.offsets, { timeLimitMs: Math.max(0, deadline - performance.now()) });
}

/**
 * The search itself, improving on a given valid layout (`incumbent`). Exposed so tests can
 * start it from a poor layout and check it still reaches the optimum.
 */
export function branchAndBound(buffers: readonly BufferReq[], incumbent: readonly number[], opts: PlanOptions = {}): PlannerOutcome {
  const n = buffers.length;
  const lb = lowerBound(buffers);
  let bestOffsets: number[] = [...incumbent];
  let best = peakOf(buffers, incumbent);
  if (best <= lb) return { offsets: bestOffsets, provenOptimal: true };

  // Work on the non-empty buffers only, re-indexed 0..m-1.
  const ids = buffers.map((_, i) => i).filter((i) => buffers[i].size > 0);
  const m = ids.length;
  const size = ids.map((i) => buffers[i].size);
  const first = ids.map((i) => buffers[i].firstOp);
  const last = ids.map((i) => buffers[i].lastOp);
  const overlaps = new Uint8Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) overlaps[a * m + b] = first[a] <= last[b] && first[b] <= last[a] ? 1 : 0;
  }
  // Identical buffers are interchangeable: force index order among them.
  const twinPrev = new Int32Array(m).fill(-1);
  for (let b = 0; b < m; b++) {
    for (let a = b - 1; a >= 0; a--) {
      if (size[a] === size[b] && first[a] === first[b] && last[a] === last[b]) { twinPrev[b] = a; break; }
    }
  }
  // Critical positions: the live set only grows at a start, so checking starts is enough.
  const times = [...new Set(first)].sort((x, y) => x - y);
  const T = times.length;
  const timesOf: number[][] = ids.map((_, b) => {
    const ts: number[] = [];
    times.forEach((t, k) => { if (first[b] <= t && t <= last[b]) ts.push(k); });
    return ts;
  });
  const remainingLive = new Float64Array(T);
  for (let b = 0; b < m; b++) for (const k of timesOf[b]) remainingLive[k] += size[b];

  const placed = new Uint8Array(m);
  const offset = new Float64Array(m);
  const seq = new Int32Array(m); // placement sequence = buffers sorted by offset
  const above = new Float64Array(T);
  const timeLimit = opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const deadline = performance.now() + timeLimit;
  let nodes = 0;
  let timedOut = false;
  let done = false;

  const lowestFit = (c: number, depth: number): number => {
    let cand = 0;
    const row = c * m;
    for (let k = 0; k < depth; k++) {
      const p = seq[k];
      if (!overlaps[row + p]) continue;
      if (offset[p] - cand >= size[c]) break;
      const end = offset[p] + size[p];
      if (end > cand) cand = end;
    }
    return cand;
  };

  const bound = (depth: number, L: number): number => {
    above.fill(0);
    for (let k = 0; k < depth; k++) {
      const p = seq[k];
      const end = offset[p] + size[p];
      if (end > L) for (const t of timesOf[p]) above[t] += end - L;
    }
    let b = 0;
    for (let t = 0; t < T; t++) b = Math.max(b, L + above[t] + remainingLive[t]);
    return b;
  };

  const dfs = (depth: number, L: number, lastIdx: number, peak: number): void => {
    if (done) return;
    if ((++nodes & 255) === 0 && performance.now() > deadline) { timedOut = true; done = true; return; }
    if (depth === m) {
      if (peak < best) {
        best = peak;
        const offs = new Array<number>(n).fill(0);
        for (let b = 0; b < m; b++) offs[ids[b]] = offset[b];
        bestOffsets = offs;
        if (best <= lb) done = true;
      }
      return;
    }
    if (bound(depth, L) >= best) return;
    const children: Array<[number, number]> = [];
    for (let c = 0; c < m; c++) {
      if (placed[c] || (twinPrev[c] >= 0 && !placed[twinPrev[c]])) continue;
      const cand = lowestFit(c, depth);
      if (cand < L || (cand === L && c < lastIdx)) {
        if (cand + size[c] <= L) return; // its only gap is below everything still to come
        continue;
      }
      // Lowest-fit offsets only rise as buffers are added: this one can never fit under best.
      if (cand + size[c] >= best) return;
      children.push([cand, c]);
    }
    children.sort((x, y) => x[0] - y[0] || size[y[1]] - size[x[1]] || x[1] - y[1]);
    for (const [cand, c] of children) {
      if (done) return;
      if (cand + size[c] >= best) continue; // incumbent may have improved meanwhile
      placed[c] = 1;
      offset[c] = cand;
      seq[depth] = c;
      for (const t of timesOf[c]) remainingLive[t] -= size[c];
      dfs(depth + 1, cand, c, Math.max(peak, cand + size[c]));
      for (const t of timesOf[c]) remainingLive[t] += size[c];
      placed[c] = 0;
    }
  };
  dfs(0, 0, -1, 0);
  return { offsets: bestOffsets, provenOptimal: !timedOut };
}

export const optimal: Planner = {
  name: 'optimal',
  listOrder: 3,
  description: 'exact branch and bound over placement orders (time-limited, starts from greedy)',
  plan: (buffers, opts) => solveOptimal(buffers, opts).offsets,
  solve: (buffers, opts) => solveOptimal(buffers, opts),
};

export { optimal as planner };
