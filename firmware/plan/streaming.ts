// Streaming overlap: which op outputs may be written over an input the op reads for the last
// time, and how far below that input they must start.
//
// Every C kernel in firmware/runtime walks its output in address order (raster order over
// output pixels, NHWC, batch 1) and, at any moment, reads input only at or above the start of
// the current pixel's window. So once a pixel is written, input bytes below the next pixels'
// windows are dead, and the output may sit in the same bytes as the input, lagging it: with
// the output at offset o_out and the input at o_in, every write lands below every byte still to
// be read iff  o_in - o_out >= lag,  where
//     lag = max over output units u of ( end byte of u's writes - first input byte read from u on ).
// A unit is the group of outputs a kernel computes together (reads of all of them may happen
// before or between their writes): two pixels for CONV_2D (the fast kernels pair pixels, the
// 1x1 GEMM pairs flattened pixels) and for a depthwise conv over one input channel (run as a
// conv), one pixel for other depthwise convs and pooling, one element for the elementwise
// kernels (each element is read before it is written).
// The specialised int8 3x3 depthwise and 1x1 conv kernels can also run backwards (last pixel
// first); then the output may instead start `lagAbove` bytes ABOVE the input (reverseWindowLag),
// and the AoT backend picks the direction from the plan's offsets. A chain of such layers can
// then alternate below / above instead of stepping down by every lag.
//
// The rules are per op kind, like a kernel registry: a kind not listed never overlaps its
// inputs. They hold for the AoT kernels only (TFLite-Micro's are not part of this contract), so
// only AoT plans use them (`streaming` in lifetimes.ts). The tests prove each rule by running the
// generated C with the overlapping layouts and comparing outputs with the interpreter.
import { DTYPE_BYTES, isActivation, numElements, type Graph, type Op, type OpKind, type Padding, type ResidualBlockOptions } from '../ir/graph.ts';
import { leadingPad, sameRowPads } from '../ir/shape.ts';

/** An input the op's output may overlap, and the least bytes the output must start below it. */
export interface StreamInput {
  input: number;
  lag: number;
  /**
   * When the op's kernel can also run backwards (last pixel first: the specialised int8 3x3
   * depthwise and 1x1 conv), the least bytes the output must start ABOVE the input instead.
   */
  lagAbove?: number;
}

type StreamRule = (g: Graph, op: Op) => StreamInput[];

/** Output pixels (batch 1, NHWC) of a window op, with the geometry the kernels use. */
export interface WindowGeometry {
  inH: number; inW: number; outH: number; outW: number;
  filterH: number; filterW: number; strideH: number; strideW: number;
  dilationH: number; dilationW: number; padTop: number; padLeft: number;
  /** Bytes per input / output pixel (channels x element size). */
  inPixelBytes: number; outPixelBytes: number;
  /** Consecutive output pixels a kernel may compute together. */
  unitPixels: number;
}

/** First tap index inside [0, size) of a window starting at `origin`, or n when none is. */
function firstInside(origin: number, step: number, n: number, size: number): number {
  for (let k = 0; k < n; k++) {
    const v = origin + k * step;
    if (v >= 0 && v < size) return k;
  }
  return n;
}

/** Lowest input pixel (flat index) each output pixel's window reads; Infinity when it is all padding. */
function windowStarts(w: WindowGeometry): Float64Array {
  const start = new Float64Array(w.outH * w.outW);
  for (let oy = 0; oy < w.outH; oy++) {
    const iy0 = oy * w.strideH - w.padTop;
    const ky = firstInside(iy0, w.dilationH, w.filterH, w.inH);
    for (let ox = 0; ox < w.outW; ox++) {
      const ix0 = ox * w.strideW - w.padLeft;
      const kx = firstInside(ix0, w.dilationW, w.filterW, w.inW);
      start[oy * w.outW + ox] = ky >= w.filterH || kx >= w.filterW
        ? Infinity
        : (iy0 + ky * w.dilationH) * w.inW + (ix0 + kx * w.dilationW);
    }
  }
  return start;
}

/**
 * The lag of a window op (see the file comment): the largest distance between the end of a
 * unit's writes and the lowest input byte any later-or-same pixel still reads.
 */
export function windowLag(w: WindowGeometry): number {
  const P = w.outH * w.outW;
  const start = windowStarts(w);
  let lag = 0;
  let suffixMin = Infinity;
  for (let p = P - 1; p >= 0; p--) {
    suffixMin = Math.min(suffixMin, start[p]!);
    // Nothing left to read (trailing all-padding pixels): those writes cannot clobber input.
    if (suffixMin === Infinity) continue;
    const writeEnd = Math.min(p + w.unitPixels, P) * w.outPixelBytes;
    lag = Math.max(lag, writeEnd - suffixMin * w.inPixelBytes);
  }
  return lag;
}

/**
 * The lag of a kernel whose units are known pixel by pixel rather than bounded by one size
 * (`w.unitPixels` unused): `units` lists the pixel counts of its consecutive units in output
 * raster order (summing to the map's pixels; a unit's reads may follow its own writes). The
 * RV32 quad kernel walks quads only where four windows lie inside the input and pairs or single
 * pixels elsewhere, so near a row's end, where windowLag's 4-pixel unit binds, its real lag is
 * that of its pairs (lower-scalar.ts checks the plan's offsets with it).
 */
export function walkLag(w: WindowGeometry, units: readonly number[]): number {
  const P = w.outH * w.outW;
  const steps: number[][] = [];
  let p = 0;
  for (const n of units) {
    if (n < 1 || p + n > P) throw new Error(`walkLag: unit of ${n} pixels at pixel ${p} of ${P}`);
    steps.push(Array.from({ length: n }, (_, k) => p + k));
    p += n;
  }
  if (p !== P) throw new Error(`walkLag: units cover ${p} of ${P} pixels`);
  return stepLag(w, steps);
}

/**
 * The lag of a kernel that writes its output pixels in any order (`w.unitPixels` unused):
 * `steps` lists, call by call, the output pixels (flat raster indices) each call computes —
 * every pixel once; a call's reads may follow its own writes. A call's writes must end below
 * every input byte it or a later call still reads, so the lag is the largest distance from the
 * end of a call's highest write to the lowest input byte read from that call on. The RV32 quad
 * kernel's border column quads run before its raster walk, four rows down a column: their
 * writes run far ahead of the input still to be read (rv32-quad-walk.ts).
 */
export function stepLag(w: WindowGeometry, steps: readonly (readonly number[])[]): number {
  const P = w.outH * w.outW;
  const start = windowStarts(w);
  const seen = new Uint8Array(P);
  const lowest: number[] = [];
  const highest: number[] = [];
  for (const pixels of steps) {
    if (pixels.length === 0) throw new Error('stepLag: a call of no pixels');
    let lo = Infinity; let hi = -1;
    for (const q of pixels) {
      if (!Number.isInteger(q) || q < 0 || q >= P || seen[q]) throw new Error(`stepLag: pixel ${q} of ${P} out of range or computed twice`);
      seen[q] = 1;
      lo = Math.min(lo, start[q]!); hi = Math.max(hi, q);
    }
    lowest.push(lo); highest.push(hi);
  }
  if (seen.some((v) => v === 0)) throw new Error(`stepLag: calls cover ${seen.reduce((a, v) => a + v, 0)} of ${P} pixels`);
  let lag = 0;
  let suffixMin = Infinity;
  for (let s = steps.length - 1; s >= 0; s--) {
    suffixMin = Math.min(suffixMin, lowest[s]!);
    // nothing left to read: these writes cannot clobber input
    if (suffixMin !== Infinity) lag = Math.max(lag, (highest[s]! + 1) * w.outPixelBytes - suffixMin * w.inPixelBytes);
  }
  return lag;
}

/**
 * The reverse lag: a kernel walking its output from the last unit to the first writes a unit
 * at and above its first byte while every input byte up to the end of the windows of that and
 * all earlier pixels is still to be read; the output may start this many bytes above the input.
 */
export function reverseWindowLag(w: WindowGeometry): number {
  const P = w.outH * w.outW;
  // One past the highest input pixel (flat) each output pixel reads; -Infinity when none.
  const end = new Float64Array(P);
  for (let oy = 0; oy < w.outH; oy++) {
    const iy0 = oy * w.strideH - w.padTop;
    const ky = lastInside(iy0, w.dilationH, w.filterH, w.inH);
    for (let ox = 0; ox < w.outW; ox++) {
      const ix0 = ox * w.strideW - w.padLeft;
      const kx = lastInside(ix0, w.dilationW, w.filterW, w.inW);
      end[oy * w.outW + ox] = ky < 0 || kx < 0 ? -Infinity : (iy0 + ky * w.dilationH) * w.inW + (ix0 + kx * w.dilationW) + 1;
    }
  }
  const prefixMax = new Float64Array(P);
  let m = -Infinity;
  for (let p = 0; p < P; p++) { m = Math.max(m, end[p]!); prefixMax[p] = m; }
  let lag = 0;
  for (let p = 0; p < P; p++) {
    const needed = prefixMax[Math.min(p + w.unitPixels, P) - 1]!;
    if (needed === -Infinity) continue;
    lag = Math.max(lag, needed * w.inPixelBytes - p * w.outPixelBytes);
  }
  return lag;
}

/** Last tap index inside [0, size) of a window starting at `origin`, or -1 when none is. */
function lastInside(origin: number, step: number, n: number, size: number): number {
  for (let k = n - 1; k >= 0; k--) {
    const v = origin + k * step;
    if (v >= 0 && v < size) return k;
  }
  return -1;
}

/** Lag of an elementwise kernel over n elements (element k is read before it is written). */
export function elementwiseLag(n: number, inBytes: number, outBytes: number): number {
  // Write of element k ends at (k + 1) * outBytes; inputs from k + 1 on are still to be read.
  return n > 0 ? Math.max(0, (outBytes - inBytes) * n) : 0;
}

function dense4(shape: readonly number[]): [number, number, number, number] | undefined {
  return shape.length === 4 && shape[0] === 1 ? shape as [number, number, number, number] : undefined;
}

function windowRule(unitPixels: number): StreamRule {
  return (g, op) => {
    const x = g.tensors[op.inputs[0]!];
    const y = g.tensors[op.outputs[0]!];
    if (!x || !y) return [];
    const xs = dense4(x.shape);
    const ys = dense4(y.shape);
    if (!xs || !ys) return [];
    let fh: number; let fw: number; let dh = 1; let dw = 1;
    let unit = unitPixels;
    let reversible = false;
    const o = op.options as { padding: Padding; strideH: number; strideW: number; dilationH?: number; dilationW?: number; filterH?: number; filterW?: number };
    const int8 = x.dtype === 'int8' && y.dtype === 'int8';
    if (op.kind === 'CONV_2D' || op.kind === 'DEPTHWISE_CONV_2D') {
      const f = g.tensors[op.inputs[1]!]?.shape;
      if (!f || f.length !== 4) return [];
      fh = f[1]!; fw = f[2]!; dh = o.dilationH ?? 1; dw = o.dilationW ?? 1;
      // A depthwise conv over one input channel runs as a conv (pixel pairs) in the AoT backend.
      const asConv = op.kind === 'CONV_2D' || xs[3] === 1;
      // One output channel: tr_conv2d_s8_fast_1ch walks columns, not raster order.
      if (asConv && ys[3] === 1) return [];
      if (asConv) unit = Math.max(unit, 2);
      // Kernels that also run backwards (tr_conv_spec.h, tr_dwconv_spec.h): int8 1x1 stride-1
      // convs on the same map, int8 3x3 undilated depthwise with multiplier 1 and >= 4 channels.
      reversible = int8 && (op.kind === 'CONV_2D'
        ? fh === 1 && fw === 1 && o.strideH === 1 && o.strideW === 1 && ys[1] === xs[1] && ys[2] === xs[2]
        : !asConv && fh === 3 && fw === 3 && dh === 1 && dw === 1 && ys[3] === xs[3] && ys[3] >= 4);
    } else {
      fh = o.filterH!; fw = o.filterW!;
    }
    const geom: WindowGeometry = {
      inH: xs[1], inW: xs[2], outH: ys[1], outW: ys[2], filterH: fh, filterW: fw,
      strideH: o.strideH, strideW: o.strideW, dilationH: dh, dilationW: dw,
      padTop: leadingPad(o.padding, xs[1], fh, o.strideH, dh, ys[1]),
      padLeft: leadingPad(o.padding, xs[2], fw, o.strideW, dw, ys[2]),
      inPixelBytes: xs[3] * DTYPE_BYTES[x.dtype], outPixelBytes: ys[3] * DTYPE_BYTES[y.dtype], unitPixels: unit,
    };
    return [{ input: op.inputs[0]!, lag: windowLag(geom), ...(reversible ? { lagAbove: reverseWindowLag(geom) } : {}) }];
  };
}

/** Elementwise ops: every input with the output's shape (a broadcast input is re-read). */
const elementwiseRule: StreamRule = (g, op) => {
  const y = g.tensors[op.outputs[0]!];
  if (!y) return [];
  const n = numElements(y.shape);
  const out: StreamInput[] = [];
  for (const t of op.inputs) {
    const x = t >= 0 ? g.tensors[t] : undefined;
    if (!x || !isActivation(x) || numElements(x.shape) !== n || x.shape.join() !== y.shape.join()) continue;
    out.push({ input: t, lag: elementwiseLag(n, DTYPE_BYTES[x.dtype], DTYPE_BYTES[y.dtype]) });
  }
  return out;
};

/** Row geometry of a RESIDUAL_BLOCK (ir/graph.ts): rows of X and W, conv A's and the
 * projection's vertical window (the identity block has no projection), conv B's height. */
export interface ResidualRowGeometry {
  inH: number; outH: number; xRowBytes: number; wRowBytes: number;
  a: { k: number; stride: number; padTop: number };
  kB: number;
  s?: { stride: number; padTop: number };
}

/**
 * Lag of W over X in tr_residual_rows_s8's order: output row r is written after conv A's rows
 * up to r + (conv B's bottom padding) and the skip row r were computed, so from then on X is
 * read from the next conv A row's (or next skip row's) first input row on. The identity block's
 * ADD reads X row r element by element before writing W at the same place (elementwise).
 */
export function residualBlockLag(g: ResidualRowGeometry): number {
  const [, bBottom] = sameRowPads(g.outH, g.kB);
  let lag = 0;
  for (let r = 0; r < g.outH - 1; r++) {
    const nextA = Math.min(g.outH - 1, r + bBottom) + 1;
    const reads: number[] = [];
    if (nextA < g.outH) reads.push(Math.max(0, nextA * g.a.stride - g.a.padTop));
    reads.push(g.s ? Math.max(0, (r + 1) * g.s.stride - g.s.padTop) : r + 1);
    lag = Math.max(lag, (r + 1) * g.wRowBytes - Math.min(...reads) * g.xRowBytes);
  }
  return lag;
}

/** RESIDUAL_BLOCK (firmware/tiling/residual-rows.ts): W over X at residualBlockLag. Its working
 * rows overlap nothing. */
const residualBlockRule: StreamRule = (g, op) => {
  const x = g.tensors[op.inputs[0]!]; const y = g.tensors[op.outputs[0]!];
  const o = op.options as ResidualBlockOptions;
  const fa = g.tensors[op.inputs[1]!]?.shape; const fb = g.tensors[op.inputs[3]!]?.shape;
  const fs = o.convS ? g.tensors[op.inputs[5]!]?.shape : undefined;
  const xs = x ? dense4(x.shape) : undefined; const ys = y ? dense4(y.shape) : undefined;
  if (!x || !y || !xs || !ys || !fa || !fb || (o.convS && !fs) || x.dtype !== y.dtype) return [];
  const [, inH, inW, inC] = xs; const [, outH, outW, outC] = ys;
  const lag = residualBlockLag({
    inH, outH, xRowBytes: inW * inC * DTYPE_BYTES[x.dtype], wRowBytes: outW * outC * DTYPE_BYTES[y.dtype],
    a: { k: fa[1]!, stride: o.convA.strideH, padTop: leadingPad('SAME', inH, fa[1]!, o.convA.strideH, 1, outH) },
    kB: fb[1]!,
    ...(o.convS && fs ? { s: { stride: o.convS.strideH, padTop: leadingPad(o.convS.padding, inH, fs[1]!, o.convS.strideH, 1, outH) } } : {}),
  });
  return [{ input: op.inputs[0]!, lag }];
};

const RULES: Partial<Record<OpKind, StreamRule>> = {
  RESIDUAL_BLOCK: residualBlockRule,
  CONV_2D: windowRule(2),
  DEPTHWISE_CONV_2D: windowRule(1),
  AVERAGE_POOL_2D: windowRule(1),
  MAX_POOL_2D: windowRule(1),
  ADD: elementwiseRule,
  MUL: elementwiseRule,
  LOGISTIC: elementwiseRule,
  TANH: elementwiseRule,
  QUANTIZE: elementwiseRule,
  DEQUANTIZE: elementwiseRule,
};

/** Op kinds whose kernels may write over a consumed input. */
export const STREAMING_OPS = Object.keys(RULES) as OpKind[];

/** Inputs the (first) output of `graph.ops[opIndex]` may overlap, with their lags (empty: none).
 * Only RESIDUAL_BLOCK has more outputs (its working rows, which overlap nothing). */
export function streamInputs(graph: Graph, opIndex: number): StreamInput[] {
  const op = graph.ops[opIndex];
  if (!op || (op.outputs.length !== 1 && op.kind !== 'RESIDUAL_BLOCK')) return [];
  const rule = RULES[op.kind];
  return rule ? rule(graph, op) : [];
}
