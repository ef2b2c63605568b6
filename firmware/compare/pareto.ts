// Which configurations are worth a lab's attention for one model on one board: the fastest, the
// one with the least on-device RAM, and the Pareto set (no other configuration is at least as
// good on both counts and better on one). Pure functions over numbers, compared within one
// board only (counts of different boards are different units).

export interface Point { count: number; ramBytes: number }

/** Indexes of the points no other point dominates (lower is better on both axes). Equal
 * points are all kept: neither dominates the other. */
export function paretoFront(points: readonly Point[]): number[] {
  const out: number[] = [];
  points.forEach((p, i) => {
    const dominated = points.some((q, j) => j !== i && q.count <= p.count && q.ramBytes <= p.ramBytes && (q.count < p.count || q.ramBytes < p.ramBytes));
    if (!dominated) out.push(i);
  });
  return out;
}

/** Index of the minimum by `key`, ties broken by the other axis, then by position. */
export function bestBy(points: readonly Point[], key: keyof Point): number | undefined {
  const other: keyof Point = key === 'count' ? 'ramBytes' : 'count';
  let best: number | undefined;
  points.forEach((p, i) => {
    const b = best === undefined ? undefined : points[best]!;
    if (!b || p[key] < b[key] || (p[key] === b[key] && p[other] < b[other])) best = i;
  });
  return best;
}
