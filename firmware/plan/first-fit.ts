// Lowest-fit placement: put buffers, one after another in a given order, at the lowest offset
// where they do not collide with an already placed buffer that is live at the same time.
// TFLite-Micro's greedy planner is this with "largest first" order; the exact planner uses it
// to turn candidate orders into layouts (every optimal layout is reachable as some order).
import type { BufferReq } from './types.ts';

/** Offsets for `buffers` placed in `order` (a permutation of buffer indices). */
export function lowestFitInOrder(buffers: readonly BufferReq[], order: readonly number[]): number[] {
  const n = buffers.length;
  const offsets = new Array<number>(n).fill(0);
  // Placed buffers kept sorted by offset (parallel arrays, insertion keeps order stable).
  const placedIdx = new Int32Array(n);
  const placedOff = new Float64Array(n);
  let count = 0;
  for (const id of order) {
    const b = buffers[id];
    if (b.size === 0) { offsets[id] = 0; continue; }
    let candidate = 0;
    for (let k = 0; k < count; k++) {
      const p = buffers[placedIdx[k]];
      if (p.firstOp > b.lastOp || b.firstOp > p.lastOp) continue; // not live together
      if (placedOff[k] - candidate >= b.size) break; // the gap below p fits
      const end = placedOff[k] + p.size;
      if (end > candidate) candidate = end;
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
