// FFMT with a partial-sum pool ending. When an FFMT path's output is read only by an int8
// AVERAGE_POOL_2D over the whole map (a global average pool: one output pixel, window = map),
// the output tiles need not be concatenated: each tile's per-channel int32 sum is added to an
// accumulator right after the tile is computed (PARTIAL_SUM, base AVERAGE_POOL_2D) and one
// PARTIAL_SUM_REQUANTIZE divides by the window size at the end, exactly as the untiled int8
// AveragePool does (sum, then rounding division). The path's last feature map is never
// materialised: a network can be tiled from its input down to its classifier.
import type { Graph, Op, Pool2DOptions } from '../ir/graph.ts';
import { applyFfmt, type FfmtSpec } from './ffmt.ts';
import { chainNext, indexGraph, isRewritten, TILED_MARK } from './path.ts';
import { compactTensors } from './graph-edit.ts';

/** Op index of the global int8 average pool that alone reads op `last`'s output, or -1. */
export function globalPoolAfter(g: Graph, last: number): number {
  const next = chainNext(g, indexGraph(g), last);
  if (next < 0 || isRewritten(g, next)) return -1;
  const op = g.ops[next]!;
  if (op.kind !== 'AVERAGE_POOL_2D') return -1;
  const x = g.tensors[op.inputs[0]!]!; const y = g.tensors[op.outputs[0]!]!;
  const o = op.options as Pool2DOptions;
  if (x.dtype !== 'int8' || x.shape.length !== 4 || y.shape.length !== 4) return -1;
  if (y.shape[1] !== 1 || y.shape[2] !== 1 || o.filterH !== x.shape[1] || o.filterW !== x.shape[2]) return -1;
  return next;
}

/** The FFMT rewrite of `spec` with its output tiles summed into the following global pool. */
export function applyFfmtPool(g0: Graph, spec: FfmtSpec): Graph | undefined {
  const poolIndex = globalPoolAfter(g0, spec.ops[spec.ops.length - 1]!);
  if (poolIndex < 0) return undefined;
  const poolName = g0.ops[poolIndex]!.name;
  const g = applyFfmt(g0, spec);
  if (!g) return undefined;
  const pool = g.ops.find((op) => op.name === poolName)! as Op<'AVERAGE_POOL_2D'>;
  const mapId = pool.inputs[0]!;
  const producer = new Map<number, Op>();
  g.ops.forEach((op) => op.outputs.forEach((t) => producer.set(t, op)));
  // The concatenation tree FFMT built: H concat of rows, each a W concat of tiles (or a tile).
  const dropped = new Set<Op>();
  const leaves: { tensor: number; tile: [number, number] }[] = [];
  const top = producer.get(mapId);
  const isTileConcat = (op: Op | undefined): op is Op<'CONCATENATION'> => op !== undefined && op.kind === 'CONCATENATION' && op.name.includes(`${TILED_MARK}ffmt_concat`);
  if (!isTileConcat(top)) return undefined;
  dropped.add(top);
  const rows = spec.tilesH > 1 ? top.inputs : [mapId];
  rows.forEach((row, r) => {
    const rowOp = producer.get(row);
    if (spec.tilesW > 1 && isTileConcat(rowOp)) {
      dropped.add(rowOp);
      rowOp.inputs.forEach((t, c) => leaves.push({ tensor: t, tile: [r, c] }));
    } else {
      leaves.push({ tensor: row, tile: [r, 0] });
    }
  });
  const y = g.tensors[pool.outputs[0]!]!;
  const accShape = [y.shape[0]!, 1, 1, y.shape[3]!];
  const baseOptions = { ...pool.options };
  const after = new Map<number, Op>(); // leaf tensor -> its PARTIAL_SUM
  let acc = -1;
  leaves.forEach(({ tensor, tile }, k) => {
    g.tensors.push({ name: `${y.name}${TILED_MARK}pool_sum${k}`, shape: [...accShape], dtype: 'int32' });
    const next = g.tensors.length - 1;
    after.set(tensor, {
      kind: 'PARTIAL_SUM', inputs: acc >= 0 ? [tensor, -1, acc] : [tensor], outputs: [next],
      options: { base: 'AVERAGE_POOL_2D', baseOptions, tile }, name: `${pool.name}${TILED_MARK}pool_sum_r${tile[0]}c${tile[1]}`,
    });
    acc = next;
  });
  const ops: Op[] = [];
  for (const op of g.ops) {
    if (dropped.has(op)) continue;
    if (op === pool) {
      ops.push({
        kind: 'PARTIAL_SUM_REQUANTIZE', inputs: [acc], outputs: [...pool.outputs],
        options: { base: 'AVERAGE_POOL_2D', baseOptions, inputScale: 0, filterScales: [] }, name: `${pool.name}${TILED_MARK}pool_finish`,
      });
      continue;
    }
    ops.push(op);
    const sum = after.get(op.outputs[0]!);
    if (sum) ops.push(sum);
  }
  if (ops.filter((op) => op.kind === 'PARTIAL_SUM').length !== leaves.length) return undefined;
  g.ops = ops;
  compactTensors(g);
  return g;
}
