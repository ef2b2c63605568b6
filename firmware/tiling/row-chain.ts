// Row chains (AoT only). A linear chain of int8 CONV_2D / DEPTHWISE_CONV_2D ops planned op by
// op keeps two whole maps live at every step (aww: 8,000 B in and 8,000 B out for each of its
// nine layers). Computed demand-driven one output row at a time, each intermediate holds only
// the rows the next stage's window needs (its filter height), and a chain that ends in a global
// AVERAGE_POOL_2D or in a FULLY_CONNECTED over the flattened map (micro_speech: 4,000 B map ->
// 4 units) never builds its last map either: the end accumulates int32 per-channel sums or
// partial dot products per row and requantizes once.
//
// The rewrite replaces the chain by one internal ROW_CHAIN (ir/graph.ts RowChainOptions) whose
// extra outputs are those working rows and accumulators, so the planner sees them as ordinary
// buffers live while the chain runs. Matched: every stage int8 with constant weights, per-tensor
// activation quantization, undilated, any kernel size, stride and padding; every intermediate
// read only by the next op of the chain and not a model output. `unfuseRowChain` gives the
// builtin ops back (export to TFLite).
import type { FullyConnectedOptions, Graph, Op, Pool2DOptions, RowChainEnd, RowChainOptions, RowChainStage, Tensor } from '../ir/graph.ts';
import { lastRowShape, rowChainGeometry, stageBufferShape, type RowChainStageGeometry } from '../ir/row-chain.ts';
import { addActivation, addInt32Const, cloneGraph, compactTensors, consumers } from './graph-edit.ts';
import { TILED_MARK } from './path.ts';

const SUFFIX = `${TILED_MARK}row_chain`;

function int8Act(t: Tensor | undefined): boolean {
  return t !== undefined && t.dtype === 'int8' && t.data === undefined && t.quant !== undefined && t.quant.scale.length === 1;
}

function constWeights(g: Graph, op: Op, rank: number): boolean {
  const w = g.tensors[op.inputs[1]!];
  const b = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? g.tensors[op.inputs[2]] : undefined;
  return w !== undefined && w.dtype === 'int8' && w.data !== undefined && w.shape.length === rank && w.quant !== undefined
    && (b === undefined || (b.dtype === 'int32' && b.data !== undefined));
}

/** An int8 CONV_2D / DEPTHWISE_CONV_2D a chain can hold. */
function isStage(g: Graph, op: Op | undefined): op is Op<'CONV_2D'> | Op<'DEPTHWISE_CONV_2D'> {
  if (!op || (op.kind !== 'CONV_2D' && op.kind !== 'DEPTHWISE_CONV_2D')) return false;
  const o = (op as Op<'CONV_2D'>).options;
  const x = g.tensors[op.inputs[0]!];
  return o.dilationH === 1 && o.dilationW === 1 && int8Act(x) && int8Act(g.tensors[op.outputs[0]!])
    && x!.shape.length === 4 && x!.shape[0] === 1 && constWeights(g, op, 4);
}

export interface RowChainMatch {
  /** Stage op indices, in chain order. */
  stages: number[];
  /** The end op (global AVERAGE_POOL_2D or FULLY_CONNECTED), and a RESHAPE before an FC. */
  end?: number;
  reshape?: number;
}

/** Chains the rewrite can take (see the header): two stages or more, or one with an end. */
export function findRowChains(g: Graph): RowChainMatch[] {
  const cons = consumers(g);
  const io = new Set([...g.inputs, ...g.outputs]);
  const used = new Set<number>();
  const out: RowChainMatch[] = [];
  /** The single reader of t (not a graph input/output), if any. */
  const only = (t: number): number | undefined => (io.has(t) || cons[t]!.length !== 1 ? undefined : cons[t]![0]);
  g.ops.forEach((op, i) => {
    if (used.has(i) || !isStage(g, op)) return;
    const stages = [i];
    for (;;) {
      const t = g.ops[stages[stages.length - 1]!]!.outputs[0]!;
      const next = only(t);
      if (next === undefined || !isStage(g, g.ops[next]) || g.ops[next]!.inputs[0] !== t) break;
      stages.push(next);
    }
    const m: RowChainMatch = { stages };
    const last = g.tensors[g.ops[stages[stages.length - 1]!]!.outputs[0]!]!;
    const [, h, w, c] = last.shape as [number, number, number, number];
    let reader = only(g.ops[stages[stages.length - 1]!]!.outputs[0]!);
    let rop = reader === undefined ? undefined : g.ops[reader];
    if (rop?.kind === 'AVERAGE_POOL_2D') {
      const p = rop.options as Pool2DOptions;
      const y = g.tensors[rop.outputs[0]!]!;
      if (p.filterH === h && p.filterW === w && int8Act(y) && y.shape.join() === [1, 1, 1, c].join()) m.end = reader;
    } else {
      if (rop?.kind === 'RESHAPE') {
        const r = only(rop.outputs[0]!);
        if (r !== undefined && g.ops[r]!.kind === 'FULLY_CONNECTED' && g.ops[r]!.inputs[0] === rop.outputs[0]) {
          m.reshape = reader; reader = r; rop = g.ops[r];
        }
      }
      if (rop?.kind === 'FULLY_CONNECTED') {
        const wt = g.tensors[rop.inputs[1]!]!;
        const y = g.tensors[rop.outputs[0]!]!;
        if (constWeights(g, rop, 2) && wt.shape[1] === h * w * c && int8Act(y) && y.shape.join() === [1, wt.shape[0]!].join()) m.end = reader;
        else delete m.reshape;
      } else {
        delete m.reshape;
      }
    }
    if (stages.length < 2 && m.end === undefined) return;
    stages.forEach((s) => used.add(s));
    out.push(m);
  });
  return out;
}

/** Stage geometry of a match (ir/row-chain.ts), before it is fused. */
function chainGeometry(g: Graph, m: RowChainMatch): RowChainStageGeometry[] {
  const ops = m.stages.map((s) => g.ops[s]!);
  const stages: RowChainStage[] = ops.map((op) => ({ kind: op.kind as RowChainStage['kind'], options: op.options as RowChainStage['options'], name: op.name }));
  return rowChainGeometry(g.tensors[ops[0]!.inputs[0]!]!.shape, ops.map((op) => g.tensors[op.inputs[1]!]!.shape), { stages });
}

/** The graph with every matching chain replaced by one ROW_CHAIN (a copy; the input graph when
 * nothing is fused). `pixelStages: false` leaves out chains with a stage computed pixel by pixel
 * into a 1x1 conv: those call the kernels once per pixel and cost instructions (aww on the
 * Cortex-M4: +28.5 % against +2.2 % for its FDT tiling, bench:speed), so only tilings allowed
 * to add work take them. */
export function fuseRowChains(g0: Graph, options: { pixelStages?: boolean } = {}): Graph {
  const pixelStages = options.pixelStages ?? true;
  const matches = findRowChains(g0).filter((m) => pixelStages || !chainGeometry(g0, m).some((s) => s.pixel));
  if (matches.length === 0) return g0;
  const g = cloneGraph(g0);
  const drop = new Set<number>();
  const fused = new Map<number, Op>();
  for (const m of matches) {
    const ops = m.stages.map((s) => g.ops[s]!);
    const stages: RowChainStage[] = ops.map((op) => ({ kind: op.kind as RowChainStage['kind'], options: { ...(op.options as RowChainStage['options']) }, name: op.name }));
    const endOp = m.end !== undefined ? g.ops[m.end]! : undefined;
    let end: RowChainEnd | undefined;
    if (endOp?.kind === 'AVERAGE_POOL_2D') end = { kind: 'AVERAGE_POOL_2D', options: { ...(endOp.options as Pool2DOptions) }, name: endOp.name };
    if (endOp?.kind === 'FULLY_CONNECTED') {
      const r = m.reshape !== undefined ? g.ops[m.reshape]! : undefined;
      end = {
        kind: 'FULLY_CONNECTED', options: { ...(endOp.options as FullyConnectedOptions) }, name: endOp.name,
        ...(r ? { reshape: { shape: [...g.tensors[r.outputs[0]!]!.shape], name: r.name } } : {}),
      };
    }
    const options: RowChainOptions = { stages, ...(end ? { end } : {}) };
    const geo = rowChainGeometry(g.tensors[ops[0]!.inputs[0]!]!.shape, ops.map((op) => g.tensors[op.inputs[1]!]!.shape), options);
    const outs = ops.map((op) => g.tensors[op.outputs[0]!]!);
    const rows = geo.slice(0, -1).map((s, k) => addActivation(g, outs[k]!, `${outs[k]!.name}${SUFFIX}`, stageBufferShape(s)));
    const tail: number[] = [];
    if (end) {
      const last = geo[geo.length - 1]!; const lt = outs[outs.length - 1]!;
      tail.push(addActivation(g, lt, `${lt.name}${SUFFIX}`, lastRowShape(geo, options)));
      const accLen = end.kind === 'AVERAGE_POOL_2D' ? last.outC : g.tensors[endOp!.inputs[1]!]!.shape[0]!;
      g.tensors.push({ name: `${g.tensors[endOp!.outputs[0]!]!.name}${SUFFIX}_acc`, shape: [accLen], dtype: 'int32' });
      tail.push(g.tensors.length - 1);
    }
    g.tensors.push({ name: `${(endOp ?? ops[ops.length - 1]!).name}${SUFFIX}_state`, shape: [2 * geo.length], dtype: 'int16' });
    tail.push(g.tensors.length - 1);
    const inputs = [ops[0]!.inputs[0]!, ...ops.flatMap((op) => [op.inputs[1]!, op.inputs[2] ?? -1])];
    if (end?.kind === 'FULLY_CONNECTED') inputs.push(endOp!.inputs[1]!, endOp!.inputs[2] ?? -1);
    const at = m.end ?? m.stages[m.stages.length - 1]!;
    [...m.stages, ...(m.reshape !== undefined ? [m.reshape] : []), ...(m.end !== undefined ? [m.end] : [])].forEach((k) => drop.add(k));
    fused.set(at, {
      kind: 'ROW_CHAIN', inputs,
      outputs: [(endOp ?? ops[ops.length - 1]!).outputs[0]!, ...rows, ...tail],
      options, name: `${(endOp ?? ops[ops.length - 1]!).name}${SUFFIX}`,
    });
  }
  // The chain runs where its last op ran: X is ready before the first stage, and the
  // intermediates have no other reader.
  g.ops = g.ops.flatMap((op, i) => (fused.has(i) ? [fused.get(i)!] : drop.has(i) ? [] : [op]));
  compactTensors(g);
  return g;
}

/** The builtin ops of a ROW_CHAIN, with whole intermediate tensors (for export). */
export function unfuseRowChain(g: Graph, op: Op<'ROW_CHAIN'>): Op[] {
  const o = op.options;
  const n = o.stages.length;
  const geo = rowChainGeometry(g.tensors[op.inputs[0]!]!.shape, o.stages.map((_, k) => g.tensors[op.inputs[1 + 2 * k]!]!.shape), o);
  const ops: Op[] = [];
  let x = op.inputs[0]!;
  o.stages.forEach((st, s) => {
    const gs = geo[s]!;
    let y: number;
    if (s < n - 1) y = addActivation(g, g.tensors[op.outputs[1 + s]!]!, `${st.name}${TILED_MARK}out`, [1, gs.outH, gs.outW, gs.outC]);
    else if (o.end) y = addActivation(g, g.tensors[op.outputs[n]!]!, `${st.name}${TILED_MARK}out`, [1, gs.outH, gs.outW, gs.outC]);
    else y = op.outputs[0]!;
    const b = op.inputs[2 + 2 * s]!;
    ops.push({ kind: st.kind, inputs: b >= 0 ? [x, op.inputs[1 + 2 * s]!, b] : [x, op.inputs[1 + 2 * s]!], outputs: [y], options: { ...st.options }, name: st.name } as Op);
    x = y;
  });
  if (o.end?.kind === 'AVERAGE_POOL_2D') {
    ops.push({ kind: 'AVERAGE_POOL_2D', inputs: [x], outputs: [op.outputs[0]!], options: { ...o.end.options }, name: o.end.name });
  } else if (o.end?.kind === 'FULLY_CONNECTED') {
    if (o.end.reshape) {
      const r = o.end.reshape;
      const shape = addInt32Const(g, `${r.name}${TILED_MARK}shape`, [r.shape.length], r.shape);
      const y = addActivation(g, g.tensors[x]!, `${r.name}${TILED_MARK}out`, r.shape);
      ops.push({ kind: 'RESHAPE', inputs: [x, shape], outputs: [y], options: { newShape: [...r.shape] }, name: r.name });
      x = y;
    }
    const b = op.inputs[2 + 2 * n]!;
    const w = op.inputs[1 + 2 * n]!;
    ops.push({ kind: 'FULLY_CONNECTED', inputs: b >= 0 ? [x, w, b] : [x, w], outputs: [op.outputs[0]!], options: { ...o.end.options }, name: o.end.name });
  }
  return ops;
}
