// Independent check of a layout: every offset is a non-negative integer, and no two buffers
// that are live at the same time share a byte — except a streaming pair placed with at least
// its lag between their starts (BufferReq.streamsOver). Used after every plan and by the tests.
import { compatiblePlacement, overlapInTime } from './bounds.ts';
import type { BufferReq } from './types.ts';

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

/** Throws PlanError naming the first problem found; returns nothing when the layout is valid. */
export function verifyPlan(buffers: readonly BufferReq[], offsets: readonly number[]): void {
  if (offsets.length !== buffers.length) {
    throw new PlanError(`plan has ${offsets.length} offsets for ${buffers.length} buffers`);
  }
  for (let i = 0; i < buffers.length; i++) {
    const o = offsets[i];
    if (!Number.isInteger(o) || o < 0) throw new PlanError(`buffer ${i} has invalid offset ${o}`);
  }
  // Sweep in offset order so only neighbours in memory are compared: O(n log n + overlaps).
  const idx = buffers.map((_, i) => i).filter((i) => buffers[i].size > 0)
    .sort((a, b) => offsets[a] - offsets[b]);
  for (let x = 0; x < idx.length; x++) {
    const a = idx[x];
    const aEnd = offsets[a] + buffers[a].size;
    for (let y = x + 1; y < idx.length && offsets[idx[y]] < aEnd; y++) {
      const b = idx[y];
      if (overlapInTime(buffers[a], buffers[b]) && !compatiblePlacement(buffers[a], offsets[a], buffers[b], offsets[b])) {
        throw new PlanError(
          `buffers ${a} [${offsets[a]}, ${aEnd}) ops ${buffers[a].firstOp}..${buffers[a].lastOp} and ` +
          `${b} [${offsets[b]}, ${offsets[b] + buffers[b].size}) ops ${buffers[b].firstOp}..${buffers[b].lastOp} ` +
          'overlap in memory while both are live');
      }
    }
  }
}

/** Checks that requests are well formed before planning: dense ids, sane sizes and spans. */
export function validateRequests(buffers: readonly BufferReq[]): void {
  buffers.forEach((b, i) => {
    if (b.id !== i) throw new PlanError(`buffer at index ${i} has id ${b.id} (ids must equal their index)`);
    if (!Number.isInteger(b.size) || b.size < 0) throw new PlanError(`buffer ${i} has invalid size ${b.size}`);
    if (!Number.isInteger(b.firstOp) || !Number.isInteger(b.lastOp) || b.firstOp < 0 || b.lastOp < b.firstOp) {
      throw new PlanError(`buffer ${i} has invalid lifetime ${b.firstOp}..${b.lastOp}`);
    }
    const s = b.streamsOver;
    if (s !== undefined) {
      const partner = buffers[s.id];
      if (!Number.isInteger(s.id) || partner === undefined || s.id === i) throw new PlanError(`buffer ${i} streams over invalid buffer ${s.id}`);
      if (!Number.isInteger(s.lag) || s.lag < 0 || s.lag > b.size) throw new PlanError(`buffer ${i} has invalid streaming lag ${s.lag} (size ${b.size})`);
      if (partner.streamsOver?.id === i) throw new PlanError(`buffers ${i} and ${s.id} stream over each other`);
      if (s.lagAbove !== undefined && (!Number.isInteger(s.lagAbove) || s.lagAbove < 0 || s.lagAbove >= partner.size)) {
        throw new PlanError(`buffer ${i} has invalid streaming lag above ${s.lagAbove} (input size ${partner.size})`);
      }
    }
  });
}
