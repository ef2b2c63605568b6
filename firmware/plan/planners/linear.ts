// Baseline without reuse (TFLM's LinearMemoryPlanner): every buffer gets its own bytes, one
// after another in request order. Shows what planning saves.
import type { BufferReq, Planner, PlannerOutcome } from '../types.ts';

export function linearOffsets(buffers: readonly BufferReq[]): number[] {
  let next = 0;
  return buffers.map((b) => {
    const o = next;
    next += b.size;
    return o;
  });
}

export const linear: Planner = {
  name: 'linear',
  listOrder: 9,
  description: 'no reuse: buffers laid end to end in request order (baseline)',
  plan: (buffers) => linearOffsets(buffers),
  solve: (buffers): PlannerOutcome => ({ offsets: linearOffsets(buffers), provenOptimal: false }),
};

export { linear as planner };
