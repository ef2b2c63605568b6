// Deep copy of a graph IR, so rewrites (tiling, planning experiments) never alias the original's
// tensors, shapes, options or constant data.
import type { Graph, Op, Tensor } from './graph.ts';

export function cloneTensor(t: Tensor): Tensor {
  const copy: Tensor = { name: t.name, shape: [...t.shape], dtype: t.dtype };
  if (t.quant) copy.quant = { scale: [...t.quant.scale], zeroPoint: [...t.quant.zeroPoint], axis: t.quant.axis };
  if (t.data) copy.data = new Uint8Array(t.data); // a copy even when t.data is a Node Buffer
  if (t.isVariable !== undefined) copy.isVariable = t.isVariable;
  return copy;
}

export function cloneOp(op: Op): Op {
  return { ...op, inputs: [...op.inputs], outputs: [...op.outputs], options: structuredClone(op.options) } as Op;
}

export function cloneGraph(graph: Graph): Graph {
  const copy: Graph = {
    tensors: graph.tensors.map(cloneTensor),
    ops: graph.ops.map(cloneOp),
    inputs: [...graph.inputs],
    outputs: [...graph.outputs],
    metadata: graph.metadata.map((m) => ({ name: m.name, data: new Uint8Array(m.data) })),
  };
  if (graph.description !== undefined) copy.description = graph.description;
  if (graph.version !== undefined) copy.version = graph.version;
  return copy;
}
