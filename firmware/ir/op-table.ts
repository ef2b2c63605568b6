// What a per-op profile row says about an op besides its count: kind, input/output shapes and
// multiply-accumulates, for every op of the graph that was compiled (tiled graphs included).
// Built with the firmware (build.json keeps it), joined with the firmware's PROFOP records by
// op index (firmware/runner/profile.ts).
import type { Graph, Op } from './graph.ts';
import { opMacs } from './macs.ts';

/** The MAC-heavy classes the speed goals are stated for. */
export const MAC_CLASSES = ['conv', 'depthwise', 'fully_connected'] as const;
export type MacClass = (typeof MAC_CLASSES)[number];

export interface OpInfo {
  /** Graph op index (the firmware's PROFOP `op`). */
  op: number;
  kind: string;
  name: string;
  /** Shapes of the activation inputs, of constant operands (weights) and of the outputs. */
  inputs: number[][];
  weights: number[][];
  outputs: number[][];
  macs: number;
  macClass?: MacClass;
}

/** The class of a MAC op; a partial sum is counted with the op it is a slice of. */
export function macClass(op: Op): MacClass | undefined {
  const kind = op.kind === 'PARTIAL_SUM' ? (op as Op<'PARTIAL_SUM'>).options.base : op.kind === 'RESIDUAL_BLOCK' || op.kind === 'ROW_CHAIN' ? 'CONV_2D' : op.kind;
  switch (kind) {
    case 'CONV_2D': return 'conv';
    case 'DEPTHWISE_CONV_2D': return 'depthwise';
    case 'FULLY_CONNECTED': return 'fully_connected';
    default: return undefined;
  }
}

export function opTable(graph: Graph): OpInfo[] {
  const shape = (id: number) => [...(graph.tensors[id]?.shape ?? [])];
  return graph.ops.map((op, i) => {
    const present = op.inputs.filter((id) => id >= 0);
    const macs = opMacs(graph, op);
    const cls = macs > 0 ? macClass(op) : undefined;
    return {
      op: i, kind: op.kind, name: op.name,
      inputs: present.filter((id) => graph.tensors[id]?.data === undefined).map(shape),
      weights: present.filter((id) => graph.tensors[id]?.data !== undefined).map(shape),
      outputs: op.outputs.filter((id) => id >= 0).map(shape),
      macs, ...(cls ? { macClass: cls } : {}),
    };
  });
}
