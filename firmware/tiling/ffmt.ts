// FFMT — Fused Feature-Map Tiling. A chain of spatial ops (CONV_2D, DEPTHWISE_CONV_2D, pools,
// PAD) is computed tile by tile over the output's H and/or W axes: each tile slices its input
// window (with the halo the kernels, strides and padding need) from the chain's input, pads
// explicitly only where the window touches a real border, runs every op with VALID padding on
// the window, and the output tiles are concatenated back into the original output tensor.
// Only one tile's intermediates are live at a time; overlapping halos are recomputed (MACs).
import type { Conv2DOptions, Graph, Op, Pool2DOptions, StridedSliceOptions } from '../ir/graph.ts';
import { opMacs } from '../ir/macs.ts';
import { addActivation, addInt32Const, cloneGraph, compactTensors, dropPlanMetadata, spliceOps, splitRange } from './graph-edit.ts';
import { chainNext, indexGraph, isRewritten, onlyFirstInputIsActivation, TILED_MARK } from './path.ts';
import { backPropagate, SPATIAL_KINDS, spatialGeometry, type AxisGeometry, type AxisTile } from './windows.ts';

export interface FfmtSpec {
  /** Op indices of the chain, in order. */
  ops: number[];
  tilesH: number;
  tilesW: number;
}

function isSpatialStart(g: Graph, i: number): boolean {
  const op = g.ops[i]!;
  return SPATIAL_KINDS.includes(op.kind) && onlyFirstInputIsActivation(g, i) && !isRewritten(g, i)
    && spatialGeometry(g, op) !== undefined;
}

/** Ops that may continue a chain: spatial ops, and residual ADDs (side operand sliced per tile). */
function isSpatialNext(g: Graph, i: number): boolean {
  const op = g.ops[i]!;
  if (isRewritten(g, i)) return false;
  if (op.kind === 'ADD') return spatialGeometry(g, op) !== undefined;
  return isSpatialStart(g, i);
}

/** Every spatial chain in the graph (each start, each length up to maxLen). */
export function findFfmtPaths(g: Graph, maxLen = 12): number[][] {
  const ix = indexGraph(g);
  const paths: number[][] = [];
  for (let i = 0; i < g.ops.length; i++) {
    if (!isSpatialStart(g, i)) continue;
    const path = [i];
    paths.push([...path]);
    let cur = i;
    while (path.length < maxLen) {
      const next = chainNext(g, ix, cur, true);
      if (next < 0 || !isSpatialNext(g, next)) break;
      path.push(next);
      paths.push([...path]);
      cur = next;
    }
  }
  return paths;
}

/**
 * MACs the tiled chain will perform (exactly what opMacs counts on the rewritten ops), from the
 * tile arithmetic alone — lets discovery drop over-budget candidates without rewriting them.
 * Undefined when the tiling is not possible.
 */
export function ffmtChainMacs(g: Graph, spec: FfmtSpec): { tiled: number; original: number } | undefined {
  const geos = spec.ops.map((i) => spatialGeometry(g, g.ops[i]!));
  if (geos.some((x) => x === undefined)) return undefined;
  const last = g.ops[spec.ops[spec.ops.length - 1]!]!;
  const outShape = g.tensors[last.outputs[0]!]!.shape;
  if (outShape[1]! < spec.tilesH || outShape[2]! < spec.tilesW) return undefined;
  const rows = splitRange(outShape[1]!, spec.tilesH).map(([a, b]) => tilePlan(geos.map((x) => x![0]), a, b));
  const cols = splitRange(outShape[2]!, spec.tilesW).map(([a, b]) => tilePlan(geos.map((x) => x![1]), a, b));
  if (rows.some((x) => !x) || cols.some((x) => !x)) return undefined;
  let tiled = 0; let original = 0;
  spec.ops.forEach((opIndex, k) => {
    const op = g.ops[opIndex]!;
    const outT = g.tensors[op.outputs[0]!]!.shape;
    const perPixel = opMacs(g, op) / (outT[1]! * outT[2]!);
    original += opMacs(g, op);
    let rowsSum = 0; let colsSum = 0;
    for (const r of rows) rowsSum += r![k]!.out[1] - r![k]!.out[0];
    for (const c of cols) colsSum += c![k]!.out[1] - c![k]!.out[0];
    tiled += perPixel * rowsSum * colsSum;
  });
  return { tiled, original };
}

/** Per-op tiles for one output tile, or undefined if some op would read nothing. */
function tilePlan(geos: AxisGeometry[], a: number, b: number): AxisTile[] | undefined {
  const tiles = backPropagate(geos, a, b);
  return tiles.every((t) => t.read[1] > t.read[0] && t.out[1] > t.out[0]) ? tiles : undefined;
}

/**
 * Rewrites the chain as tiles. Returns undefined when the chain cannot be tiled this way (too
 * many tiles for the output size, a tile that would read only padding).
 */
export function applyFfmt(g0: Graph, spec: FfmtSpec): Graph | undefined {
  const { ops, tilesH, tilesW } = spec;
  if (tilesH < 1 || tilesW < 1 || tilesH * tilesW < 2) return undefined;
  const geos = ops.map((i) => spatialGeometry(g0, g0.ops[i]!));
  if (geos.some((x) => x === undefined)) return undefined;
  const hGeo = geos.map((x) => x![0]);
  const wGeo = geos.map((x) => x![1]);
  const last = g0.ops[ops[ops.length - 1]!]!;
  const outId = last.outputs[0]!;
  const outShape = g0.tensors[outId]!.shape;
  if (outShape[1]! < tilesH || outShape[2]! < tilesW) return undefined;

  const rowsH = splitRange(outShape[1]!, tilesH).map(([a, b]) => tilePlan(hGeo, a, b));
  const colsW = splitRange(outShape[2]!, tilesW).map(([a, b]) => tilePlan(wGeo, a, b));
  if (rowsH.some((x) => !x) || colsW.some((x) => !x)) return undefined;

  const g = cloneGraph(g0);
  const inputId = g.ops[ops[0]!]!.inputs[0]!;
  const block: Op[] = [];
  const rowOutputs: number[] = [];
  const base = last.name;

  for (let r = 0; r < tilesH; r++) {
    const th = rowsH[r]!;
    const tileOutputs: number[] = [];
    for (let c = 0; c < tilesW; c++) {
      const tw = colsW[c]!;
      const tag = `${base}${TILED_MARK}ffmt_r${r}c${c}`;
      // A window [rows) x [cols) of a full tensor (no op when it is the whole tensor).
      const window = (src: number, rh: [number, number], rw: [number, number], what: string): number => {
        const shape = g.tensors[src]!.shape;
        if (rh[0] === 0 && rh[1] === shape[1]! && rw[0] === 0 && rw[1] === shape[2]!) return src;
        const winShape = [shape[0]!, rh[1] - rh[0], rw[1] - rw[0], shape[3]!];
        const win = addActivation(g, g.tensors[src]!, `${tag}/${what}`, winShape);
        const begin = addInt32Const(g, `${tag}/${what}/begin`, [4], [0, rh[0], rw[0], 0]);
        const end = addInt32Const(g, `${tag}/${what}/end`, [4], [shape[0]!, rh[1], rw[1], shape[3]!]);
        const strides = addInt32Const(g, `${tag}/${what}/strides`, [4], [1, 1, 1, 1]);
        const opts: StridedSliceOptions = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false };
        block.push({ kind: 'STRIDED_SLICE', inputs: [src, begin, end, strides], outputs: [win], options: opts, name: `${tag}/${what}/slice` });
        return win;
      };
      // 1. The input window: rows and columns the first op reads.
      let cur = window(inputId, th[0]!.read, tw[0]!.read, 'window');
      let chainTensor = inputId; // the original tensor `cur` is a window of
      // 2. Each op on the window, with border padding made explicit.
      ops.forEach((opIndex, k) => {
        const op = g0.ops[opIndex]!;
        const ph = th[k]!.pad; const pw = tw[k]!.pad;
        const curShape = g.tensors[cur]!.shape;
        const needPad = ph[0] || ph[1] || pw[0] || pw[1];
        const outT = g0.tensors[op.outputs[0]!]!;
        const tileOutShape = [outT.shape[0]!, th[k]!.out[1] - th[k]!.out[0], tw[k]!.out[1] - tw[k]!.out[0], outT.shape[3]!];
        if (op.kind === 'ADD') {
          // Residual: the other operand's window at this tile's output rows and columns.
          const side = op.inputs[0] === chainTensor ? 1 : 0;
          const other = window(op.inputs[side]!, th[k]!.out, tw[k]!.out, `${op.name}/side`);
          const out = addActivation(g, outT, `${tag}/${op.name}`, tileOutShape);
          const inputs = side === 1 ? [cur, other] : [other, cur];
          block.push({ kind: 'ADD', inputs, outputs: [out], options: { ...op.options }, name: `${tag}/${op.name}` } as Op);
          cur = out; chainTensor = op.outputs[0]!;
          return;
        }
        chainTensor = op.outputs[0]!;
        if (op.kind === 'PAD') {
          if (!needPad) return; // this tile lies inside: the PAD is a no-op here
          const out = addActivation(g, outT, `${tag}/${op.name}`, tileOutShape);
          const paddings = addInt32Const(g, `${tag}/${op.name}/paddings`, [4, 2], [0, 0, ph[0], ph[1], pw[0], pw[1], 0, 0]);
          block.push({ kind: 'PAD', inputs: [cur, paddings], outputs: [out], options: {}, name: `${tag}/${op.name}` });
          cur = out;
          return;
        }
        if (needPad) {
          const padded = addActivation(g, g.tensors[cur]!, `${tag}/${op.name}/padded`,
            [curShape[0]!, curShape[1]! + ph[0] + ph[1], curShape[2]! + pw[0] + pw[1], curShape[3]!]);
          const paddings = addInt32Const(g, `${tag}/${op.name}/paddings`, [4, 2], [0, 0, ph[0], ph[1], pw[0], pw[1], 0, 0]);
          block.push({ kind: 'PAD', inputs: [cur, paddings], outputs: [padded], options: {}, name: `${tag}/${op.name}/pad` });
          cur = padded;
        }
        const out = addActivation(g, outT, `${tag}/${op.name}`, tileOutShape);
        const options = { ...(op.options as Conv2DOptions | Pool2DOptions), padding: 'VALID' as const };
        block.push({ kind: op.kind, inputs: [cur, ...op.inputs.slice(1)], outputs: [out], options, name: `${tag}/${op.name}` } as Op);
        cur = out;
      });
      tileOutputs.push(cur);
    }
    // Columns of one row are joined as soon as the row is done, so its tiles die early.
    if (tilesW > 1) {
      const rowShape = [outShape[0]!, th[th.length - 1]!.out[1] - th[th.length - 1]!.out[0], outShape[2]!, outShape[3]!];
      const rowId = tilesH > 1 ? addActivation(g, g.tensors[outId]!, `${base}${TILED_MARK}ffmt_row${r}`, rowShape) : outId;
      block.push({ kind: 'CONCATENATION', inputs: tileOutputs, outputs: [rowId], options: { axis: 2, activation: 'NONE' }, name: `${base}${TILED_MARK}ffmt_concat_row${r}` });
      rowOutputs.push(rowId);
    } else {
      rowOutputs.push(tileOutputs[0]!);
    }
  }
  if (tilesH > 1) {
    block.push({ kind: 'CONCATENATION', inputs: rowOutputs, outputs: [outId], options: { axis: 1, activation: 'NONE' }, name: `${base}${TILED_MARK}ffmt_concat` });
  }
  // A tile whose chain reduced to nothing (all PADs skipped, whole input = output) cannot be
  // expressed; guard anyway.
  if (block.some((op) => op.kind === 'CONCATENATION' && op.inputs.includes(inputId))) return undefined;
  spliceOps(g, ops, block);
  compactTensors(g);
  dropPlanMetadata(g);
  return g;
}
