// Row-by-row residual blocks (AoT only). A ResNet block
//   Y = CONV_2D_A(X); Z = CONV_2D_B(Y); W = ADD(Z, skip), skip = X or CONV_2D_S(X)
// keeps its input X live beside Y and beside conv B's work, so planned op by op it costs two or
// three whole maps (resnet: 16 KB input + 16 KB Y in its identity block, 16 + 8 + 8 KB in the
// first projection block). Computed one output row at a time, only the rows of Y that conv B's
// window needs exist (filter B's height), one row of Z and one of the projection, and W row r
// is written last in its step, over X rows that no later step reads: the block costs X plus a
// few rows, and W takes X's place (the streaming lag of plan/streaming.ts residualBlockLag).
//
// The rewrite replaces the block's ops by one internal RESIDUAL_BLOCK (ir/graph.ts) whose extra
// outputs are those working rows, so the planner sees them as ordinary buffers live while the
// block runs. Matched: conv A SAME and undilated (any stride), conv B SAME, stride 1,
// undilated, the projection undilated, all int8 with constant weights; every intermediate read
// only inside the block, X read only by the block and not a model input or output.
// `unfuseResidualBlock` gives the builtin ops back (export to TFLite).
import type { Conv2DOptions, Graph, Op, Tensor } from '../ir/graph.ts';
import { addActivation, cloneGraph, compactTensors, consumers } from './graph-edit.ts';
import { TILED_MARK } from './path.ts';

const SUFFIX = `${TILED_MARK}residual_rows`;

function int8(t: Tensor | undefined): boolean {
  return t !== undefined && t.dtype === 'int8' && t.data === undefined && t.quant !== undefined && t.quant.scale.length === 1;
}

/** An int8 CONV_2D with constant weights, undilated; `stride1` also asks for stride 1. */
function rowConv(g: Graph, op: Op | undefined, same: boolean, stride1: boolean): op is Op<'CONV_2D'> {
  if (!op || op.kind !== 'CONV_2D') return false;
  const o = op.options as Conv2DOptions;
  const w = g.tensors[op.inputs[1]!];
  const b = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? g.tensors[op.inputs[2]] : undefined;
  return o.dilationH === 1 && o.dilationW === 1 && (!same || o.padding === 'SAME') && (!stride1 || (o.strideH === 1 && o.strideW === 1))
    && w !== undefined && w.dtype === 'int8' && w.data !== undefined && w.shape.length === 4 && w.quant !== undefined
    && (b === undefined || (b.dtype === 'int32' && b.data !== undefined));
}

export interface ResidualMatch {
  convA: number; convB: number; add: number;
  /** The projection conv on the skip path (absent: identity block). */
  convS?: number;
  x: number; y: number; z: number;
  /** The projection's output (absent: identity block). */
  s?: number;
  skipFirst: boolean;
}

/** Blocks the rewrite can take (see the header), by ADD op. */
export function findResidualBlocks(g: Graph): ResidualMatch[] {
  const producer = new Map<number, number>();
  g.ops.forEach((op, i) => op.outputs.forEach((t) => producer.set(t, i)));
  const cons = consumers(g);
  const io = new Set([...g.inputs, ...g.outputs]);
  const out: ResidualMatch[] = [];
  const only = (t: number, ...readers: number[]) => cons[t]!.length === readers.length && readers.every((r) => cons[t]!.includes(r));
  g.ops.forEach((op, i) => {
    if (op.kind !== 'ADD' || op.inputs.length !== 2) return;
    const w = g.tensors[op.outputs[0]!];
    for (const skipFirst of [true, false]) {
      const skip = op.inputs[skipFirst ? 0 : 1]!; const z = op.inputs[skipFirst ? 1 : 0]!;
      const b = producer.get(z); const opB = b === undefined ? undefined : g.ops[b];
      if (!rowConv(g, opB, true, true)) continue;
      const y = opB.inputs[0]!;
      const a = producer.get(y); const opA = a === undefined ? undefined : g.ops[a];
      if (!rowConv(g, opA, true, false)) continue;
      const x = opA.inputs[0]!;
      let convS: number | undefined;
      if (skip !== x) {
        convS = producer.get(skip);
        const opS = convS === undefined ? undefined : g.ops[convS];
        if (!rowConv(g, opS, false, false) || opS.inputs[0] !== x || io.has(skip) || !int8(g.tensors[skip]) || !only(skip, i) || !only(x, a!, convS!)) continue;
      } else if (!only(x, a!, i)) {
        continue;
      }
      const [xt, yt, zt] = [g.tensors[x], g.tensors[y], g.tensors[z]];
      if (![xt, yt, zt, w].every(int8) || io.has(x) || io.has(y) || io.has(z)) continue;
      if (xt!.shape.length !== 4 || xt!.shape[0] !== 1 || zt!.shape.join() !== w!.shape.join() || g.tensors[skip]!.shape.join() !== w!.shape.join()) continue;
      if (!only(y, b!) || !only(z, i)) continue;
      out.push({ convA: a!, convB: b!, add: i, x, y, z, skipFirst, ...(convS !== undefined ? { convS, s: skip } : {}) });
      break;
    }
  });
  return out;
}

/** The graph with every matching block replaced by one RESIDUAL_BLOCK (a copy; the input graph
 * when nothing matches). */
export function fuseResidualBlocks(g0: Graph): Graph {
  const matches = findResidualBlocks(g0);
  if (matches.length === 0) return g0;
  const g = cloneGraph(g0);
  const drop = new Set<number>();
  const fused = new Map<number, Op>();
  for (const m of matches) {
    const opA = g.ops[m.convA] as Op<'CONV_2D'>; const opB = g.ops[m.convB] as Op<'CONV_2D'>; const add = g.ops[m.add] as Op<'ADD'>;
    const opS = m.convS !== undefined ? g.ops[m.convS] as Op<'CONV_2D'> : undefined;
    const yt = g.tensors[m.y]!; const zt = g.tensors[m.z]!;
    const kB = g.tensors[opB.inputs[1]!]!.shape[1]!;
    const [, , w, c] = zt.shape as [number, number, number, number];
    const rows = addActivation(g, yt, `${yt.name}${SUFFIX}`, [1, kB, w, yt.shape[3]!]);
    const zrow = addActivation(g, zt, `${zt.name}${SUFFIX}`, [1, 1, w, c]);
    const srow = opS ? [addActivation(g, g.tensors[m.s!]!, `${g.tensors[m.s!]!.name}${SUFFIX}`, [1, 1, w, c])] : [];
    drop.add(m.convA); drop.add(m.convB);
    if (m.convS !== undefined) drop.add(m.convS);
    fused.set(m.add, {
      kind: 'RESIDUAL_BLOCK',
      inputs: [m.x, opA.inputs[1]!, opA.inputs[2] ?? -1, opB.inputs[1]!, opB.inputs[2] ?? -1, ...(opS ? [opS.inputs[1]!, opS.inputs[2] ?? -1] : [])],
      outputs: [add.outputs[0]!, rows, zrow, ...srow],
      options: { convA: { ...opA.options }, convB: { ...opB.options }, ...(opS ? { convS: { ...opS.options } } : {}), add: { ...add.options }, skipFirst: m.skipFirst },
      name: `${add.name}${SUFFIX}`,
    });
  }
  // The block runs where its ADD ran: X is ready before conv A, and the intermediates have no
  // other reader.
  g.ops = g.ops.flatMap((op, i) => (drop.has(i) ? [] : [fused.get(i) ?? op]));
  compactTensors(g);
  return g;
}

/** The builtin ops of a RESIDUAL_BLOCK, with whole intermediate tensors (for export). */
export function unfuseResidualBlock(g: Graph, op: Op<'RESIDUAL_BLOCK'>): Op[] {
  const o = op.options;
  const [x, wA, bA, wB, bB, wS = -1, bS = -1] = op.inputs as number[] as [number, number, number, number, number, number?, number?];
  const wt = g.tensors[op.outputs[0]!]!; const rows = g.tensors[op.outputs[1]!]!; const zrow = g.tensors[op.outputs[2]!]!;
  const base = op.name.split(TILED_MARK)[0]!;
  const map = wt.shape.slice(0, 3);
  const y = addActivation(g, rows, `${base}${TILED_MARK}residual_y`, [...map, rows.shape[3]!]);
  const z = addActivation(g, zrow, `${base}${TILED_MARK}residual_z`, [...wt.shape]);
  const conv = (inputs: number[], bias: number, out: number, options: Conv2DOptions, tag: string): Op =>
    ({ kind: 'CONV_2D', inputs: bias >= 0 ? [...inputs, bias] : inputs, outputs: [out], options: { ...options }, name: `${base}${TILED_MARK}residual_${tag}` });
  const ops: Op[] = [conv([x, wA], bA, y, o.convA, 'a'), conv([y, wB], bB, z, o.convB, 'b')];
  let skip = x;
  if (o.convS) {
    skip = addActivation(g, g.tensors[op.outputs[3]!]!, `${base}${TILED_MARK}residual_s`, [...wt.shape]);
    ops.push(conv([x, wS], bS, skip, o.convS, 's'));
  }
  ops.push({ kind: 'ADD', inputs: o.skipFirst ? [skip, z] : [z, skip], outputs: [op.outputs[0]!], options: { ...o.add }, name: base });
  return ops;
}
