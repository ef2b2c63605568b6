// TFLite-Micro's GreedyMemoryPlanner, reproduced decision for decision so our figures match
// the ones TFLM reports on the same buffers:
// - order: size descending. TFLM fills its sort array from the tail (the first added buffer
//   ends up last) and then runs a stable bubble sort, so equal sizes are placed in REVERSE
//   order of addition (the buffer added last goes first).
// - placement: walk the already placed buffers that are live at the same time in offset
//   order and take the first gap big enough, else go above the highest one; i.e. the lowest
//   offset that does not collide.
// Offline-planned offsets (TFLM's OfflineMemoryAllocation metadata) are not modelled here.
import { lowestFitInOrder } from '../first-fit.ts';
import type { BufferReq, Planner, PlannerOutcome } from '../types.ts';

/** TFLM's placement order: size descending, ties by later addition first. */
export function tflmGreedyOrder(buffers: readonly BufferReq[]): number[] {
  const order = buffers.map((_, i) => i);
  order.sort((a, b) => buffers[b].size - buffers[a].size || b - a);
  return order;
}

export function greedyOffsets(buffers: readonly BufferReq[]): number[] {
  return lowestFitInOrder(buffers, tflmGreedyOrder(buffers));
}

export const greedy: Planner = {
  name: 'greedy',
  listOrder: 1,
  description: "TFLite-Micro's greedy planner: largest buffer first, each at the lowest free offset",
  plan: (buffers) => greedyOffsets(buffers),
  solve: (buffers): PlannerOutcome => ({ offsets: greedyOffsets(buffers), provenOptimal: false }),
};

export { greedy as planner };
