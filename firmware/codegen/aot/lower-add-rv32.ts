// int8 ADD on cores without a DSP extension (RV32IMAC) under optimize 'speed': two same-shape
// dense inputs through tr_add_rv32.h, each input's rescaled value tabulated per byte at build
// time, one requantization per element (resnet's three ADDs: about 109 instructions per element
// under tr_add_s8's three 64-bit MultiplyByQuantizedMultiplier). lower-elementwise.ts asks here
// first and keeps tr_add_s8 when this returns undefined (broadcasts, or a reference layer whose
// table sums rq32Rows cannot prove exact in the one-mulh form).
import type { Op, Tensor } from '../../ir/graph.ts';
import { addParams, multiplyByQuantizedMultiplier, xnnAddParams } from '../../ir/quant.ts';
import { intArray } from './c-emit.ts';
import type { LowerContext, Lowered } from './context.ts';
import { elements, int8Clamp, perTensorQuant } from './lower-common.ts';
import { rq32Rows } from './lower-scalar-depthwise.ts';

const INCLUDE = '#include "tr_add_rv32.h"\n';
/** Every int8 value in table order: entry u is the byte u read as unsigned (the kernel's lbu). */
const BYTES = Array.from({ length: 256 }, (_, u) => (u << 24) >> 24);

/** rq32Rows' row for table sums (4x not yet in) in [lo, hi], or undefined where it refuses.
 * rq32Rows bounds a channel by bias + sum(x * w) over int8 x, so the one tap
 * w = ceil((hi - lo) / 255) with the bias lo + 128 w spans [lo, lo + 255 w], which holds
 * [lo, hi]: a proof over a range holding every reachable sum. */
function rq32SumRow(lo: number, hi: number, mult: number, shift: number, zeroPoint: number, clampMin: number, clampMax: number):
  { row: string; sign: boolean } | undefined {
  const w = Math.ceil((hi - lo) / 255);
  const q = rq32Rows({ multipliers: [mult], shifts: [shift], zeroPoint, clampMin, clampMax, biasFolded: [lo + 128 * w] }, 1, () => [w]);
  return q ? { row: q.rows[0]!, sign: q.sign } : undefined;
}

/** The table ADD when it fits (int8, both inputs the output's shape, scalar-block targets), else undefined. */
export function lowerAddRv32(ctx: LowerContext, i: number, op: Op<'ADD'>): Lowered | undefined {
  if (!ctx.scalarBlockKernels) return undefined;
  const [aId, bId] = op.inputs as [number, number];
  const a = ctx.tensor(aId); const b = ctx.tensor(bId); const y = ctx.tensor(op.outputs[0]!);
  if (a.shape.join() !== y.shape.join() || b.shape.join() !== y.shape.join()) return undefined;
  const spec = addRv32Function(ctx, i, op, a, b, y, elements(y));
  if (!spec) return undefined;
  return {
    statements: [`${spec}(${ctx.ptr(aId)}, ${ctx.ptr(bId)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
    kernels: ['tr_add_rv32_layer'],
  };
}

/**
 * The per-layer table ADD function `name(a, b, out)` over n elements of int8 a, b and y (their
 * quantization from the tensors; op gives the activation), or undefined where it does not
 * apply. Also a residual block's rows (lower-residual.ts: n = one output row).
 */
export function addRv32Function(ctx: LowerContext, i: number, op: Op<'ADD'>, a: Tensor, b: Tensor, y: Tensor, n: number): string | undefined {
  if (a.dtype !== 'int8' || b.dtype !== 'int8' || y.dtype !== 'int8') return undefined;
  const aq = perTensorQuant(ctx, i, op, a); const bq = perTensorQuant(ctx, i, op, b); const yq = perTensorQuant(ctx, i, op, y);
  const clamp = int8Clamp(op.options.activation, yq.scale, yq.zeroPoint);
  let ta: number[]; let tb: number[]; let mode: string; let sign = 0; let q = '{ 0, 0, 0 }'; let shift = 0;
  if (ctx.arithmetic === 'xnnpack') {
    let x;
    try {
      x = xnnAddParams(aq.scale, aq.zeroPoint, bq.scale, bq.zeroPoint, yq.scale, yq.zeroPoint);
    } catch {
      return undefined; // lowerBinary reports it
    }
    // XNNPACK's int32 accumulator bias + a * a_mult + b * b_mult, split per input (wraps alike)
    ta = BYTES.map((v) => (x.bias + Math.imul(v, x.aMultiplier)) | 0);
    tb = BYTES.map((v) => Math.imul(v, x.bMultiplier));
    mode = 'TR_ADD_RV32_XNN'; shift = x.shift;
  } else {
    // TFLite's reference: each input offset, shifted left, rescaled on its own (ir/quant.ts
    // addQuantizedElement), then the sum requantized to the output
    const p = addParams(aq.scale, aq.zeroPoint, bq.scale, bq.zeroPoint, yq.scale, yq.zeroPoint, 'int8');
    const scaled = (v: number, offset: number, m: number, s: number) => multiplyByQuantizedMultiplier(Math.imul(v + offset, 1 << p.leftShift), m, s);
    const sa = BYTES.map((v) => scaled(v, p.input1Offset, p.input1Multiplier, p.input1Shift));
    const sb = BYTES.map((v) => scaled(v, p.input2Offset, p.input2Multiplier, p.input2Shift));
    // both tables hold 0 (at their input's zero point), so 4x each entry lies in 4x the sums' range
    const row = rq32SumRow(Math.min(...sa) + Math.min(...sb), Math.max(...sa) + Math.max(...sb), p.outputMultiplier, p.outputShift, p.outputOffset, clamp.min, clamp.max);
    if (!row) return undefined;
    ta = sa.map((v) => 4 * v); tb = sb.map((v) => 4 * v);
    mode = 'TR_ADD_RV32_RQ'; sign = row.sign ? 1 : 0; q = row.row;
  }
  if (!ctx.decls.includes(INCLUDE)) ctx.decls.unshift(INCLUDE);
  const tabA = ctx.name(i, 'add_ta'); const tabB = ctx.name(i, 'add_tb');
  ctx.decls.push(intArray(tabA, 'int32_t', ta), intArray(tabB, 'int32_t', tb));
  const params = ctx.name(i, 'add_params');
  ctx.decls.push(`static const tr_add_rv32_params_t ${params} = { ${tabA}, ${tabB}, ${q}, ${shift}, ${yq.zeroPoint}, ${clamp.min}, ${clamp.max} };\n`);
  const spec = ctx.name(i, 'add');
  ctx.decls.push(`TR_ADD_RV32_LAYER_FN ${spec}(const int8_t *a, const int8_t *b, int8_t *out) {\n` +
    `  tr_add_rv32_layer(&${params}, a, b, out, ${n}, ${mode}, ${sign});\n}\n`);
  return spec;
}
