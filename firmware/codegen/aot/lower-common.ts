// Helpers shared by the op lowerings: quantization of one tensor, 4-D views, clamps.
import { numElements, tensorBytes, type Activation, type Op, type Tensor } from '../../ir/graph.ts';
import { activationRangeFloat, activationRangeQuantized, fp32RequantScales } from '../../ir/quant.ts';
import { cFloat, cInt, floatArray, joinValues } from './c-emit.ts';
import type { LowerContext } from './context.ts';

export function perTensorQuant(ctx: LowerContext, opIndex: number, op: Op, t: Tensor): { scale: number; zeroPoint: number } {
  const q = t.quant;
  if (!q || q.scale.length === 0) throw ctx.error(opIndex, op, `tensor "${t.name}" (${t.dtype}) has no quantization parameters`);
  return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0] ?? 0 };
}

/** Shape padded with leading 1s to rank 4 (NHWC). */
export function shape4(shape: readonly number[]): [number, number, number, number] {
  if (shape.length > 4) throw new Error(`rank ${shape.length} > 4`);
  const s = [...new Array(4 - shape.length).fill(1), ...shape];
  return s as [number, number, number, number];
}

/** A dense tr_view4_t initializer for a tensor shape. */
export function denseView(shape: readonly number[]): string {
  const [n, h, w, c] = shape4(shape);
  return viewInit(n, h, w, c, h * w * c, w * c, c);
}

export function viewInit(n: number, h: number, w: number, c: number, sn: number, sh: number, sw: number): string {
  return `{ ${n}, ${h}, ${w}, ${c}, ${sn}, ${sh}, ${sw} }`;
}

/** Int8 fused-activation clamp as "min, max". */
export function int8Clamp(activation: Activation, scale: number, zeroPoint: number): { min: number; max: number } {
  return activationRangeQuantized(activation, scale, zeroPoint, 'int8');
}

export function floatClamp(activation: Activation): { min: string; max: string } {
  const r = activationRangeFloat(activation);
  return { min: cFloat(r.min), max: cFloat(r.max) };
}

export function ints(values: readonly number[]): string {
  return values.map(cInt).join(', ');
}

export function elements(t: Tensor): number {
  return numElements(t.shape);
}

/** Accumulates int32 with C's wrap-around. */
export function addI32(a: number, b: number): number {
  return (a + b) | 0;
}

/**
 * The requantization tables a conv/depthwise/FC kernel reads besides out_mult/out_shift:
 * - 'xnnpack' arithmetic: `fscale`, XNNPACK's float32 scale per channel (every kernel variant);
 * - 'reference' arithmetic, optimized kernels: `rq`, the single-rounding form of the same
 *   fixed-point requantization (tr_fixedpoint.h tr_rq_t), when every channel has a right shift
 *   of 1..31 and no left shift (else the kernels keep the two-rounding tr_mbqm_pos).
 * Returns C expressions for the params struct ('NULL' when absent).
 */
export function requantTables(ctx: LowerContext, opIndex: number, inputScale: number, filterScales: readonly number[],
  outputScale: number, channels: number, multipliers: ArrayLike<number>, shifts: ArrayLike<number>): { rq: string; fscale: string } {
  if (ctx.arithmetic === 'xnnpack') {
    const name = ctx.name(opIndex, 'fscale');
    ctx.decls.push(floatArray(name, fp32RequantScales(inputScale, filterScales, outputScale, channels)));
    return { rq: 'NULL', fscale: name };
  }
  if (ctx.variant !== 'optimized') return { rq: 'NULL', fscale: 'NULL' };
  const eligible = Array.from(shifts).every((s) => s <= -1 && s >= -31) && Array.from(multipliers).every((m) => m >= 0);
  if (!eligible) return { rq: 'NULL', fscale: 'NULL' };
  const rows = Array.from(multipliers, (m, c) => {
    const r = -shifts[c]!;
    const k = (1n << 30n) + (1n << BigInt(30 + r));
    return `{ ${k}LL, ${cInt(m)}, ${r - 1} }`;
  });
  const name = ctx.name(opIndex, 'rq');
  ctx.decls.push(`static const tr_rq_t ${name}[${rows.length}] = {\n${joinValues(rows, 4)}\n};\n`);
  return { rq: name, fscale: 'NULL' };
}

/** True when the plan puts any byte of tensor b on the bytes of tensor a (a streaming overlap;
 * tensors outside the arena never overlap). Kernels whose write order is not the one the
 * planner's lag assumes run only where this is false or the real offsets allow them. */
export function tensorsOverlap(ctx: LowerContext, a: number, b: number): boolean {
  if (!ctx.offsets.has(a) || !ctx.offsets.has(b)) return false;
  const oa = ctx.arenaOffset(a); const ob = ctx.arenaOffset(b);
  return oa < ob + tensorBytes(ctx.tensor(b)) && ob < oa + tensorBytes(ctx.tensor(a));
}
