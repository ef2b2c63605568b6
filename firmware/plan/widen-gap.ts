// Widening one streaming pair's gap in a finished layout: the planner places a streaming output
// at least its rule's lag below the input (streaming.ts), but a backend's fastest kernel for the
// op may need more (the RV32 quad walker's border column quads run before its raster walk).
// Where the arena has room, one buffer of the pair moves — the input up or the output down,
// inside the plan's peak — so the output starts at least `gap` bytes below the input. Every
// other constraint still holds (verifyPlan) and no other streaming pair of the moved buffer
// gets closer than it was (its kernel may have been chosen for that distance); the peak never
// grows. A pure function of the layout, like the planners.
import { alignUp } from './lifetimes.ts';
import { verifyPlan } from './verify.ts';
import type { BufferReq } from './types.ts';

/** Signed distance from x's start to y's start when x and y share bytes, else undefined. */
function overlapGap(buffers: readonly BufferReq[], offsets: readonly number[], x: number, y: number): number | undefined {
  const ox = offsets[x]!; const oy = offsets[y]!;
  return ox < oy + buffers[y]!.size && oy < ox + buffers[x]!.size ? oy - ox : undefined;
}

/** True when no streaming pair of buffer m other than (out, its input) is closer under
 * `next` than under `prev` (same side and at least as far apart, or no longer overlapping). */
function otherPairsKept(buffers: readonly BufferReq[], prev: readonly number[], next: readonly number[], m: number, out: number): boolean {
  for (const b of buffers) {
    const s = b.streamsOver;
    if (s === undefined || b.id === out || (b.id !== m && s.id !== m)) continue;
    const after = overlapGap(buffers, next, b.id, s.id);
    if (after === undefined) continue;
    const before = overlapGap(buffers, prev, b.id, s.id);
    if (before === undefined || Math.sign(after) !== Math.sign(before) || Math.abs(after) < Math.abs(before)) return false;
  }
  return true;
}

/**
 * Offsets with output buffer `out` (which streams over its input) starting at least `gap` bytes
 * below that input, by moving the input up or else the output down (nearest place first), the
 * layout within `peak` bytes; undefined when the pair is not placed below-and-overlapping, or
 * already far enough apart, or no place keeps the layout valid. `movable(id)`: whether the
 * caller can move buffer id (e.g. it holds one tensor only).
 */
export function widenGap(buffers: readonly BufferReq[], offsets: readonly number[], out: number, gap: number, peak: number,
  align: number, movable: (id: number) => boolean): number[] | undefined {
  const s = buffers[out]?.streamsOver;
  if (s === undefined) return undefined;
  const input = s.id;
  const d = overlapGap(buffers, offsets, out, input);
  if (d === undefined || d < 0 || d >= gap) return undefined;
  const tryAt = (m: number, at: number): number[] | undefined => {
    const next = [...offsets];
    next[m] = at;
    try { verifyPlan(buffers, next); } catch { return undefined; }
    return otherPairsKept(buffers, offsets, next, m, out) ? next : undefined;
  };
  if (movable(input)) {
    for (let at = alignUp(offsets[out]! + gap, align); at + buffers[input]!.size <= peak; at += align) {
      const r = tryAt(input, at);
      if (r) return r;
    }
  }
  if (movable(out)) {
    for (let at = Math.floor((offsets[input]! - gap) / align) * align; at >= 0; at -= align) {
      const r = tryAt(out, at);
      if (r) return r;
    }
  }
  return undefined;
}
