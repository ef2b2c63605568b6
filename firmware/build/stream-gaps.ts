// The gaps a backend's kernels ask of the tiled plan (BackendModule.streamGaps) applied where
// the arena has room: per op, its streaming output moved at least that far below its input
// (plan/widen-gap.ts) when the plan put it closer. Only buffers holding one tensor move (no
// in-place tiles, no aliased reshape), so every tensor offset but the moved one stays; the
// peak never grows and the result is checked like any tiled plan (verifyTiledPlan).
import type { Graph } from '../ir/graph.ts';
import { TFLM_ALIGNMENT } from '../plan/lifetimes.ts';
import { widenGap } from '../plan/widen-gap.ts';
import { verifyTiledPlan, type TiledPlan } from '../tiling/plan-tiled.ts';

export function widenStreamGaps(graph: Graph, plan: TiledPlan, gaps: ReadonlyMap<number, number>): TiledPlan {
  const shared = new Set<number>([...[...plan.inPlace.values()].map(([root]) => root), ...Object.values(plan.aliases ?? {}).map(Number)]);
  const movable = (id: number) => { const t = plan.buffers[id]?.tensor; return t !== undefined && !shared.has(t) && !plan.inPlace.has(t); };
  let offsets = plan.buffers.map((b) => b.offset);
  for (const [opIndex, gap] of [...gaps].sort((a, b) => a[0] - b[0])) {
    const x = graph.ops[opIndex]?.outputs[0];
    const out = plan.buffers.findIndex((b) => b.tensor === x && b.streamsOver !== undefined);
    if (x === undefined || out < 0) continue;
    offsets = widenGap(plan.buffers, offsets, out, gap, plan.peakBytes, TFLM_ALIGNMENT, movable) ?? offsets;
  }
  if (offsets.every((o, i) => o === plan.buffers[i]!.offset)) return plan;
  const tensorOffsets = new Map(plan.tensorOffsets);
  plan.buffers.forEach((b, i) => { if (offsets[i] !== b.offset) tensorOffsets.set(b.tensor!, offsets[i]!); });
  const widened: TiledPlan = { ...plan, buffers: plan.buffers.map((b, i) => ({ ...b, offset: offsets[i]! })), tensorOffsets };
  verifyTiledPlan(graph, widened);
  return widened;
}
