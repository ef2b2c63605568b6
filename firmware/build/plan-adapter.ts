// Local adapter: the tiling engine returns a TiledPlan (tile tensors placed inside their
// concatenation's output, listed in tensorOffsets) while the code generators take a
// MemoryPlan (one placed buffer per tensor). This turns the former into the latter: one
// activation buffer per planned tensor at its offset, same order and peak. Lifetimes are not
// needed by the generators, so firstOp/lastOp span the whole schedule.
import { tensorBytes, type Graph } from '../ir/graph.ts';
import type { MemoryPlan, PlacedBuffer } from '../plan/types.ts';

export interface TiledPlanLike {
  planner: string;
  peakBytes: number;
  lowerBound: number;
  order: number[];
  tensorOffsets: Map<number, number>;
}

export function memoryPlanFromTiled(graph: Graph, plan: TiledPlanLike): MemoryPlan {
  const last = Math.max(0, plan.order.length - 1);
  const buffers: PlacedBuffer[] = [...plan.tensorOffsets.entries()].sort((a, b) => a[0] - b[0]).map(([tensor, offset], id) => ({
    id, size: tensorBytes(graph.tensors[tensor]!), firstOp: 0, lastOp: last, tensor, kind: 'activation', offset,
  }));
  return {
    planner: plan.planner, peakBytes: plan.peakBytes, lowerBound: plan.lowerBound,
    provenOptimal: false, order: plan.order, buffers, aliases: {},
  };
}
