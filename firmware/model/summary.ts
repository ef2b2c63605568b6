// What `tinyrack inspect` reports about a graph: per-op shapes and work, weight bytes (constant
// data) and activation bytes per tensor. Kept apart from the CLI so tests and reports reuse it.
import { isActivation, tensorBytes, type Graph } from '../ir/graph.ts';
import { opMacs, opOps } from '../ir/macs.ts';

export interface TensorRef { id: number; name: string; shape: number[]; dtype: string; constant: boolean }
export interface OpSummary {
  index: number; name: string; kind: string;
  inputs: TensorRef[]; outputs: TensorRef[];
  macs: number; ops: number; weightBytes: number;
}
export interface ActivationSummary { id: number; name: string; shape: number[]; dtype: string; bytes: number }
export interface ModelSummary {
  ops: OpSummary[];
  opCounts: Record<string, number>;
  totalMacs: number;
  totalOps: number;
  /** Bytes of all constant tensors (weights, biases, shape operands). */
  weightBytes: number;
  activations: ActivationSummary[];
  /** Sum over all activation tensors (no reuse; the planner reports the real arena size). */
  activationBytes: number;
  inputs: TensorRef[];
  outputs: TensorRef[];
  tensorCount: number;
  description?: string;
  metadata: { name: string; bytes: number }[];
}

export function summarizeGraph(graph: Graph): ModelSummary {
  const ref = (id: number): TensorRef => {
    const t = graph.tensors[id]!;
    return { id, name: t.name, shape: [...t.shape], dtype: t.dtype, constant: !isActivation(t) };
  };
  const ops = graph.ops.map((op, index): OpSummary => ({
    index, name: op.name, kind: op.kind,
    inputs: op.inputs.filter((id) => id >= 0).map(ref),
    outputs: op.outputs.map(ref),
    macs: opMacs(graph, op),
    ops: opOps(graph, op),
    weightBytes: op.inputs.filter((id) => id >= 0 && graph.tensors[id]!.data)
      .reduce((n, id) => n + graph.tensors[id]!.data!.byteLength, 0),
  }));
  const opCounts: Record<string, number> = {};
  for (const op of graph.ops) opCounts[op.kind] = (opCounts[op.kind] ?? 0) + 1;
  const activations = graph.tensors.flatMap((t, id) => (isActivation(t)
    ? [{ id, name: t.name, shape: [...t.shape], dtype: t.dtype, bytes: tensorBytes(t) }] : []));
  const summary: ModelSummary = {
    ops,
    opCounts,
    totalMacs: ops.reduce((n, o) => n + o.macs, 0),
    totalOps: ops.reduce((n, o) => n + o.ops, 0),
    weightBytes: graph.tensors.reduce((n, t) => n + (t.data?.byteLength ?? 0), 0),
    activations,
    activationBytes: activations.reduce((n, a) => n + a.bytes, 0),
    inputs: graph.inputs.map(ref),
    outputs: graph.outputs.map(ref),
    tensorCount: graph.tensors.length,
    metadata: graph.metadata.map((m) => ({ name: m.name, bytes: m.data.byteLength })),
  };
  if (graph.description !== undefined) summary.description = graph.description;
  return summary;
}
