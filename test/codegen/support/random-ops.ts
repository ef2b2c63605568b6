// Seeded random one-op cases for the per-op tests. Each case is an independent op added to one
// shared graph (its activation inputs become graph inputs, its outputs graph outputs), so a
// single compile covers every case. Shapes, parameters and quantization are random within
// ranges every kernel accepts; output scales are picked so results spread over the int8 range.
import type { Activation, DType, Graph, Op, OpKind, OpOptionsMap, Quantization, Tensor } from '../../../firmware/ir/graph.ts';
import { numElements } from '../../../firmware/ir/graph.ts';

// The seeded generator every randomised test uses (same sequence as before it moved there).
export { prng as rng } from '../../helpers/prng.ts';

export class RandomGraph {
  readonly graph: Graph = { tensors: [], ops: [], inputs: [], outputs: [], metadata: [] };
  readonly cases: { kind: OpKind; name: string }[] = [];
  constructor(readonly rand: () => number) {}

  int(lo: number, hi: number): number { return lo + Math.floor(this.rand() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.rand() * xs.length)]!; }
  scale(): number { return Math.fround(0.005 + this.rand() * 0.1); }
  quant(scale = this.scale(), zp = this.int(-128, 127)): Quantization { return { scale: [Math.fround(scale)], zeroPoint: [zp], axis: 0 }; }

  private add(t: Tensor): number { this.graph.tensors.push(t); return this.graph.tensors.length - 1; }

  input(shape: number[], dtype: DType, quant?: Quantization): number {
    const id = this.add({ name: `in${this.graph.tensors.length}`, shape, dtype, quant });
    this.graph.inputs.push(id);
    return id;
  }

  output(shape: number[], dtype: DType, quant?: Quantization): number {
    const id = this.add({ name: `out${this.graph.tensors.length}`, shape, dtype, quant });
    this.graph.outputs.push(id);
    return id;
  }

  constant(shape: number[], dtype: DType, values: number[], quant?: Quantization): number {
    const n = numElements(shape);
    if (values.length !== n) throw new Error(`constant of [${shape}] needs ${n} values`);
    let bytes: Uint8Array;
    if (dtype === 'float32') bytes = new Uint8Array(Float32Array.from(values).buffer);
    else if (dtype === 'int32') bytes = new Uint8Array(Int32Array.from(values).buffer);
    else if (dtype === 'int64') bytes = new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
    else if (dtype === 'int8') bytes = new Uint8Array(Int8Array.from(values).buffer);
    else throw new Error(`constant dtype ${dtype}`);
    return this.add({ name: `c${this.graph.tensors.length}`, shape, dtype, quant, data: bytes });
  }

  int8Values(n: number): number[] { return Array.from({ length: n }, () => this.int(-127, 127)); }
  floatValues(n: number, mag = 1): number[] { return Array.from({ length: n }, () => Math.fround((this.rand() * 2 - 1) * mag)); }

  op<K extends OpKind>(kind: K, inputs: number[], outputs: number[], options: OpOptionsMap[K]): void {
    const name = `${kind}_${this.graph.ops.length}`;
    this.graph.ops.push({ kind, inputs, outputs, options, name } as Op);
    this.cases.push({ kind, name });
  }

  activation(): Activation { return this.pick(['NONE', 'RELU', 'RELU6', 'NONE'] as const); }
}

function outSize(padding: 'SAME' | 'VALID', inSize: number, filter: number, stride: number, dilation: number): number {
  const eff = (filter - 1) * dilation + 1;
  return padding === 'SAME' ? Math.floor((inSize + stride - 1) / stride) : Math.floor((inSize - eff + stride) / stride);
}

/** A conv-like geometry with at least one output pixel. */
function window(g: RandomGraph, big = false) {
  for (;;) {
    const h = g.int(1, big ? 16 : 9); const w = g.int(1, big ? 16 : 9);
    const kH = big ? 12 : g.int(1, 3); const kW = big ? g.int(11, 12) : g.int(1, 3);
    const strideH = g.int(1, 2); const strideW = g.int(1, 2);
    const dilationH = g.rand() < 0.2 ? 2 : 1; const dilationW = g.rand() < 0.2 ? 2 : 1;
    const padding = g.pick(['SAME', 'VALID'] as const);
    const oh = outSize(padding, h, kH, strideH, dilationH); const ow = outSize(padding, w, kW, strideW, dilationW);
    if (oh >= 1 && ow >= 1) return { h, w, kH, kW, strideH, strideW, dilationH, dilationW, padding, oh, ow };
  }
}

/** A random CONV_2D / DEPTHWISE_CONV_2D; `big` windows (12 x 11..12 taps) reach the kernels.
 * large-window paths. */
export function addConv(g: RandomGraph, dtype: 'int8' | 'float32', depthwise: boolean, big = false): void {
  const wd = window(g, big);
  const n = g.int(1, 2);
  const inC = g.int(1, 8);
  const dm = depthwise ? g.pick([1, 1, 2, 4, 5]) : 1;
  const outC = depthwise ? inC * dm : g.int(1, 9);
  const taps = wd.kH * wd.kW * (depthwise ? 1 : inC);
  const wShape = depthwise ? [1, wd.kH, wd.kW, outC] : [outC, wd.kH, wd.kW, inC];
  const activation = g.activation();
  const opts = { padding: wd.padding, strideH: wd.strideH, strideW: wd.strideW, dilationH: wd.dilationH, dilationW: wd.dilationW, activation };
  const kind = depthwise ? 'DEPTHWISE_CONV_2D' : 'CONV_2D';
  const options = depthwise ? { ...opts, depthMultiplier: dm } : opts;
  if (dtype === 'float32') {
    const x = g.input([n, wd.h, wd.w, inC], 'float32');
    const w = g.constant(wShape, 'float32', g.floatValues(numElements(wShape)));
    const b = g.rand() < 0.8 ? g.constant([outC], 'float32', g.floatValues(outC)) : -1;
    const y = g.output([n, wd.oh, wd.ow, outC], 'float32');
    g.op(kind, [x, w, b], [y], options as never);
    return;
  }
  const xs = g.scale();
  const wScales = Array.from({ length: outC }, () => Math.fround(0.002 + g.rand() * 0.02));
  const x = g.input([n, wd.h, wd.w, inC], 'int8', g.quant(xs));
  const w = g.constant(wShape, 'int8', g.int8Values(numElements(wShape)), { scale: wScales, zeroPoint: wScales.map(() => 0), axis: depthwise ? 3 : 0 });
  const b = g.rand() < 0.8 ? g.constant([outC], 'int32', Array.from({ length: outC }, () => g.int(-3000, 3000))) : -1;
  const ys = Math.fround(xs * 0.01 * Math.sqrt(taps) * (0.5 + g.rand()) * 150);
  const y = g.output([n, wd.oh, wd.ow, outC], 'int8', g.quant(ys));
  g.op(kind, [x, w, b], [y], options as never);
}

export function addFullyConnected(g: RandomGraph, dtype: 'int8' | 'float32'): void {
  const batches = g.int(1, 3); const depth = g.int(1, 40); const outD = g.int(1, 13);
  const activation = g.activation();
  if (dtype === 'float32') {
    const x = g.input([batches, depth], 'float32');
    const w = g.constant([outD, depth], 'float32', g.floatValues(outD * depth));
    const b = g.rand() < 0.8 ? g.constant([outD], 'float32', g.floatValues(outD)) : -1;
    g.op('FULLY_CONNECTED', [x, w, b], [g.output([batches, outD], 'float32')], { activation, keepNumDims: false });
    return;
  }
  const xs = g.scale(); const ws = Math.fround(0.002 + g.rand() * 0.02);
  const x = g.input([batches, depth], 'int8', g.quant(xs));
  const w = g.constant([outD, depth], 'int8', g.int8Values(outD * depth), { scale: [ws], zeroPoint: [0], axis: 0 });
  const b = g.rand() < 0.8 ? g.constant([outD], 'int32', Array.from({ length: outD }, () => g.int(-3000, 3000))) : -1;
  const ys = Math.fround(xs * ws * Math.sqrt(depth) * 120 * (0.5 + g.rand()));
  g.op('FULLY_CONNECTED', [x, w, b], [g.output([batches, outD], 'int8', g.quant(ys))], { activation, keepNumDims: false });
}

export function addPool(g: RandomGraph, dtype: 'int8' | 'float32', kind: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D'): void {
  for (;;) {
    const h = g.int(1, 8); const w = g.int(1, 8); const c = g.int(1, 5);
    const filterH = g.int(1, 3); const filterW = g.int(1, 3);
    const strideH = g.int(1, 2); const strideW = g.int(1, 2);
    const padding = g.pick(['SAME', 'VALID'] as const);
    const oh = outSize(padding, h, filterH, strideH, 1); const ow = outSize(padding, w, filterW, strideW, 1);
    if (oh < 1 || ow < 1) continue;
    const q = dtype === 'int8' ? g.quant() : undefined;
    const x = g.input([1, h, w, c], dtype, q);
    const y = g.output([1, oh, ow, c], dtype, q);
    g.op(kind, [x], [y], { padding, strideH, strideW, filterH, filterW, activation: g.activation() });
    return;
  }
}

export function addBinary(g: RandomGraph, dtype: 'int8' | 'float32', kind: 'ADD' | 'MUL'): void {
  const rank = g.int(1, 4);
  const out = Array.from({ length: rank }, () => g.int(1, 5));
  const bshape = (s: number[]) => s.map((d) => (g.rand() < 0.3 ? 1 : d)).slice(g.rand() < 0.3 ? 1 : 0);
  const aShape = g.rand() < 0.5 ? [...out] : bshape(out);
  let bShape = g.rand() < 0.5 ? [...out] : bshape(out);
  // make sure the broadcast result is `out`
  const full = out.map((d, i) => {
    const a = aShape[aShape.length - rank + i] ?? 1; const b = bShape[bShape.length - rank + i] ?? 1;
    return Math.max(a, b);
  });
  if (full.some((d, i) => d !== out[i])) bShape = [...out];
  const activation = g.activation();
  if (dtype === 'float32') {
    g.op(kind, [g.input(aShape, 'float32'), g.input(bShape, 'float32')], [g.output(out, 'float32')], { activation });
    return;
  }
  const as = g.scale(); const bs = g.scale();
  const a = g.input(aShape, 'int8', g.quant(as, g.int(-20, 20))); const b = g.input(bShape, 'int8', g.quant(bs, g.int(-20, 20)));
  const ys = kind === 'ADD' ? Math.fround((as + bs) * (0.8 + g.rand())) : Math.fround(as * bs * 60 * (0.5 + g.rand()));
  g.op(kind, [a, b], [g.output(out, 'int8', g.quant(ys))], { activation });
}

export function addSoftmax(g: RandomGraph, dtype: 'int8' | 'float32'): void {
  const rows = g.int(1, 3); const depth = g.int(1, 12);
  const beta = g.pick([1, 1, 0.5, 2]);
  if (dtype === 'float32') {
    g.op('SOFTMAX', [g.input([rows, depth], 'float32')], [g.output([rows, depth], 'float32')], { beta });
    return;
  }
  g.op('SOFTMAX', [g.input([rows, depth], 'int8', g.quant(Math.fround(0.02 + g.rand() * 0.2)))],
    [g.output([rows, depth], 'int8', { scale: [1 / 256], zeroPoint: [-128], axis: 0 })], { beta });
}

export const MOVEMENT_KINDS = ['RESHAPE', 'SQUEEZE', 'PAD', 'CONCATENATION', 'SLICE', 'STRIDED_SLICE', 'GATHER', 'MEAN'] as const;

export function addMovement(g: RandomGraph, dtype: 'int8' | 'float32', which?: typeof MOVEMENT_KINDS[number]): void {
  const q = () => (dtype === 'int8' ? g.quant() : undefined);
  const kind = which ?? g.pick(MOVEMENT_KINDS);
  const rank = g.int(2, 4);
  const shape = Array.from({ length: rank }, () => g.int(1, 5));
  const n = numElements(shape);
  switch (kind) {
    case 'RESHAPE': {
      const qq = q();
      const x = g.input(shape, dtype, qq);
      const newShape = [n];
      g.op('RESHAPE', [x, g.constant([1], 'int32', newShape)], [g.output(newShape, dtype, qq)], { newShape });
      return;
    }
    case 'SQUEEZE': {
      const qq = q();
      const s = [...shape]; s.splice(g.int(0, rank - 1), 0, 1);
      const x = g.input(s, dtype, qq);
      g.op('SQUEEZE', [x], [g.output(s.filter((d) => d !== 1), dtype, qq)], { squeezeDims: [] });
      return;
    }
    case 'PAD': {
      const qq = q();
      const pads = shape.flatMap(() => [g.int(0, 2), g.int(0, 2)]);
      const x = g.input(shape, dtype, qq);
      g.op('PAD', [x, g.constant([rank, 2], 'int32', pads)], [g.output(shape.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!), dtype, qq)], {});
      return;
    }
    case 'CONCATENATION': {
      const qq = q();
      const axis = g.int(0, rank - 1);
      const parts = Array.from({ length: g.int(2, 3) }, () => { const s = [...shape]; s[axis] = g.int(1, 3); return s; });
      const ins = parts.map((s, k) => (k === 1 && g.rand() < 0.3
        ? g.constant(s, dtype, dtype === 'int8' ? g.int8Values(numElements(s)) : g.floatValues(numElements(s)), qq)
        : g.input(s, dtype, qq)));
      const out = [...shape]; out[axis] = parts.reduce((a, s) => a + s[axis]!, 0);
      g.op('CONCATENATION', ins, [g.output(out, dtype, qq)], { axis: g.rand() < 0.5 ? axis : axis - rank, activation: 'NONE' });
      return;
    }
    case 'SLICE': {
      const qq = q();
      const begin = shape.map((d) => g.int(0, d - 1));
      const size = shape.map((d, i) => (g.rand() < 0.2 ? -1 : g.int(1, d - begin[i]!)));
      const out = size.map((s, i) => (s === -1 ? shape[i]! - begin[i]! : s));
      g.op('SLICE', [g.input(shape, dtype, qq), g.constant([rank], 'int32', begin), g.constant([rank], 'int32', size)], [g.output(out, dtype, qq)], {});
      return;
    }
    case 'STRIDED_SLICE': {
      const qq = q();
      const strides = shape.map(() => g.pick([1, 1, 2, -1, -2]));
      const begin = shape.map((d) => g.int(-d, d - 1));
      const end = shape.map((d) => g.int(-d - 1, d));
      const beginMask = g.int(0, (1 << rank) - 1) & g.int(0, (1 << rank) - 1);
      const endMask = g.int(0, (1 << rank) - 1) & g.int(0, (1 << rank) - 1);
      const out: number[] = [];
      const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
      shape.forEach((d, i) => {
        const s = strides[i]!;
        let b = beginMask & (1 << i) ? (s > 0 ? -Infinity : Infinity) : begin[i]!;
        if (b < 0) b += d;
        b = s > 0 ? clamp(b, 0, d) : clamp(b, -1, d - 1);
        let e = endMask & (1 << i) ? (s > 0 ? Infinity : -Infinity) : end[i]!;
        if (e < 0) e += d;
        e = s > 0 ? clamp(e, 0, d) : clamp(e, -1, d - 1);
        out.push(Math.max(0, s > 0 ? Math.ceil((e - b) / s) : Math.ceil((b - e) / -s)));
      });
      if (out.some((d) => d === 0)) return addMovement(g, dtype, 'STRIDED_SLICE');
      g.op('STRIDED_SLICE', [g.input(shape, dtype, qq), g.constant([rank], 'int32', begin), g.constant([rank], 'int32', end), g.constant([rank], 'int32', strides)],
        [g.output(out, dtype, qq)], { beginMask, endMask, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
      return;
    }
    case 'GATHER': {
      const qq = q();
      const axis = g.int(0, rank - 1);
      const idx = Array.from({ length: g.int(1, 4) }, () => g.int(0, shape[axis]! - 1));
      const out = [...shape.slice(0, axis), idx.length, ...shape.slice(axis + 1)];
      g.op('GATHER', [g.input(shape, dtype, qq), g.constant([idx.length], g.rand() < 0.5 ? 'int32' : 'int64', idx)], [g.output(out, dtype, qq)], { axis, batchDims: 0 });
      return;
    }
    case 'MEAN': {
      const axes = [...new Set(Array.from({ length: g.int(1, rank) }, () => g.int(0, rank - 1)))].sort();
      const keepDims = g.rand() < 0.5;
      const out = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
      g.op('MEAN', [g.input(shape, dtype, q()), g.constant([axes.length], 'int32', axes)], [g.output(out.length ? out : [1], dtype, q())], { keepDims });
      return;
    }
  }
}

export const CONVERSION_KINDS = ['QUANTIZE', 'QUANTIZE_REQ', 'DEQUANTIZE', 'LOGISTIC', 'TANH', 'LOGISTIC_F', 'TANH_F', 'CAST'] as const;

export function addConversion(g: RandomGraph, which?: typeof CONVERSION_KINDS[number]): void {
  const shape = [g.int(1, 3), g.int(1, 6)];
  const kind = which ?? g.pick(CONVERSION_KINDS);
  switch (kind) {
    case 'QUANTIZE': g.op('QUANTIZE', [g.input(shape, 'float32')], [g.output(shape, 'int8', g.quant(Math.fround(0.002 + g.rand() * 0.01)))], {}); return;
    case 'QUANTIZE_REQ': g.op('QUANTIZE', [g.input(shape, 'int8', g.quant())], [g.output(shape, 'int8', g.quant())], {}); return;
    case 'DEQUANTIZE': g.op('DEQUANTIZE', [g.input(shape, 'int8', g.quant())], [g.output(shape, 'float32')], {}); return;
    case 'LOGISTIC': g.op('LOGISTIC', [g.input(shape, 'int8', g.quant(Math.fround(0.02 + g.rand() * 0.1)))], [g.output(shape, 'int8', { scale: [1 / 256], zeroPoint: [-128], axis: 0 })], {}); return;
    case 'TANH': g.op('TANH', [g.input(shape, 'int8', g.quant(Math.fround(0.02 + g.rand() * 0.1)))], [g.output(shape, 'int8', { scale: [1 / 128], zeroPoint: [0], axis: 0 })], {}); return;
    case 'LOGISTIC_F': g.op('LOGISTIC', [g.input(shape, 'float32')], [g.output(shape, 'float32')], {}); return;
    case 'TANH_F': g.op('TANH', [g.input(shape, 'float32')], [g.output(shape, 'float32')], {}); return;
    case 'CAST': {
      const [from, to] = g.pick([['int8', 'float32'], ['float32', 'int32'], ['int32', 'float32'], ['int8', 'int32'], ['float32', 'int8']] as const);
      g.op('CAST', [g.input(shape, from)], [g.output(shape, to)], {});
      return;
    }
  }
}

/** Random values for one graph input (int8 over the full range, floats in [-4, 4)). */
export function randomInput(g: RandomGraph, t: Tensor): Int8Array | Float32Array | Int32Array {
  const n = numElements(t.shape);
  if (t.dtype === 'int8') return Int8Array.from({ length: n }, () => g.int(-128, 127));
  if (t.dtype === 'int32') return Int32Array.from({ length: n }, () => g.int(-1000, 1000));
  if (t.dtype === 'float32') return Float32Array.from({ length: n }, () => Math.fround((g.rand() * 2 - 1) * 4));
  throw new Error(`no random input for ${t.dtype}`);
}
