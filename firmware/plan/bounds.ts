// Measures on a set of buffer requests that every planner and test shares: whether two
// buffers must coexist, the arena a set of offsets needs, and the lower bound no layout
// can beat (the most bytes simultaneously live at one schedule position).
import type { BufferReq } from './types.ts';

/** True when both buffers hold data at some common schedule position (ranges are inclusive). */
export function overlapInTime(a: BufferReq, b: BufferReq): boolean {
  return a.firstOp <= b.lastOp && b.firstOp <= a.lastOp;
}

/** Arena bytes needed by a layout: the highest end address of any buffer. */
export function peakOf(buffers: readonly BufferReq[], offsets: readonly number[]): number {
  let peak = 0;
  for (let i = 0; i < buffers.length; i++) {
    if (buffers[i].size > 0) peak = Math.max(peak, offsets[i] + buffers[i].size);
  }
  return peak;
}

/** Largest sum of sizes of buffers live at any single schedule position. Sweep over start
 *  and end events (ends sort after starts at the same position: ranges are inclusive). */
export function lowerBound(buffers: readonly BufferReq[]): number {
  const events: Array<[number, number]> = [];
  for (const b of buffers) {
    if (b.size === 0) continue;
    events.push([b.firstOp * 2, b.size], [b.lastOp * 2 + 1, -b.size]);
  }
  events.sort((x, y) => x[0] - y[0]);
  let live = 0;
  let best = 0;
  for (const [, delta] of events) {
    live += delta;
    if (live > best) best = live;
  }
  return best;
}
