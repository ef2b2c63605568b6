// Export of a memory plan as the model metadata TensorFlow Lite Micro reads for offline-planned
// tensor offsets (micro_allocation_info.cc): metadata named "OfflineMemoryAllocation" whose
// buffer is a little-endian int32 array
//   [version = 1, subgraph = 0, number of tensors, offset of tensor 0, ..., offset of tensor n-1]
// with -1 for tensors TFLM should plan online (constants, unplanned tensors). TFLM places the
// offline tensors at exactly these arena offsets, so the tiled model runs in the layout we
// planned. In-place concatenation (tiles placed inside their concat output) is refused here:
// TFLite-Micro's offline plan has no way to say that two tensors overlap on purpose, and its
// reference CONCATENATION copies with memcpy. Plans for export come from export.ts
// (exportTiledModel: partial sums lowered, planned with inPlaceConcat false).
import { INTERNAL_OPS, type Graph, type Metadata } from '../ir/graph.ts';
import { isPlannedTensor } from '../plan/lifetimes.ts';
import type { TiledPlan } from './plan-tiled.ts';

export const OFFLINE_PLAN_NAME = 'OfflineMemoryAllocation';
export const OFFLINE_PLAN_VERSION = 1;

export function encodeOfflinePlan(g: Graph, plan: TiledPlan): Uint8Array {
  if (plan.inPlace.size > 0) {
    throw new Error(`${OFFLINE_PLAN_NAME}: the plan places ${plan.inPlace.size} concatenation inputs inside their output, which TFLite-Micro cannot express; plan with inPlaceConcat false (exportTiledModel does)`);
  }
  if (g.ops.some((op) => (INTERNAL_OPS as readonly string[]).includes(op.kind))) {
    throw new Error(`${OFFLINE_PLAN_NAME}: the graph holds internal ops (partial sums, residual blocks); export it with exportTiledModel, which lowers them first`);
  }
  const n = g.tensors.length;
  const values = new Int32Array(3 + n);
  values[0] = OFFLINE_PLAN_VERSION; values[1] = 0; values[2] = n;
  for (let t = 0; t < n; t++) {
    const off = plan.tensorOffsets.get(t);
    values[3 + t] = off !== undefined && isPlannedTensor(g, t) ? off : -1;
  }
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, v, true));
  return bytes;
}

export interface OfflinePlan { version: number; subgraph: number; offsets: number[] }

/** Reads the metadata back; throws with a clear message when it is malformed. */
export function decodeOfflinePlan(data: Uint8Array): OfflinePlan {
  if (data.byteLength < 12 || data.byteLength % 4 !== 0) {
    throw new Error(`${OFFLINE_PLAN_NAME}: ${data.byteLength} bytes is not an int32 array of at least 3 entries`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const at = (i: number): number => view.getInt32(i * 4, true);
  const count = at(2);
  if (count !== data.byteLength / 4 - 3) {
    throw new Error(`${OFFLINE_PLAN_NAME}: header says ${count} tensors, buffer holds ${data.byteLength / 4 - 3}`);
  }
  return { version: at(0), subgraph: at(1), offsets: Array.from({ length: count }, (_, i) => at(3 + i)) };
}

/** The graph with its plan attached as metadata (any older plan entry replaced). */
export function withOfflinePlan(g: Graph, plan: TiledPlan): Graph {
  const entry: Metadata = { name: OFFLINE_PLAN_NAME, data: encodeOfflinePlan(g, plan) };
  return { ...g, metadata: [...g.metadata.filter((m) => m.name !== OFFLINE_PLAN_NAME), entry] };
}
