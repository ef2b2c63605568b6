// Window arithmetic for spatial tiling: which input rows (or columns) an output range of a
// convolution, pooling or PAD needs, and how much of that lies in the padding. Pure functions,
// one axis at a time (H and W are independent in every op tiled here).
import type { Conv2DOptions, Graph, Op, Pool2DOptions } from '../ir/graph.ts';
import { samePadding, windowOutSize } from '../ir/shape.ts';

/** One spatial axis of an op, in TFLite's terms. */
export interface AxisGeometry {
  inSize: number;
  outSize: number;
  /** Effective kernel extent: (k - 1) * dilation + 1 (1 for PAD). */
  extent: number;
  stride: number;
  /** Rows of padding before the first input row (SAME padding's "top", or PAD's amount). */
  padBefore: number;
}

/** Input range [lo, hi) (may reach into padding: lo < 0 or hi > inSize) for outputs [a, b). */
export function inputRange(g: AxisGeometry, a: number, b: number): [number, number] {
  return [a * g.stride - g.padBefore, (b - 1) * g.stride - g.padBefore + g.extent];
}

/** TFLite's padding rule (firmware/ir/shape.ts): output size and padding before, one axis. */
export function sameOrValid(padding: 'SAME' | 'VALID', inSize: number, k: number, stride: number, dilation: number): { outSize: number; padBefore: number } {
  const outSize = windowOutSize(inSize, k, stride, dilation, padding);
  return { outSize, padBefore: padding === 'SAME' ? samePadding(inSize, k, stride, dilation).before : 0 };
}

export type SpatialKind = 'CONV_2D' | 'DEPTHWISE_CONV_2D' | 'AVERAGE_POOL_2D' | 'MAX_POOL_2D' | 'PAD';
export const SPATIAL_KINDS: readonly string[] = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'PAD'];

/** Reads a PAD op's constant paddings ([rank, 2] int32 or int64). */
export function padAmounts(g: Graph, op: Op): number[][] {
  const t = g.tensors[op.inputs[1]!]!;
  if (!t.data) throw new Error(`${op.name}: PAD with non-constant paddings cannot be tiled`);
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const rank = t.shape[0]!;
  const wide = t.dtype === 'int64';
  const out: number[][] = [];
  for (let i = 0; i < rank; i++) {
    const at = (j: number): number => (wide ? Number(view.getBigInt64((i * 2 + j) * 8, true)) : view.getInt32((i * 2 + j) * 4, true));
    out.push([at(0), at(1)]);
  }
  return out;
}

/**
 * H (axis 1) and W (axis 2) geometry of a spatial op on NHWC tensors, or undefined when the op
 * cannot be tiled spatially (not NHWC, a pool whose SAME padding is not zero — pools exclude
 * padding from their window, so an explicit PAD would change the result —, a PAD that pads
 * the batch or channel axes, a constant value PAD).
 */
export function spatialGeometry(g: Graph, op: Op): [AxisGeometry, AxisGeometry] | undefined {
  const inT = g.tensors[op.inputs[0]!]!;
  const outT = g.tensors[op.outputs[0]!]!;
  if (inT.shape.length !== 4 || outT.shape.length !== 4) return undefined;
  const [, inH, inW] = inT.shape as [number, number, number, number];
  const [, outH, outW] = outT.shape as [number, number, number, number];
  if (op.kind === 'ADD') {
    // Elementwise without broadcasting: output row r needs row r of both operands.
    const ok = op.inputs.every((id) => id >= 0 && g.tensors[id]!.shape.join() === outT.shape.join());
    if (!ok) return undefined;
    return [
      { inSize: inH, outSize: outH, extent: 1, stride: 1, padBefore: 0 },
      { inSize: inW, outSize: outW, extent: 1, stride: 1, padBefore: 0 },
    ];
  }
  if (op.kind === 'PAD') {
    if (op.inputs.length > 2 && op.inputs[2]! >= 0) return undefined; // PADV2-like constant value
    const p = padAmounts(g, op);
    if (p.length !== 4 || p[0]![0] || p[0]![1] || p[3]![0] || p[3]![1]) return undefined;
    return [
      { inSize: inH, outSize: outH, extent: 1, stride: 1, padBefore: p[1]![0]! },
      { inSize: inW, outSize: outW, extent: 1, stride: 1, padBefore: p[2]![0]! },
    ];
  }
  let kh: number; let kw: number; let dh = 1; let dw = 1;
  const o = op.options as Conv2DOptions | Pool2DOptions;
  if (op.kind === 'CONV_2D' || op.kind === 'DEPTHWISE_CONV_2D') {
    const f = g.tensors[op.inputs[1]!]!;
    kh = f.shape[1]!; kw = f.shape[2]!;
    dh = (o as Conv2DOptions).dilationH; dw = (o as Conv2DOptions).dilationW;
  } else if (op.kind === 'AVERAGE_POOL_2D' || op.kind === 'MAX_POOL_2D') {
    kh = (o as Pool2DOptions).filterH; kw = (o as Pool2DOptions).filterW;
  } else {
    return undefined;
  }
  const h = sameOrValid(o.padding, inH, kh, o.strideH, dh);
  const w = sameOrValid(o.padding, inW, kw, o.strideW, dw);
  if (h.outSize !== outH || w.outSize !== outW) return undefined; // shapes disagree with TFLite rules
  const geo: [AxisGeometry, AxisGeometry] = [
    { inSize: inH, outSize: outH, extent: (kh - 1) * dh + 1, stride: o.strideH, padBefore: h.padBefore },
    { inSize: inW, outSize: outW, extent: (kw - 1) * dw + 1, stride: o.strideW, padBefore: w.padBefore },
  ];
  if (op.kind === 'AVERAGE_POOL_2D' || op.kind === 'MAX_POOL_2D') {
    // Padding would be needed somewhere: not tileable with explicit PAD.
    for (const a of geo) {
      const [lo, hi] = inputRange(a, 0, a.outSize);
      if (lo < 0 || hi > a.inSize) return undefined;
    }
  }
  return geo;
}

/** One op's share of one tile along one axis. */
export interface AxisTile {
  /** Output range [a, b) this op computes for the tile. */
  out: [number, number];
  /** Input rows actually read [lo, hi), clipped to the tensor. */
  read: [number, number];
  /** Padding rows the tile needs before and after what it reads. */
  pad: [number, number];
}

/**
 * Walks a chain of ops backwards from an output range of the last op: for each op (in chain
 * order) the output range it must compute, the input it reads and the border padding it needs.
 */
export function backPropagate(chain: AxisGeometry[], a: number, b: number): AxisTile[] {
  const tiles: AxisTile[] = new Array(chain.length);
  let out: [number, number] = [a, b];
  for (let i = chain.length - 1; i >= 0; i--) {
    const geo = chain[i]!;
    const [lo, hi] = inputRange(geo, out[0], out[1]);
    const read: [number, number] = [Math.max(lo, 0), Math.min(hi, geo.inSize)];
    tiles[i] = { out, read, pad: [read[0] - lo, hi - read[1]] };
    out = read;
  }
  return tiles;
}
