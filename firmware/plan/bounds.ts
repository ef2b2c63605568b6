// Measures on a set of buffer requests that every planner and test shares: whether two
// buffers must coexist, which bytes of a placed buffer another one must avoid, the arena a
// set of offsets needs, and the lower bound no layout can beat (the most bytes simultaneously
// live at one schedule position, less what streaming overlaps may share).
import type { BufferReq } from './types.ts';

/** True when both buffers hold data at some common schedule position (ranges are inclusive). */
export function overlapInTime(a: BufferReq, b: BufferReq): boolean {
  return a.firstOp <= b.lastOp && b.firstOp <= a.lastOp;
}

/**
 * The range [lo, hi) that buffer `b` must not overlap (b placed at o conflicts iff
 * o + b.size > lo && o < hi) when buffer `p` sits at `offset` and both are live together.
 * Normally p's own bytes. When one streams over the other, only the part the lags protect
 * (the range may then be "inverted", lo > hi: the predicate above still holds).
 */
export function blockedRange(b: BufferReq, p: BufferReq, offset: number): [number, number] {
  // b (an output) streaming over p: b may start at or below offset - lag, or at or above
  // offset + lagAbove (backward kernel; else p's end).
  if (b.streamsOver !== undefined && b.streamsOver.id === p.id) {
    return [offset - b.streamsOver.lag + b.size, offset + Math.min(b.streamsOver.lagAbove ?? p.size, p.size)];
  }
  // p (an output at offset) streaming over b: b may start at or above offset + lag, or at or
  // below offset - lagAbove.
  if (p.streamsOver !== undefined && p.streamsOver.id === b.id) {
    return [offset - Math.min(p.streamsOver.lagAbove ?? b.size, b.size) + b.size, offset + p.streamsOver.lag];
  }
  return [offset, offset + p.size];
}

/** True when `a` at `oa` and `b` at `ob` may both hold data at the same time. */
export function compatiblePlacement(a: BufferReq, oa: number, b: BufferReq, ob: number): boolean {
  if (a.size === 0 || b.size === 0) return true;
  const [lo, hi] = blockedRange(a, b, ob);
  return !(oa + a.size > lo && oa < hi);
}

/** Arena bytes needed by a layout: the highest end address of any buffer. */
export function peakOf(buffers: readonly BufferReq[], offsets: readonly number[]): number {
  let peak = 0;
  for (let i = 0; i < buffers.length; i++) {
    if (buffers[i].size > 0) peak = Math.max(peak, offsets[i] + buffers[i].size);
  }
  return peak;
}

/**
 * Bytes a streaming pair can save at the position both are live: the pair needs at least
 * max(out, lag + in) bytes with the output below (starting lag under the input), max(in,
 * lagAbove + out) with it above, out + in when apart.
 */
export function streamSaving(out: BufferReq, input: BufferReq, lag: number, lagAbove?: number): number {
  const below = Math.max(out.size, lag + input.size);
  const above = lagAbove === undefined ? Infinity : Math.max(input.size, lagAbove + out.size);
  return Math.max(0, out.size + input.size - Math.min(below, above));
}

/** Largest sum of sizes of buffers live at any single schedule position, each streaming pair
 *  counted at its smallest footprint. Sweep over events; all events of one position are applied
 *  before the live total is read (ends sort after starts: ranges are inclusive). */
export function lowerBound(buffers: readonly BufferReq[]): number {
  const events: Array<[number, number]> = [];
  for (const b of buffers) {
    if (b.size === 0) continue;
    events.push([b.firstOp * 2, b.size], [b.lastOp * 2 + 1, -b.size]);
    const s = b.streamsOver;
    const input = s !== undefined ? buffers[s.id] : undefined;
    if (s !== undefined && input !== undefined && input.size > 0) {
      // The pair coexists from the later start to the earlier end.
      const from = Math.max(b.firstOp, input.firstOp);
      const to = Math.min(b.lastOp, input.lastOp);
      const saving = streamSaving(b, input, s.lag, s.lagAbove);
      if (from <= to && saving > 0) events.push([from * 2, -saving], [to * 2 + 1, saving]);
    }
  }
  events.sort((x, y) => x[0] - y[0]);
  let live = 0;
  let best = 0;
  for (let i = 0; i < events.length; i++) {
    live += events[i]![1];
    if (i + 1 === events.length || events[i + 1]![0] !== events[i]![0]) best = Math.max(best, live);
  }
  return best;
}
