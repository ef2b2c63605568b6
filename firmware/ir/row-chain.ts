// Geometry of a ROW_CHAIN (ir/graph.ts RowChainOptions): every stage's input and output map,
// window and vertical padding, and how many of its output rows the next stage's window holds.
// One place for the validator, the tiling rewrite, the interpreter, MAC counting and the AoT
// lowering.
import type { Graph, Op, RowChainOptions } from './graph.ts';
import { leadingPad, windowOutSize } from './shape.ts';

export interface RowChainStageGeometry {
  inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number;
  kH: number; kW: number;
  strideH: number;
  /** Leading padding rows (0 for VALID). */
  padTop: number;
  strideW: number;
  /** Leading padding columns (0 for VALID). */
  padLeft: number;
  /** Output rows of this stage the next stage's window can hold at once (the last stage: 1). */
  hold: number;
  /**
   * The next stage is a 1x1, stride-1 conv (a depthwise-separable pair's pointwise half): its
   * output pixel needs only this stage's pixel, so this stage is computed one pixel at a time
   * straight into it and holds one pixel, not a row. Never two in a row (a pointwise that is
   * itself fed pixel by pixel computes whole rows).
   */
  pixel: boolean;
}

/** Shape of the buffer stage s's output is held in (not used for the last stage). */
export function stageBufferShape(s: RowChainStageGeometry): number[] {
  return s.pixel ? [1, 1, 1, s.outC] : [1, s.hold, s.outW, s.outC];
}

/** Input rows [first, last] (clipped to the map) that output row `r` of a stage reads. */
export function stageRowWindow(s: RowChainStageGeometry, r: number): { first: number; last: number; padTop: number } {
  const start = r * s.strideH - s.padTop;
  return { first: Math.max(0, start), last: Math.min(s.inH - 1, start + s.kH - 1), padTop: Math.max(0, -start) };
}

/**
 * Stage geometry from the chain's input shape and the stages' filter shapes (conv: OHWI,
 * depthwise: 1 x H x W x out channels); throws on what a chain cannot hold (dilation, a batch
 * other than 1, filters that do not chain).
 */
export function rowChainGeometry(input: readonly number[], filters: readonly (readonly number[])[], o: RowChainOptions): RowChainStageGeometry[] {
  if (input.length !== 4 || input[0] !== 1) throw new Error(`row chain needs a batch-1 4-D input, got [${input}]`);
  if (filters.length !== o.stages.length || o.stages.length === 0) throw new Error('row chain needs one filter per stage');
  let [, h, w, c] = input as [number, number, number, number];
  const out: RowChainStageGeometry[] = [];
  o.stages.forEach((st, k) => {
    const f = filters[k]!;
    const so = st.options;
    if (f.length !== 4) throw new Error(`stage ${k} filter [${f}] is not 4-D`);
    if (so.dilationH !== 1 || so.dilationW !== 1) throw new Error(`stage ${k} is dilated`);
    const kH = f[1]!; const kW = f[2]!;
    let outC: number;
    if (st.kind === 'CONV_2D') {
      if (f[3] !== c) throw new Error(`stage ${k} filter [${f}] does not take ${c} channels`);
      outC = f[0]!;
    } else {
      const dm = (so as { depthMultiplier?: number }).depthMultiplier ?? 1;
      if (f[0] !== 1 || f[3] !== c * dm) throw new Error(`stage ${k} depthwise filter [${f}] does not map ${c} channels x ${dm}`);
      outC = f[3]!;
    }
    const outH = windowOutSize(h, kH, so.strideH, 1, so.padding);
    const outW = windowOutSize(w, kW, so.strideW, 1, so.padding);
    if (outH < 1 || outW < 1) throw new Error(`stage ${k} has an empty output`);
    out.push({
      inH: h, inW: w, inC: c, outH, outW, outC, kH, kW, strideH: so.strideH, padTop: leadingPad(so.padding, h, kH, so.strideH, 1, outH),
      strideW: so.strideW, padLeft: leadingPad(so.padding, w, kW, so.strideW, 1, outW), hold: 1, pixel: false,
    });
    [h, w, c] = [outH, outW, outC];
  });
  // Rows of stage s's output held for stage s + 1: its window height, clipped to the map.
  for (let k = 0; k + 1 < out.length; k++) out[k]!.hold = Math.min(out[k + 1]!.kH, out[k]!.outH);
  for (let k = 0; k + 1 < out.length; k++) {
    const next = out[k + 1]!; const so = o.stages[k + 1]!;
    out[k]!.pixel = so.kind === 'CONV_2D' && next.kH === 1 && next.kW === 1 && so.options.strideH === 1 && so.options.strideW === 1 && (k === 0 || !out[k - 1]!.pixel);
  }
  return out;
}

/** Shape of the buffer the last stage's output goes to before the end: one row, or one pixel
 * when a pool end sums the output of a pixel pair pixel by pixel. */
export function lastRowShape(geo: readonly RowChainStageGeometry[], o: RowChainOptions): number[] {
  const last = geo[geo.length - 1]!;
  return poolPerPixel(geo, o) ? [1, 1, 1, last.outC] : [1, 1, last.outW, last.outC];
}

/** True when the chain ends in a pool and its last stage is a pixel pair's pointwise half. */
export function poolPerPixel(geo: readonly RowChainStageGeometry[], o: RowChainOptions): boolean {
  return o.end?.kind === 'AVERAGE_POOL_2D' && geo.length > 1 && geo[geo.length - 2]!.pixel;
}

/**
 * Pairs of a ROW_CHAIN's pixel buffers (outputs of pixel stages, stageBufferShape) that may
 * share one buffer: each holds one pixel only while its pair computes it, and one pair runs at a
 * time. Same-size buffers only (the shared buffer is the first one's).
 */
export function rowChainSharedPixels(g: Graph, op: Op<'ROW_CHAIN'>): [number, number][] {
  const geo = rowChainOpGeometry(g, op);
  const pix = geo.flatMap((s, k) => (k < geo.length - 1 && s.pixel ? [op.outputs[1 + k]!] : []));
  const bytes = (t: number) => g.tensors[t]!.shape.reduce((a, b) => a * b, 1);
  return pix.slice(1).filter((t) => bytes(t) === bytes(pix[0]!)).map((t) => [pix[0]!, t]);
}

/**
 * With an end, the chain's output (pool or FC result, int8) in its int32 accumulators' buffer:
 * the end's last step (tr_partial_pool_finish_s8 / tr_partial_requant_s8) writes output byte i
 * after reading accumulator i, which starts at byte 4i, so it never overwrites an accumulator it
 * still needs. Returns [acc, output], or undefined without an end.
 */
export function rowChainOutputInAcc(op: Op<'ROW_CHAIN'>): [number, number] | undefined {
  const n = op.options.stages.length;
  return op.options.end ? [op.outputs[n + 1]!, op.outputs[0]!] : undefined;
}

/** The geometry of a ROW_CHAIN op in a graph. */
export function rowChainOpGeometry(g: Graph, op: Op<'ROW_CHAIN'>): RowChainStageGeometry[] {
  const filters = op.options.stages.map((_, k) => g.tensors[op.inputs[1 + 2 * k]!]!.shape);
  return rowChainGeometry(g.tensors[op.inputs[0]!]!.shape, filters, op.options);
}
