// Test plans with chosen streaming overlaps: the kernels' tests place each output at a given
// distance from the input it streams over (at, above or below the planner's lag) and check what
// the generator picks and that the outputs stay exact. verifyPlan holds every gap to the
// planner's lags, so a plan made here is one a planner could have made.
import { bufferLifetimes } from '../../../firmware/plan/lifetimes.ts';
import { peakOf } from '../../../firmware/plan/bounds.ts';
import { verifyPlan } from '../../../firmware/plan/verify.ts';
import type { MemoryPlan } from '../../../firmware/plan/types.ts';
import type { Graph } from '../../../firmware/ir/graph.ts';

/**
 * A plan in which every streaming pair overlaps with the output `gap(...)` bytes above (> 0)
 * or below (< 0) its input (the rest laid end to end); pairs whose gap is undefined stay apart.
 * verifyPlan holds every gap to the planner's lags.
 */
export function gapPlan(graph: Graph, gap: (s: { lag: number; lagAbove?: number }, outTensor: number, inTensor: number) => number | undefined): MemoryPlan {
  const order = graph.ops.map((_, i) => i);
  const { buffers } = bufferLifetimes(graph, order, { streaming: true });
  const offsets = new Array<number>(buffers.length).fill(-1);
  let next = 0;
  for (const out of buffers) {
    const s = out.streamsOver;
    if (s === undefined || offsets[out.id]! >= 0 || offsets[s.id]! >= 0) continue;
    const input = buffers[s.id]!;
    const d = out.tensor === undefined || input.tensor === undefined ? undefined : gap(s, out.tensor, input.tensor);
    if (d === undefined) continue;
    if (d > 0) {
      offsets[input.id] = next; offsets[out.id] = next + d;
      next += Math.max(input.size, d + out.size);
    } else {
      offsets[out.id] = next; offsets[input.id] = next - d;
      next += Math.max(out.size, -d + input.size);
    }
  }
  for (const b of buffers) if (offsets[b.id]! < 0) { offsets[b.id] = next; next += b.size; }
  verifyPlan(buffers, offsets);
  return {
    planner: 'streaming-test', peakBytes: peakOf(buffers, offsets), lowerBound: 0, provenOptimal: false, order,
    buffers: buffers.map((b, i) => ({ ...b, offset: offsets[i]! })), aliases: {},
  };
}
