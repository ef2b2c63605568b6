// What a tileable path is, structurally: a chain of ops where each op's first input is the
// previous op's only output, read by nobody else and not a graph output, and every other input
// is constant. Such a chain can be replaced as a block: the block reads only the first op's
// input and constants, and writes only the last op's output tensor.
import type { Graph } from '../ir/graph.ts';
import { consumers, isConst } from './graph-edit.ts';

export interface GraphIndex {
  consumers: number[][];
  graphOutputs: Set<number>;
}

export function indexGraph(g: Graph): GraphIndex {
  return { consumers: consumers(g), graphOutputs: new Set(g.outputs) };
}

/**
 * The single op that continues a chain after op `i`, or -1. With `sideInput`, an ADD may take
 * the chain tensor as either operand, the other being an activation from outside the chain.
 */
export function chainNext(g: Graph, ix: GraphIndex, i: number, sideInput = false): number {
  const op = g.ops[i]!;
  if (op.outputs.length !== 1) return -1;
  const t = op.outputs[0]!;
  if (ix.graphOutputs.has(t)) return -1;
  const cs = ix.consumers[t]!;
  if (cs.length !== 1) return -1;
  const next = g.ops[cs[0]!]!;
  if (sideInput && next.kind === 'ADD' && next.inputs.length === 2) {
    const other = next.inputs[0] === t ? next.inputs[1]! : next.inputs[1] === t ? next.inputs[0]! : -1;
    return other >= 0 && other !== t && !isConst(g, other) ? cs[0]! : -1;
  }
  if (next.inputs[0] !== t) return -1;
  // The tensor must feed only the first input, and all other inputs must be constants.
  for (let k = 1; k < next.inputs.length; k++) {
    const id = next.inputs[k]!;
    if (id === t || (id >= 0 && !isConst(g, id))) return -1;
  }
  return cs[0]!;
}

/** True when all inputs of op `i` other than the first are constants (or absent). */
export function onlyFirstInputIsActivation(g: Graph, i: number): boolean {
  const op = g.ops[i]!;
  if (op.inputs.length === 0 || op.inputs[0]! < 0 || isConst(g, op.inputs[0]!)) return false;
  return op.inputs.slice(1).every((id) => id < 0 || isConst(g, id));
}

/** Ops made by an earlier rewrite carry a marker in their name and are not tiled again. */
export const TILED_MARK = '@';
export function isRewritten(g: Graph, i: number): boolean {
  return g.ops[i]!.name.includes(TILED_MARK);
}
