// Heuristic planner: lowest-fit placement in TFLM's greedy order and four other orders (by
// size x lifetime, lifetime, start, end), keep the best, then a short deterministic local
// search on the order. Never worse than greedy, fast (no exhaustive search), and the one to use
// with streaming pairs: TFLM's size order alone often places a streaming output above its input
// where it cannot overlap (planners/optimal.ts uses it as its incumbent).
import { lowerBound, peakOf } from '../bounds.ts';
import { lowestFitInOrder } from '../first-fit.ts';
import type { BufferReq, PlanOptions, Planner, PlannerOutcome } from '../types.ts';
import { tflmGreedyOrder } from './greedy.ts';

const DEFAULT_TIME_LIMIT_MS = 2000;

export function solveHeuristic(buffers: readonly BufferReq[], opts: PlanOptions = {}): PlannerOutcome {
  const deadline = performance.now() + (opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
  let bestOrder: number[] = [];
  let start: number[] = new Array(buffers.length).fill(0);
  let startPeak = Infinity;
  for (const order of heuristicOrders(buffers)) {
    const offs = lowestFitInOrder(buffers, order);
    const peak = peakOf(buffers, offs);
    if (peak < startPeak) { startPeak = peak; start = offs; bestOrder = order; }
  }
  const lb = lowerBound(buffers);
  if (startPeak > lb) {
    const moves = opts.localSearchMoves ?? Math.min(4000, 40 * buffers.length);
    const improved = improveOrder(buffers, bestOrder, startPeak, lb, deadline, moves);
    if (improved.peak < startPeak) { startPeak = improved.peak; start = lowestFitInOrder(buffers, improved.order); }
  }
  return { offsets: start, provenOptimal: startPeak <= lb };
}

/** Heuristic placement orders tried before the search to get a strong incumbent. */
export function heuristicOrders(buffers: readonly BufferReq[]): number[][] {
  const ids = buffers.map((_, i) => i);
  const len = (i: number) => buffers[i].lastOp - buffers[i].firstOp + 1;
  const by = (cmp: (a: number, b: number) => number) => [...ids].sort((a, b) => cmp(a, b) || a - b);
  return [
    tflmGreedyOrder(buffers),
    by((a, b) => buffers[b].size * len(b) - buffers[a].size * len(a)),
    by((a, b) => len(b) - len(a) || buffers[b].size - buffers[a].size),
    by((a, b) => buffers[a].firstOp - buffers[b].firstOp || buffers[b].size - buffers[a].size),
    by((a, b) => buffers[b].lastOp - buffers[a].lastOp || buffers[b].size - buffers[a].size),
  ];
}

/**
 * Local search on the placement order (deterministic: fixed seed and move budget): move one
 * buffer, preferring one that touches the peak, to an earlier place in the order; keep the
 * move when the peak does not grow (plateaus let the search drift). A better incumbent makes
 * the branch and bound cut far more.
 */
export function improveOrder(buffers: readonly BufferReq[], order: number[], peak: number, lb: number, deadline: number, budget: number): { order: number[]; peak: number } {
  const n = order.length;
  let seed = 0x9e3779b9;
  const rnd = (k: number) => {
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return seed % k;
  };
  let cur = [...order];
  let curOffs = lowestFitInOrder(buffers, cur);
  let curPeak = peak;
  for (let it = 0; it < budget && curPeak > lb; it++) {
    if ((it & 31) === 0 && performance.now() > deadline) break;
    // Pick a buffer ending at the peak half the time, any buffer otherwise.
    let pos: number;
    if (rnd(2) === 0) {
      const tops = cur.map((id, k) => [id, k]).filter(([id]) => buffers[id].size > 0 && curOffs[id] + buffers[id].size === curPeak);
      pos = tops[rnd(tops.length)][1];
    } else {
      pos = rnd(n);
    }
    if (pos === 0) continue;
    const to = rnd(pos);
    const next = [...cur];
    const [moved] = next.splice(pos, 1);
    next.splice(to, 0, moved);
    const offs = lowestFitInOrder(buffers, next);
    const p = peakOf(buffers, offs);
    if (p <= curPeak) { cur = next; curOffs = offs; curPeak = p; }
  }
  return { order: cur, peak: curPeak };
}


export const heuristic: Planner = {
  name: 'heuristic',
  listOrder: 2,
  description: "best of five lowest-fit orders (TFLM's first) plus a short local search; no exhaustive search",
  plan: (buffers, opts) => solveHeuristic(buffers, opts).offsets,
  solve: (buffers, opts) => solveHeuristic(buffers, opts),
};

export { heuristic as planner };
