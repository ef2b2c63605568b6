// Lowest-fit placement: put buffers, one after another in a given order, at the lowest offset
// where they do not collide with an already placed buffer that is live at the same time.
// TFLite-Micro's greedy planner is this with "largest first" order; the exact planner uses it
// to turn candidate orders into layouts (every optimal layout is reachable as some order).
// A buffer in a streaming pair (BufferReq.streamsOver) collides with its partner only on the
// bytes the lag protects (bounds.ts blockedRange); buffers in no pair take the plain path.
import { blockedRange } from './bounds.ts';
import type { BufferReq } from './types.ts';

/** Offsets for `buffers` placed in `order` (a permutation of buffer indices). */
export function lowestFitInOrder(buffers: readonly BufferReq[], order: readonly number[]): number[] {
  const n = buffers.length;
  const offsets = new Array<number>(n).fill(0);
  // Buffers that take part in a streaming pair (either side).
  const paired = new Uint8Array(n);
  for (const b of buffers) {
    if (b.streamsOver !== undefined) { paired[b.id] = 1; paired[b.streamsOver.id] = 1; }
  }
  // Placed buffers kept sorted by offset (parallel arrays, insertion keeps order stable).
  const placedIdx = new Int32Array(n);
  const placedOff = new Float64Array(n);
  let count = 0;
  for (const id of order) {
    const b = buffers[id];
    if (b.size === 0) { offsets[id] = 0; continue; }
    let candidate = 0;
    if (!paired[id]) {
      for (let k = 0; k < count; k++) {
        const p = buffers[placedIdx[k]];
        if (p.firstOp > b.lastOp || b.firstOp > p.lastOp) continue; // not live together
        if (placedOff[k] - candidate >= b.size) break; // the gap below p fits
        const end = placedOff[k] + p.size;
        if (end > candidate) candidate = end;
      }
    } else {
      // Blocked ranges no longer start in offset order: collect, sort, then the same scan.
      const ranges: Array<[number, number]> = [];
      for (let k = 0; k < count; k++) {
        const p = buffers[placedIdx[k]];
        if (p.firstOp > b.lastOp || b.firstOp > p.lastOp) continue;
        ranges.push(blockedRange(b, p, placedOff[k]));
      }
      ranges.sort((x, y) => x[0] - y[0]);
      for (const [lo, hi] of ranges) {
        if (lo - candidate >= b.size) break;
        if (hi > candidate) candidate = hi;
      }
    }
    offsets[id] = candidate;
    // Insert after every entry with offset <= candidate (same as TFLM's list insertion).
    let pos = count;
    while (pos > 0 && placedOff[pos - 1] > candidate) {
      placedOff[pos] = placedOff[pos - 1];
      placedIdx[pos] = placedIdx[pos - 1];
      pos--;
    }
    placedOff[pos] = candidate;
    placedIdx[pos] = id;
    count++;
  }
  return offsets;
}
