// Small hand-built graphs and buffer sets for the planner tests (no model file needed).
import type { Graph, Op, OpKind, Tensor } from '../../firmware/ir/graph.ts';
import type { BufferReq } from '../../firmware/plan/types.ts';

/** Buffer requests from [size, firstOp, lastOp] triples, ids in the given order. */
export function reqs(list: Array<[number, number, number]>): BufferReq[] {
  return list.map(([size, firstOp, lastOp], id) => ({ id, size, firstOp, lastOp, kind: 'activation' }));
}

export function act(name: string, bytes: number): Tensor {
  return { name, shape: [bytes], dtype: 'int8' };
}

export function op(kind: OpKind, inputs: number[], outputs: number[], name: string = kind): Op {
  return { kind, inputs, outputs, options: {} as never, name };
}

export function graph(tensors: Tensor[], ops: Op[], inputs: number[], outputs: number[]): Graph {
  return { tensors, ops, inputs, outputs, metadata: [] };
}

/**
 * Two branches off one input, each with a big intermediate and a small result, joined by ADD.
 * The model order starts both branches before finishing either, so both big intermediates
 * are live together; running one branch to the end first halves that.
 *   t0 (in, 16) -> op0 -> t1 (big, 1024) -> op2 -> t3 (16) \
 *   t0          -> op1 -> t2 (big, 1024) -> op3 -> t4 (16)  > op4 ADD -> t5 (out, 16)
 */
export function interleavedBranches(): Graph {
  const tensors = [act('in', 16), act('big_a', 1024), act('big_b', 1024), act('a', 16), act('b', 16), act('out', 16)];
  const ops = [
    op('CONV_2D', [0], [1], 'conv_a'),
    op('CONV_2D', [0], [2], 'conv_b'),
    op('CONV_2D', [1], [3], 'reduce_a'),
    op('CONV_2D', [2], [4], 'reduce_b'),
    op('ADD', [3, 4], [5], 'add'),
  ];
  return graph(tensors, ops, [0], [5]);
}
