// Random one-op graphs for every op the interpreter supports, int8 and float32. Each generator
// draws shapes, parameters and data from a seeded PRNG; quantization parameters are chosen so
// that outputs spread over the int8 range (clamping everywhere would prove little).
import type { Activation, DType, Padding } from '../../firmware/ir/graph.ts';
import type { TensorData } from '../../firmware/interp/interpreter.ts';
import { GraphBuilder, q, randomFloat, randomInt32, randomInt8 } from './one-op.ts';
import type { Graph } from '../../firmware/ir/graph.ts';

export interface Case { graph: Graph; inputs: TensorData[]; label: string }
export type CaseGen = (rand: () => number) => Case;

const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const logUniform = (rand: () => number, lo: number, hi: number) => Math.fround(lo * (hi / lo) ** rand());
const ACTS: Activation[] = ['NONE', 'RELU', 'RELU6', 'RELU_N1_TO_1'];

function outSize(padding: Padding, inSize: number, k: number, stride: number, dil: number): number {
  const eff = (k - 1) * dil + 1;
  return padding === 'SAME' ? Math.ceil(inSize / stride) : Math.floor((inSize - eff + stride) / stride);
}

/** A window geometry whose VALID output is at least 1. */
function window(rand: () => number, maxK = 4, allowDilation = true, forConv = true): WindowGeometry {
  const k = [int(rand, 1, maxK), int(rand, 1, maxK)] as const;
  const stride = [int(rand, 1, 3), int(rand, 1, 3)] as const;
  const dil = allowDilation && rand() < 0.3 ? [int(rand, 1, 2), int(rand, 1, 2)] as const : [1, 1] as const;
  const padding: Padding = rand() < 0.5 ? 'SAME' : 'VALID';
  const h = int(rand, (k[0] - 1) * dil[0] + 1, 12);
  const w = int(rand, (k[1] - 1) * dil[1] + 1, 12);
  const oh = outSize(padding, h, k[0], stride[0], dil[0]);
  const ow = outSize(padding, w, k[1], stride[1], dil[1]);
  // SAME windows whose total padding would be negative (stride larger than the kernel and the
  // input not a multiple of it) are redrawn for convolutions: the XNNPACK in this TFLite build
  // computes their padding wrongly (unsigned wrap-around; the output is the bias alone), while
  // TFLite's own semantics — which the interpreter follows — pad by 0.
  const negativePad = (o: number, st: number, kk: number, d: number, n: number) => (o - 1) * st + (kk - 1) * d + 1 - n < 0;
  if (forConv && padding === 'SAME' && (negativePad(oh, stride[0], k[0], dil[0], h) || negativePad(ow, stride[1], k[1], dil[1], w))) {
    return window(rand, maxK, allowDilation, forConv);
  }
  return { k, stride, dil, padding, h, w, oh, ow };
}

interface WindowGeometry {
  k: readonly [number, number]; stride: readonly [number, number]; dil: readonly [number, number];
  padding: Padding; h: number; w: number; oh: number; ow: number;
}

/** Output scale so that a sum of n products of int8 values lands well inside int8. */
function accScale(inScale: number, filterScale: number, n: number): number {
  return Math.fround(inScale * filterScale * 70 * 70 * Math.sqrt(n) / 50);
}

function activationFor(rand: () => number, dtype: DType): Activation {
  return dtype === 'int8' ? pick(rand, ACTS) : pick(rand, ['NONE', 'RELU', 'RELU6', 'RELU_N1_TO_1'] as const);
}

function conv(rand: () => number, dtype: DType, depthwise: boolean): Case {
  const g = new GraphBuilder();
  const win = window(rand);
  const batches = int(rand, 1, 2);
  const inC = int(rand, 1, depthwise ? 6 : 8);
  const mult = depthwise ? int(rand, 1, 3) : 1;
  const outC = depthwise ? inC * mult : int(rand, 1, 8);
  const n = win.k[0] * win.k[1] * (depthwise ? 1 : inC);
  const fShape = depthwise ? [1, win.k[0], win.k[1], outC] : [outC, win.k[0], win.k[1], inC];
  const fCount = fShape.reduce((a, b) => a * b, 1);
  const act = activationFor(rand, dtype);
  const options = {
    padding: win.padding, strideH: win.stride[0], strideW: win.stride[1],
    dilationH: win.dil[0], dilationW: win.dil[1], activation: act,
  };
  let x: number; let y: number; let inputs: TensorData[];
  if (dtype === 'int8') {
    const inS = logUniform(rand, 0.005, 0.1); const inZ = int(rand, -128, 127);
    const perChannel = rand() < 0.7;
    const fS = Array.from({ length: perChannel ? outC : 1 }, () => logUniform(rand, 0.002, 0.05));
    const meanF = fS.reduce((a, b) => a + b, 0) / fS.length;
    const outS = accScale(inS, meanF, n); const outZ = int(rand, -100, 100);
    x = g.tensor('x', [batches, win.h, win.w, inC], 'int8', q(inS, inZ));
    const f = g.tensor('f', fShape, 'int8', q(fS, 0, depthwise ? 3 : 0), randomInt8(rand, fCount, -127, 127));
    // This TFLite build requires the conv bias (the optional-bias case is not accepted).
    const bias = g.tensor('b', [outC], 'int32', q(fS.map((s) => Math.fround(inS * s)), 0), randomInt32(rand, outC, -20000, 20000));
    y = g.tensor('y', [batches, win.oh, win.ow, outC], 'int8', q(outS, outZ));
    inputs = [randomInt8(rand, batches * win.h * win.w * inC)];
    if (depthwise) g.op('DEPTHWISE_CONV_2D', [x, f, bias], [y], { ...options, depthMultiplier: mult });
    else g.op('CONV_2D', [x, f, bias], [y], options);
  } else {
    x = g.tensor('x', [batches, win.h, win.w, inC], 'float32');
    const f = g.tensor('f', fShape, 'float32', undefined, randomFloat(rand, fCount));
    const bias = g.tensor('b', [outC], 'float32', undefined, randomFloat(rand, outC));
    y = g.tensor('y', [batches, win.oh, win.ow, outC], 'float32');
    inputs = [randomFloat(rand, batches * win.h * win.w * inC, -2, 2)];
    if (depthwise) g.op('DEPTHWISE_CONV_2D', [x, f, bias], [y], { ...options, depthMultiplier: mult });
    else g.op('CONV_2D', [x, f, bias], [y], options);
  }
  return { graph: g.build([x], [y]), inputs, label: JSON.stringify({ ...options, batches, inC, outC, h: win.h, w: win.w, k: win.k }) };
}

function fullyConnected(rand: () => number, dtype: DType): Case {
  const g = new GraphBuilder();
  const batches = int(rand, 1, 3); const inD = int(rand, 1, 40); const outD = int(rand, 1, 16);
  const act = activationFor(rand, dtype);
  let x: number; let y: number; let inputs: TensorData[];
  if (dtype === 'int8') {
    const inS = logUniform(rand, 0.005, 0.1); const inZ = int(rand, -128, 127);
    const fS = logUniform(rand, 0.002, 0.05);
    x = g.tensor('x', [batches, inD], 'int8', q(inS, inZ));
    const f = g.tensor('w', [outD, inD], 'int8', q(fS, 0), randomInt8(rand, outD * inD, -127, 127));
    const b = rand() < 0.9 ? g.tensor('b', [outD], 'int32', q(Math.fround(inS * fS), 0), randomInt32(rand, outD, -20000, 20000)) : -1;
    y = g.tensor('y', [batches, outD], 'int8', q(accScale(inS, fS, inD), int(rand, -100, 100)));
    inputs = [randomInt8(rand, batches * inD)];
    g.op('FULLY_CONNECTED', [x, f, b], [y], { activation: act, keepNumDims: false });
  } else {
    x = g.tensor('x', [batches, inD], 'float32');
    const f = g.tensor('w', [outD, inD], 'float32', undefined, randomFloat(rand, outD * inD));
    const b = rand() < 0.9 ? g.tensor('b', [outD], 'float32', undefined, randomFloat(rand, outD)) : -1;
    y = g.tensor('y', [batches, outD], 'float32');
    inputs = [randomFloat(rand, batches * inD, -2, 2)];
    g.op('FULLY_CONNECTED', [x, f, b], [y], { activation: act, keepNumDims: false });
  }
  return { graph: g.build([x], [y]), inputs, label: JSON.stringify({ batches, inD, outD, act }) };
}

function pool(rand: () => number, dtype: DType, kind: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D'): Case {
  const g = new GraphBuilder();
  const win = window(rand, 4, false, false);
  const c = int(rand, 1, 6); const batches = int(rand, 1, 2);
  const act = activationFor(rand, dtype);
  const quant = dtype === 'int8' ? q(logUniform(rand, 0.005, 0.1), int(rand, -128, 127)) : undefined;
  const x = g.tensor('x', [batches, win.h, win.w, c], dtype, quant);
  const y = g.tensor('y', [batches, win.oh, win.ow, c], dtype, quant);
  const opts = { padding: win.padding, strideH: win.stride[0], strideW: win.stride[1], filterH: win.k[0], filterW: win.k[1], activation: act };
  g.op(kind, [x], [y], opts);
  const n = batches * win.h * win.w * c;
  return { graph: g.build([x], [y]), inputs: [dtype === 'int8' ? randomInt8(rand, n) : randomFloat(rand, n, -3, 3)], label: JSON.stringify({ ...opts, h: win.h, w: win.w, c }) };
}

function broadcastShapes(rand: () => number): [number[], number[]] {
  const rank = int(rand, 1, 4);
  const full = Array.from({ length: rank }, () => int(rand, 1, 5));
  if (rand() < 0.5) return [full, [...full]];
  const other = full.map((d) => (rand() < 0.4 ? 1 : d)).slice(int(rand, 0, rank - 1));
  return rand() < 0.5 ? [full, other] : [other, full];
}

function binary(rand: () => number, dtype: DType, kind: 'ADD' | 'MUL'): Case {
  const g = new GraphBuilder();
  const [sa, sb] = broadcastShapes(rand);
  const rank = Math.max(sa.length, sb.length);
  const out = Array.from({ length: rank }, (_, i) => Math.max(sa[sa.length - rank + i] ?? 1, sb[sb.length - rank + i] ?? 1));
  const act = activationFor(rand, dtype);
  const na = sa.reduce((p, d) => p * d, 1); const nb = sb.reduce((p, d) => p * d, 1);
  let a: number; let b: number; let y: number; let inputs: TensorData[];
  if (dtype === 'int8') {
    const sA = logUniform(rand, 0.005, 0.2); const sB = logUniform(rand, 0.005, 0.2);
    const sY = kind === 'ADD' ? Math.fround((sA + sB) * logUniform(rand, 0.5, 2)) : Math.fround(sA * sB * 128 * logUniform(rand, 0.3, 3) / 2);
    a = g.tensor('a', sa, 'int8', q(sA, int(rand, -128, 127)));
    b = g.tensor('b', sb, 'int8', q(sB, int(rand, -128, 127)));
    y = g.tensor('y', out, 'int8', q(sY, int(rand, -64, 64)));
    inputs = [randomInt8(rand, na), randomInt8(rand, nb)];
  } else if (dtype === 'int32') {
    a = g.tensor('a', sa, 'int32'); b = g.tensor('b', sb, 'int32'); y = g.tensor('y', out, 'int32');
    inputs = [randomInt32(rand, na, -100000, 100000), randomInt32(rand, nb, -100000, 100000)];
  } else {
    a = g.tensor('a', sa, 'float32'); b = g.tensor('b', sb, 'float32'); y = g.tensor('y', out, 'float32');
    inputs = [randomFloat(rand, na, -3, 3), randomFloat(rand, nb, -3, 3)];
  }
  g.op(kind, [a, b], [y], { activation: dtype === 'int32' ? 'NONE' : act });
  return { graph: g.build([a, b], [y]), inputs, label: JSON.stringify({ sa, sb, act }) };
}

function softmax(rand: () => number, dtype: DType): Case {
  const g = new GraphBuilder();
  const shape = [int(rand, 1, 3), int(rand, 2, 20)];
  const beta = rand() < 0.7 ? 1 : Math.fround(0.5 + rand());
  const n = shape[0]! * shape[1]!;
  if (dtype === 'int8') {
    const x = g.tensor('x', shape, 'int8', q(logUniform(rand, 0.01, 0.3), int(rand, -128, 127)));
    const y = g.tensor('y', shape, 'int8', q(1 / 256, -128));
    g.op('SOFTMAX', [x], [y], { beta });
    return { graph: g.build([x], [y]), inputs: [randomInt8(rand, n)], label: JSON.stringify({ shape, beta }) };
  }
  const x = g.tensor('x', shape, 'float32'); const y = g.tensor('y', shape, 'float32');
  g.op('SOFTMAX', [x], [y], { beta });
  return { graph: g.build([x], [y]), inputs: [randomFloat(rand, n, -5, 5)], label: JSON.stringify({ shape, beta }) };
}

function unaryLut(rand: () => number, dtype: DType, kind: 'LOGISTIC' | 'TANH'): Case {
  const g = new GraphBuilder();
  const shape = [int(rand, 1, 4), int(rand, 1, 40)];
  const n = shape[0]! * shape[1]!;
  if (dtype === 'int8') {
    const x = g.tensor('x', shape, 'int8', q(logUniform(rand, 0.01, 0.2), int(rand, -128, 127)));
    const y = g.tensor('y', shape, 'int8', kind === 'LOGISTIC' ? q(1 / 256, -128) : q(1 / 128, 0));
    g.op(kind, [x], [y], {});
    // Every int8 value once, so the whole lookup table is checked.
    const data = Int8Array.from({ length: n }, (_, i) => ((i * 37 + int(rand, 0, 255)) % 256) - 128);
    return { graph: g.build([x], [y]), inputs: [data], label: JSON.stringify({ shape, q: g.tensors[x]!.quant }) };
  }
  const x = g.tensor('x', shape, 'float32'); const y = g.tensor('y', shape, 'float32');
  g.op(kind, [x], [y], {});
  return { graph: g.build([x], [y]), inputs: [randomFloat(rand, n, -6, 6)], label: JSON.stringify({ shape }) };
}

function mean(rand: () => number, dtype: DType): Case {
  const g = new GraphBuilder();
  const rank = int(rand, 2, 4);
  const shape = Array.from({ length: rank }, () => int(rand, 1, 6));
  const keepDims = rand() < 0.6;
  const axes = rank === 4 && rand() < 0.5 ? [1, 2]
    : [...new Set(Array.from({ length: int(rand, 1, rank) }, () => int(rand, 0, rank - 1)))].sort();
  const outShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
  const n = shape.reduce((a, b) => a * b, 1);
  const quantIn = dtype === 'int8' ? q(logUniform(rand, 0.01, 0.2), int(rand, -128, 127)) : undefined;
  const quantOut = dtype === 'int8' ? (rand() < 0.3 ? quantIn : q(logUniform(rand, 0.005, 0.2), int(rand, -64, 64))) : undefined;
  const x = g.tensor('x', shape, dtype, quantIn);
  const ax = g.tensor('axes', [axes.length], 'int32', undefined, Int32Array.from(axes));
  const y = g.tensor('y', outShape, dtype, quantOut);
  g.op('MEAN', [x, ax], [y], { keepDims });
  return { graph: g.build([x], [y]), inputs: [dtype === 'int8' ? randomInt8(rand, n) : randomFloat(rand, n, -3, 3)], label: JSON.stringify({ shape, axes, keepDims }) };
}

function dataInput(rand: () => number, dtype: DType, n: number): TensorData {
  if (dtype === 'int8') return randomInt8(rand, n);
  if (dtype === 'int32') return randomInt32(rand, n, -1000000, 1000000);
  return randomFloat(rand, n, -3, 3);
}
function movementQuant(rand: () => number, dtype: DType) {
  return dtype === 'int8' ? q(logUniform(rand, 0.01, 0.2), int(rand, -128, 127)) : undefined;
}

function pad(rand: () => number, dtype: DType): Case {
  const g = new GraphBuilder();
  const rank = int(rand, 1, 4);
  const shape = Array.from({ length: rank }, () => int(rand, 1, 5));
  const pads = shape.flatMap(() => [int(rand, 0, 2), int(rand, 0, 2)]);
  const quant = movementQuant(rand, dtype);
  const x = g.tensor('x', shape, dtype, quant);
  const p = g.tensor('paddings', [rank, 2], 'int32', undefined, Int32Array.from(pads));
  const y = g.tensor('y', shape.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!), dtype, quant);
  g.op('PAD', [x, p], [y], {});
  return { graph: g.build([x], [y]), inputs: [dataInput(rand, dtype, shape.reduce((a, b) => a * b, 1))], label: JSON.stringify({ shape, pads }) };
}

function concatenation(rand: () => number, dtype: DType): Case {
  const g = new GraphBuilder();
  const rank = int(rand, 1, 4);
  const base = Array.from({ length: rank }, () => int(rand, 1, 4));
  const axis = int(rand, 0, rank - 1);
  const count = int(rand, 2, 4);
  const quant = movementQuant(rand, dtype);
  const shapes = Array.from({ length: count }, () => base.map((d, i) => (i === axis ? int(rand, 1, 4) : d)));
  const ins = shapes.map((s, i) => g.tensor(`x${i}`, s, dtype, quant));
  const outShape = base.map((d, i) => (i === axis ? shapes.reduce((a, s) => a + s[axis]!, 0) : d));
  const y = g.tensor('y', outShape, dtype, quant);
  const negAxis = rand() < 0.3 ? axis - rank : axis;
  g.op('CONCATENATION', ins, [y], { axis: negAxis, activation: 'NONE' });
  return { graph: g.build(ins, [y]), inputs: shapes.map((s) => dataInput(rand, dtype, s.reduce((a, b) => a * b, 1))), label: JSON.stringify({ shapes, axis: negAxis }) };
}

function stridedSlice(rand: () => number, dtype: DType): Case {
  const g = new GraphBuilder();
  const rank = int(rand, 1, 4);
  const shape = Array.from({ length: rank }, () => int(rand, 1, 6));
  const begin: number[] = []; const end: number[] = []; const strides: number[] = [];
  let beginMask = 0; let endMask = 0; let shrinkAxisMask = 0;
  const outShape: number[] = [];
  shape.forEach((d, i) => {
    const s = rand() < 0.25 ? -int(rand, 1, 2) : int(rand, 1, 2);
    const b = int(rand, -d, d - 1); const e = int(rand, -d, d);
    if (rand() < 0.2) beginMask |= 1 << i;
    if (rand() < 0.2) endMask |= 1 << i;
    const shrink = rand() < 0.15 && !(beginMask & (1 << i));
    if (shrink) shrinkAxisMask |= 1 << i;
    begin.push(b); end.push(e); strides.push(shrink ? 1 : s);
    // Reference extent, computed independently of the kernel (python slicing semantics).
    const norm = (v: number) => (v < 0 ? v + d : v);
    const st = shrink ? 1 : s;
    let lo = beginMask & (1 << i) ? (st > 0 ? 0 : d - 1) : norm(b);
    lo = st > 0 ? Math.min(Math.max(lo, 0), d) : Math.min(Math.max(lo, -1), d - 1);
    let hi = shrink ? lo + 1 : endMask & (1 << i) ? (st > 0 ? d : -1) : norm(e);
    if (!shrink) hi = st > 0 ? Math.min(Math.max(hi, 0), d) : Math.min(Math.max(hi, -1), d - 1);
    const cnt = Math.max(0, st > 0 ? Math.ceil((hi - lo) / st) : Math.ceil((lo - hi) / -st));
    if (!shrink) outShape.push(cnt);
  });
  if (outShape.some((d) => d === 0) || outShape.length === 0) return stridedSlice(rand, dtype);
  const quant = movementQuant(rand, dtype);
  const x = g.tensor('x', shape, dtype, quant);
  const tb = g.tensor('begin', [rank], 'int32', undefined, Int32Array.from(begin));
  const te = g.tensor('end', [rank], 'int32', undefined, Int32Array.from(end));
  const ts = g.tensor('strides', [rank], 'int32', undefined, Int32Array.from(strides));
  const y = g.tensor('y', outShape, dtype, quant);
  const opts = { beginMask, endMask, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask, offset: false };
  g.op('STRIDED_SLICE', [x, tb, te, ts], [y], opts);
  return { graph: g.build([x], [y]), inputs: [dataInput(rand, dtype, shape.reduce((a, b) => a * b, 1))], label: JSON.stringify({ shape, begin, end, strides, ...opts }) };
}

function slice(rand: () => number, dtype: DType): Case {
  const g = new GraphBuilder();
  const rank = int(rand, 1, 4);
  const shape = Array.from({ length: rank }, () => int(rand, 1, 6));
  const begin = shape.map((d) => int(rand, 0, d - 1));
  const size = shape.map((d, i) => (rand() < 0.2 ? -1 : int(rand, 1, d - begin[i]!)));
  const quant = movementQuant(rand, dtype);
  const x = g.tensor('x', shape, dtype, quant);
  const tb = g.tensor('begin', [rank], 'int32', undefined, Int32Array.from(begin));
  const tsz = g.tensor('size', [rank], 'int32', undefined, Int32Array.from(size));
  const y = g.tensor('y', size.map((s, i) => (s === -1 ? shape[i]! - begin[i]! : s)), dtype, quant);
  g.op('SLICE', [x, tb, tsz], [y], {});
  return { graph: g.build([x], [y]), inputs: [dataInput(rand, dtype, shape.reduce((a, b) => a * b, 1))], label: JSON.stringify({ shape, begin, size }) };
}

function gather(rand: () => number, dtype: DType): Case {
  const g = new GraphBuilder();
  const rank = int(rand, 1, 3);
  const shape = Array.from({ length: rank }, () => int(rand, 1, 5));
  const axis = int(rand, 0, rank - 1);
  const idxShape = rand() < 0.5 ? [int(rand, 1, 4)] : [int(rand, 1, 3), int(rand, 1, 3)];
  const nIdx = idxShape.reduce((a, b) => a * b, 1);
  const indices = Int32Array.from({ length: nIdx }, () => int(rand, 0, shape[axis]! - 1));
  const quant = movementQuant(rand, dtype);
  const x = g.tensor('x', shape, dtype, quant);
  const ti = g.tensor('indices', idxShape, 'int32', undefined, indices);
  const y = g.tensor('y', [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)], dtype, quant);
  g.op('GATHER', [x, ti], [y], { axis, batchDims: 0 });
  return { graph: g.build([x], [y]), inputs: [dataInput(rand, dtype, shape.reduce((a, b) => a * b, 1))], label: JSON.stringify({ shape, axis, idxShape }) };
}

function reshapeLike(rand: () => number, dtype: DType, kind: 'RESHAPE' | 'SQUEEZE'): Case {
  const g = new GraphBuilder();
  const quant = movementQuant(rand, dtype);
  if (kind === 'SQUEEZE') {
    const shape = Array.from({ length: int(rand, 2, 4) }, () => (rand() < 0.4 ? 1 : int(rand, 2, 4)));
    if (!shape.includes(1)) shape.push(1);
    const x = g.tensor('x', shape, dtype, quant);
    const y = g.tensor('y', shape.filter((d) => d !== 1), dtype, quant);
    g.op('SQUEEZE', [x], [y], { squeezeDims: [] });
    return { graph: g.build([x], [y]), inputs: [dataInput(rand, dtype, shape.reduce((a, b) => a * b, 1))], label: JSON.stringify({ shape }) };
  }
  const a = int(rand, 1, 4); const b = int(rand, 1, 4); const c = int(rand, 1, 4);
  const x = g.tensor('x', [a, b, c], dtype, quant);
  const shp = g.tensor('shape', [2], 'int32', undefined, Int32Array.from([a * b, c]));
  const y = g.tensor('y', [a * b, c], dtype, quant);
  g.op('RESHAPE', [x, shp], [y], { newShape: [a * b, c] });
  return { graph: g.build([x], [y]), inputs: [dataInput(rand, dtype, a * b * c)], label: JSON.stringify({ a, b, c }) };
}

function quantizeCase(rand: () => number, from: DType): Case {
  const g = new GraphBuilder();
  const shape = [int(rand, 1, 4), int(rand, 1, 30)];
  const n = shape[0]! * shape[1]!;
  const outQ = q(logUniform(rand, 0.005, 0.1), int(rand, -128, 127));
  if (from === 'float32') {
    const x = g.tensor('x', shape, 'float32');
    const y = g.tensor('y', shape, 'int8', outQ);
    g.op('QUANTIZE', [x], [y], {});
    // Include exact halves of the output step to pin down the rounding rule.
    const s = outQ.scale[0]!;
    const data = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? (int(rand, -200, 200) + 0.5) * s : (rand() * 2 - 1) * 150 * s));
    return { graph: g.build([x], [y]), inputs: [data], label: JSON.stringify({ shape, outQ }) };
  }
  if (from === 'uint8') {
    const x = g.tensor('x', shape, 'uint8', q(logUniform(rand, 0.005, 0.1), int(rand, 0, 255)));
    const y = g.tensor('y', shape, 'int8', outQ);
    g.op('QUANTIZE', [x], [y], {});
    return { graph: g.build([x], [y]), inputs: [Uint8Array.from({ length: n }, () => int(rand, 0, 255))], label: JSON.stringify({ shape, outQ }) };
  }
  const x = g.tensor('x', shape, 'int8', q(logUniform(rand, 0.005, 0.1), int(rand, -128, 127)));
  const y = g.tensor('y', shape, 'int8', outQ);
  g.op('QUANTIZE', [x], [y], {});
  return { graph: g.build([x], [y]), inputs: [randomInt8(rand, n)], label: JSON.stringify({ shape, outQ }) };
}

function dequantizeCase(rand: () => number): Case {
  const g = new GraphBuilder();
  const shape = [int(rand, 1, 4), int(rand, 1, 30)];
  const x = g.tensor('x', shape, 'int8', q(logUniform(rand, 0.005, 0.5), int(rand, -128, 127)));
  const y = g.tensor('y', shape, 'float32');
  g.op('DEQUANTIZE', [x], [y], {});
  return { graph: g.build([x], [y]), inputs: [randomInt8(rand, shape[0]! * shape[1]!)], label: JSON.stringify({ shape }) };
}

function castCase(rand: () => number, from: DType, to: DType): Case {
  const g = new GraphBuilder();
  const shape = [int(rand, 1, 4), int(rand, 1, 20)];
  const n = shape[0]! * shape[1]!;
  const x = g.tensor('x', shape, from);
  const y = g.tensor('y', shape, to);
  g.op('CAST', [x], [y], {});
  const data = from === 'float32' ? randomFloat(rand, n, -300, 300) : from === 'int32' ? randomInt32(rand, n, -100000, 100000) : randomInt8(rand, n);
  return { graph: g.build([x], [y]), inputs: [data], label: JSON.stringify({ shape, from, to }) };
}

/** Generators by test name; the dtype is part of the name. */
export const CASES: Record<string, CaseGen> = {
  'CONV_2D int8': (r) => conv(r, 'int8', false),
  'CONV_2D float32': (r) => conv(r, 'float32', false),
  'DEPTHWISE_CONV_2D int8': (r) => conv(r, 'int8', true),
  'DEPTHWISE_CONV_2D float32': (r) => conv(r, 'float32', true),
  'FULLY_CONNECTED int8': (r) => fullyConnected(r, 'int8'),
  'FULLY_CONNECTED float32': (r) => fullyConnected(r, 'float32'),
  'AVERAGE_POOL_2D int8': (r) => pool(r, 'int8', 'AVERAGE_POOL_2D'),
  'AVERAGE_POOL_2D float32': (r) => pool(r, 'float32', 'AVERAGE_POOL_2D'),
  'MAX_POOL_2D int8': (r) => pool(r, 'int8', 'MAX_POOL_2D'),
  'MAX_POOL_2D float32': (r) => pool(r, 'float32', 'MAX_POOL_2D'),
  'ADD int8': (r) => binary(r, 'int8', 'ADD'),
  'ADD float32': (r) => binary(r, 'float32', 'ADD'),
  'ADD int32': (r) => binary(r, 'int32', 'ADD'),
  'MUL int8': (r) => binary(r, 'int8', 'MUL'),
  'MUL float32': (r) => binary(r, 'float32', 'MUL'),
  'MUL int32': (r) => binary(r, 'int32', 'MUL'),
  'SOFTMAX int8': (r) => softmax(r, 'int8'),
  'SOFTMAX float32': (r) => softmax(r, 'float32'),
  'LOGISTIC int8': (r) => unaryLut(r, 'int8', 'LOGISTIC'),
  'LOGISTIC float32': (r) => unaryLut(r, 'float32', 'LOGISTIC'),
  'TANH int8': (r) => unaryLut(r, 'int8', 'TANH'),
  'TANH float32': (r) => unaryLut(r, 'float32', 'TANH'),
  'MEAN int8': (r) => mean(r, 'int8'),
  'MEAN float32': (r) => mean(r, 'float32'),
  'PAD int8': (r) => pad(r, 'int8'),
  'PAD float32': (r) => pad(r, 'float32'),
  'PAD int32': (r) => pad(r, 'int32'),
  'CONCATENATION int8': (r) => concatenation(r, 'int8'),
  'CONCATENATION float32': (r) => concatenation(r, 'float32'),
  'CONCATENATION int32': (r) => concatenation(r, 'int32'),
  'STRIDED_SLICE int8': (r) => stridedSlice(r, 'int8'),
  'STRIDED_SLICE float32': (r) => stridedSlice(r, 'float32'),
  'STRIDED_SLICE int32': (r) => stridedSlice(r, 'int32'),
  'SLICE int8': (r) => slice(r, 'int8'),
  'SLICE float32': (r) => slice(r, 'float32'),
  'SLICE int32': (r) => slice(r, 'int32'),
  'GATHER int8': (r) => gather(r, 'int8'),
  'GATHER float32': (r) => gather(r, 'float32'),
  'GATHER int32': (r) => gather(r, 'int32'),
  'RESHAPE int8': (r) => reshapeLike(r, 'int8', 'RESHAPE'),
  'RESHAPE float32': (r) => reshapeLike(r, 'float32', 'RESHAPE'),
  'RESHAPE int32': (r) => reshapeLike(r, 'int32', 'RESHAPE'),
  'SQUEEZE int8': (r) => reshapeLike(r, 'int8', 'SQUEEZE'),
  'SQUEEZE float32': (r) => reshapeLike(r, 'float32', 'SQUEEZE'),
  'QUANTIZE float32->int8': (r) => quantizeCase(r, 'float32'),
  'QUANTIZE int8->int8': (r) => quantizeCase(r, 'int8'),
  'QUANTIZE uint8->int8': (r) => quantizeCase(r, 'uint8'),
  'DEQUANTIZE int8->float32': (r) => dequantizeCase(r),
  'CAST float32->int32': (r) => castCase(r, 'float32', 'int32'),
  'CAST int32->float32': (r) => castCase(r, 'int32', 'float32'),
  'CAST int8->int32': (r) => castCase(r, 'int8', 'int32'),
  'CAST int32->int8': (r) => castCase(r, 'int32', 'int8'),
  'CAST int8->float32': (r) => castCase(r, 'int8', 'float32'),
};
