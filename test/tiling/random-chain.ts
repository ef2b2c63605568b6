// Random small quantized (or float) networks for the tiling property tests: a chain of
// CONV_2D / DEPTHWISE_CONV_2D / pools / PAD, an optional residual ADD, and an optional
// FULLY_CONNECTED head, built directly in the IR with valid shapes and sensible quantization.
import fc from 'fast-check';
import type { Activation, DType, Graph, Op, Padding, Tensor } from '../../firmware/ir/graph.ts';
import { sameOrValid } from '../../firmware/tiling/windows.ts';

export type LayerSpec =
  | { kind: 'conv'; k: number; stride: number; padding: Padding; cout: number; act: Activation }
  | { kind: 'dw'; k: number; stride: number; padding: Padding; act: Activation }
  | { kind: 'maxpool' | 'avgpool'; k: number; stride: number; padding: Padding }
  | { kind: 'pad'; top: number; bottom: number; left: number; right: number }
  | { kind: 'residual'; k: number };

export interface ChainSpec {
  dtype: 'int8' | 'float32';
  h: number; w: number; c: number;
  layers: LayerSpec[];
  dense: number; // 0 = no FULLY_CONNECTED head
  seed: number;
}

const act = fc.constantFrom<Activation>('NONE', 'RELU', 'RELU6');
const pad = fc.constantFrom<Padding>('SAME', 'VALID');
const layer: fc.Arbitrary<LayerSpec> = fc.oneof(
  fc.record({ kind: fc.constant('conv' as const), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), padding: pad, cout: fc.integer({ min: 1, max: 6 }), act }),
  fc.record({ kind: fc.constant('dw' as const), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), padding: pad, act }),
  fc.record({ kind: fc.constantFrom('maxpool' as const, 'avgpool' as const), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), padding: pad }),
  fc.record({ kind: fc.constant('pad' as const), top: fc.integer({ min: 0, max: 2 }), bottom: fc.integer({ min: 0, max: 2 }), left: fc.integer({ min: 0, max: 2 }), right: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('residual' as const), k: fc.constantFrom(1, 3) }),
);

export const chainSpec: fc.Arbitrary<ChainSpec> = fc.record({
  dtype: fc.constantFrom('int8' as const, 'float32' as const),
  h: fc.integer({ min: 3, max: 12 }), w: fc.integer({ min: 3, max: 12 }), c: fc.integer({ min: 1, max: 5 }),
  layers: fc.array(layer, { minLength: 1, maxLength: 5 }),
  dense: fc.constantFrom(0, 0, 3, 7),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

/** A deterministic generator of small pseudo-random numbers (xorshift), from the spec's seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}

function bytesOf(arr: Int8Array | Int32Array | Float32Array): Uint8Array {
  return new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength));
}

/** Builds the graph; returns undefined when a layer would shrink the map below 1x1. */
export function buildChain(spec: ChainSpec): Graph | undefined {
  const r = rng(spec.seed);
  const q = spec.dtype === 'int8';
  const tensors: Tensor[] = [];
  const ops: Op[] = [];
  const act8 = (name: string, shape: number[], scale: number, zp: number): number => {
    tensors.push({ name, shape, dtype: spec.dtype as DType, ...(q ? { quant: { scale: [scale], zeroPoint: [zp], axis: 0 } } : {}) });
    return tensors.length - 1;
  };
  const weights = (name: string, shape: number[], channelAxis: number): number => {
    const n = shape.reduce((a, b) => a * b, 1);
    const ch = shape[channelAxis]!;
    if (q) {
      const data = Int8Array.from({ length: n }, () => Math.round(r() * 254) - 127);
      const scale = Array.from({ length: ch }, () => 0.002 + r() * 0.01);
      tensors.push({ name, shape, dtype: 'int8', data: bytesOf(data), quant: { scale, zeroPoint: scale.map(() => 0), axis: channelAxis } });
    } else {
      const data = Float32Array.from({ length: n }, () => r() * 2 - 1);
      tensors.push({ name, shape, dtype: 'float32', data: bytesOf(data) });
    }
    return tensors.length - 1;
  };
  const bias = (name: string, n: number, inScale: number, wId: number): number => {
    if (q) {
      const ws = tensors[wId]!.quant!.scale;
      const data = Int32Array.from({ length: n }, (_, i) => Math.round((r() - 0.5) * 0.2 / (inScale * ws[i]!)));
      tensors.push({ name, shape: [n], dtype: 'int32', data: bytesOf(data), quant: { scale: ws.map((s) => s * inScale), zeroPoint: ws.map(() => 0), axis: 0 } });
    } else {
      tensors.push({ name, shape: [n], dtype: 'float32', data: bytesOf(Float32Array.from({ length: n }, () => r() - 0.5)) });
    }
    return tensors.length - 1;
  };
  let h = spec.h; let w = spec.w; let c = spec.c;
  let scale = 0.05; let zp = Math.round(r() * 20) - 10;
  const input = act8('input', [1, h, w, c], scale, zp);
  let cur = input;
  const conv = (kind: 'CONV_2D' | 'DEPTHWISE_CONV_2D', src: number, k: number, stride: number, padding: Padding, cout: number, a: Activation, tag: string): number | undefined => {
    const oh = sameOrValid(padding, h, k, stride, 1).outSize; const ow = sameOrValid(padding, w, k, stride, 1).outSize;
    if (oh < 1 || ow < 1) return undefined;
    const wId = kind === 'CONV_2D' ? weights(`${tag}/w`, [cout, k, k, c], 0) : weights(`${tag}/w`, [1, k, k, cout], 3);
    const bId = bias(`${tag}/b`, cout, scale, wId);
    const outScale = scale * 0.006 * Math.sqrt(k * k * (kind === 'CONV_2D' ? c : 1)) * 40;
    const outZp = Math.round(r() * 20) - 10;
    const out = act8(`${tag}/out`, [1, oh, ow, cout], outScale, outZp);
    const options = kind === 'CONV_2D'
      ? { padding, strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, activation: a }
      : { padding, strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, activation: a, depthMultiplier: 1 };
    ops.push({ kind, inputs: [src, wId, bId], outputs: [out], options, name: `${kind}_${ops.length}` } as Op);
    h = oh; w = ow; c = cout; scale = outScale; zp = outZp;
    return out;
  };
  for (const [i, L] of spec.layers.entries()) {
    const tag = `l${i}`;
    if (L.kind === 'conv' || L.kind === 'dw') {
      const out = conv(L.kind === 'conv' ? 'CONV_2D' : 'DEPTHWISE_CONV_2D', cur, L.k, L.stride, L.padding, L.kind === 'conv' ? L.cout : c, L.act, tag);
      if (out === undefined) return undefined;
      cur = out;
    } else if (L.kind === 'maxpool' || L.kind === 'avgpool') {
      const oh = sameOrValid(L.padding, h, L.k, L.stride, 1).outSize; const ow = sameOrValid(L.padding, w, L.k, L.stride, 1).outSize;
      if (oh < 1 || ow < 1) return undefined;
      const out = act8(`${tag}/out`, [1, oh, ow, c], scale, zp);
      ops.push({ kind: L.kind === 'maxpool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', inputs: [cur], outputs: [out],
        options: { padding: L.padding, strideH: L.stride, strideW: L.stride, filterH: L.k, filterW: L.k, activation: 'NONE' }, name: `POOL_${ops.length}` });
      h = oh; w = ow; cur = out;
    } else if (L.kind === 'pad') {
      const p = Int32Array.from([0, 0, L.top, L.bottom, L.left, L.right, 0, 0]);
      tensors.push({ name: `${tag}/paddings`, shape: [4, 2], dtype: 'int32', data: bytesOf(p) });
      const pid = tensors.length - 1;
      h += L.top + L.bottom; w += L.left + L.right;
      const out = act8(`${tag}/out`, [1, h, w, c], scale, zp);
      ops.push({ kind: 'PAD', inputs: [cur, pid], outputs: [out], options: {}, name: `PAD_${ops.length}` });
      cur = out;
    } else {
      // Residual block: x -> conv(SAME, stride 1, same channels) -> ADD(x, .)
      const inScale = scale; const inZp = zp; const x = cur;
      const y = conv('CONV_2D', cur, L.k, 1, 'SAME', c, 'RELU', tag)!;
      const outScale = Math.max(inScale, scale) * 1.5; const outZp = Math.round(r() * 10) - 5;
      const out = act8(`${tag}/sum`, [1, h, w, c], outScale, outZp);
      ops.push({ kind: 'ADD', inputs: [x, y], outputs: [out], options: { activation: 'NONE' }, name: `ADD_${ops.length}` });
      scale = outScale; zp = outZp; cur = out;
      void inZp;
    }
  }
  if (spec.dense > 0) {
    const flat = h * w * c;
    tensors.push({ name: 'flat/shape', shape: [2], dtype: 'int32', data: bytesOf(Int32Array.from([1, flat])) });
    const shapeId = tensors.length - 1;
    const flatId = act8('flat', [1, flat], scale, zp);
    ops.push({ kind: 'RESHAPE', inputs: [cur, shapeId], outputs: [flatId], options: { newShape: [1, flat] }, name: `RESHAPE_${ops.length}` });
    const wId = weights('fc/w', [spec.dense, flat], 0);
    const bId = bias('fc/b', spec.dense, scale, wId);
    const outScale = scale * 0.006 * Math.sqrt(flat) * 40;
    const out = act8('fc/out', [1, spec.dense], outScale, 0);
    ops.push({ kind: 'FULLY_CONNECTED', inputs: [flatId, wId, bId], outputs: [out], options: { activation: 'NONE', keepNumDims: false }, name: `FULLY_CONNECTED_${ops.length}` });
    cur = out;
  }
  return { tensors, ops, inputs: [input], outputs: [cur], metadata: [], version: 3 };
}

/** A random input for the graph's single input, from a seed. */
export function randomInput(g: Graph, seed: number): Int8Array | Float32Array {
  const r = rng(seed);
  const t = g.tensors[g.inputs[0]!]!;
  const n = t.shape.reduce((a, b) => a * b, 1);
  return t.dtype === 'int8' ? Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128) : Float32Array.from({ length: n }, () => r() * 4 - 2);
}
