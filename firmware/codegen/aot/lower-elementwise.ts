// Elementwise ops: ADD, MUL (broadcast through zero strides), SOFTMAX, QUANTIZE, DEQUANTIZE,
// LOGISTIC, TANH (int8 as 256-entry tables from ir/quant.ts), CAST, and the pools.
import type { DType, Op, Tensor } from '../../ir/graph.ts';
import {
  addParams, fp32RequantScale, int8LookupTable, logisticF32, mulMultiplier, requantizeMultiplier, softmaxLookupTable, tanhF32,
  xnnAddParams, xnnRequantizeParams,
} from '../../ir/quant.ts';
import { cFloat, cInt, floatArray, intArray } from './c-emit.ts';
import { leadingPad } from '../../ir/shape.ts';
import type { LowerContext, Lowered } from './context.ts';
import { denseView, elements, floatClamp, int8Clamp, perTensorQuant, shape4 } from './lower-common.ts';
import { lowerAddRv32 } from './lower-add-rv32.ts';

/** Element strides of `shape` broadcast to the rank-4 output shape (0 where broadcast). */
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const s = shape4(shape); const o = shape4(out);
  const st = [0, 0, 0, 0];
  let acc = 1;
  for (let d = 3; d >= 0; d--) { st[d] = s[d] === 1 && o[d] !== 1 ? 0 : acc; acc *= s[d]!; }
  return st;
}

export function lowerBinary(ctx: LowerContext, i: number, op: Op<'ADD'> | Op<'MUL'>): Lowered {
  const [aId, bId] = op.inputs as [number, number];
  const a = ctx.tensor(aId); const b = ctx.tensor(bId); const y = ctx.tensor(op.outputs[0]!);
  if (y.shape.length > 4) throw ctx.error(i, op, `rank ${y.shape.length} > 4 is not supported by the AoT backend`);
  if (a.dtype !== y.dtype || b.dtype !== y.dtype) throw ctx.error(i, op, `mixed dtypes ${a.dtype}, ${b.dtype} -> ${y.dtype}`);
  // int8 ADD on cores without DSP: per-input tables (tr_add_rv32.h) where they fit
  const tables = op.kind === 'ADD' ? lowerAddRv32(ctx, i, op as Op<'ADD'>) : undefined;
  if (tables) return tables;
  const dims = shape4(y.shape);
  const geom = `{ ${dims.join(', ')} }, { ${broadcastStrides(a.shape, y.shape).join(', ')} }, ` +
    `{ ${broadcastStrides(b.shape, y.shape).join(', ')} }, { ${broadcastStrides(y.shape, y.shape).join(', ')} }`;
  const pName = ctx.name(i, 'params');
  const kind = op.kind === 'ADD' ? 'add' : 'mul';
  let fn: string;
  if (y.dtype === 'float32') {
    const c = floatClamp(op.options.activation);
    ctx.decls.push(`static const tr_binary_params_t ${pName} = { ${geom}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ${c.min}, ${c.max} };\n`);
    fn = `tr_${kind}_f32`;
  } else if (y.dtype === 'int8') {
    ctx.decls.push(`static const tr_binary_params_t ${pName} = { ${geom}, ${int8BinaryFields(ctx, i, op, a, b, y)} };\n`);
    fn = `tr_${kind}_s8`;
  } else {
    throw ctx.error(i, op, `unsupported dtype ${y.dtype} (AoT supports int8 and float32)`);
  }
  return { statements: [`${fn}(&${pName}, ${ctx.ptr(aId)}, ${ctx.ptr(bId)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`], kernels: [fn] };
}

/** The int8 fields of a tr_binary_params_t after its geometry (TFLite reference ADD / MUL
 * fixed point, or XNNPACK's with 'xnnpack' arithmetic) for inputs a, b and output y. */
export function int8BinaryFields(ctx: LowerContext, i: number, op: Op<'ADD'> | Op<'MUL'>, a: Tensor, b: Tensor, y: Tensor): string {
  const aq = perTensorQuant(ctx, i, op, a); const bq = perTensorQuant(ctx, i, op, b); const yq = perTensorQuant(ctx, i, op, y);
  const clamp = int8Clamp(op.options.activation, yq.scale, yq.zeroPoint);
  let q: number[];
  if (op.kind === 'ADD') {
    const p = addParams(aq.scale, aq.zeroPoint, bq.scale, bq.zeroPoint, yq.scale, yq.zeroPoint, 'int8');
    q = [p.leftShift, p.input1Offset, p.input1Multiplier, p.input1Shift, p.input2Offset, p.input2Multiplier, p.input2Shift,
      p.outputOffset, p.outputMultiplier, p.outputShift];
  } else {
    const m = mulMultiplier(aq.scale, bq.scale, yq.scale);
    q = [0, -aq.zeroPoint, 0, 0, -bq.zeroPoint, 0, 0, yq.zeroPoint, m.multiplier, m.shift];
  }
  // 'xnnpack' arithmetic: XNNPACK's ADD multipliers / MUL float32 scale (ir/quant.ts).
  let xnn = '0, 0, 0, 0, 0, 0.0f';
  if (ctx.arithmetic === 'xnnpack') {
    if (op.kind === 'ADD') {
      let x;
      try {
        x = xnnAddParams(aq.scale, aq.zeroPoint, bq.scale, bq.zeroPoint, yq.scale, yq.zeroPoint);
      } catch (e) {
        throw ctx.error(i, op, (e as Error).message);
      }
      xnn = `1, ${cInt(x.aMultiplier)}, ${cInt(x.bMultiplier)}, ${cInt(x.bias)}, ${x.shift}, 0.0f`;
    } else {
      xnn = `1, 0, 0, 0, 0, ${cFloat(fp32RequantScale(aq.scale, bq.scale, yq.scale))}`;
    }
  }
  return `${q.map(cInt).join(', ')}, ${clamp.min}, ${clamp.max}, 0.0f, 0.0f, ${xnn}`;
}

export function lowerSoftmax(ctx: LowerContext, i: number, op: Op<'SOFTMAX'>): Lowered {
  const x = ctx.tensor(op.inputs[0]!); const y = ctx.tensor(op.outputs[0]!);
  const n = elements(x);
  const depth = x.shape[x.shape.length - 1] ?? 1;
  const rows = depth === 0 ? 0 : n / depth;
  const pName = ctx.name(i, 'params');
  const beta = op.options.beta;
  if (x.dtype === 'float32' && y.dtype === 'float32') {
    ctx.decls.push(`static const tr_softmax_params_t ${pName} = { ${rows}, ${depth}, NULL, 0.0f, 0, ${cFloat(beta)} };\n`);
    return { statements: [`tr_softmax_f32(&${pName}, ${ctx.ptr(x === y ? op.inputs[0]! : op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`], kernels: ['tr_softmax_f32'] };
  }
  if (x.dtype !== 'int8' || y.dtype !== 'int8') throw ctx.error(i, op, `unsupported dtypes ${x.dtype} -> ${y.dtype}`);
  const xq = perTensorQuant(ctx, i, op, x); const yq = perTensorQuant(ctx, i, op, y);
  const table = ctx.name(i, 'exp_table');
  ctx.decls.push(floatArray(table, softmaxLookupTable(xq.scale, beta)));
  ctx.decls.push(`static const tr_softmax_params_t ${pName} = { ${rows}, ${depth}, ${table}, ${cFloat(yq.scale)}, ${cInt(yq.zeroPoint)}, ${cFloat(beta)} };\n`);
  return { statements: [`tr_softmax_s8(&${pName}, ${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`], kernels: ['tr_softmax_s8'] };
}

export function lowerQuantize(ctx: LowerContext, i: number, op: Op<'QUANTIZE'> | Op<'DEQUANTIZE'>): Lowered {
  const xId = op.inputs[0]!; const yId = op.outputs[0]!;
  const x = ctx.tensor(xId); const y = ctx.tensor(yId);
  const n = elements(x);
  const pName = ctx.name(i, 'params');
  const args = `${ctx.ptr(xId)}, ${ctx.ptr(yId, { write: true })}`;
  if (op.kind === 'DEQUANTIZE') {
    if (x.dtype !== 'int8' || y.dtype !== 'float32') throw ctx.error(i, op, `unsupported dtypes ${x.dtype} -> ${y.dtype} (AoT: int8 -> float32)`);
    const q = perTensorQuant(ctx, i, op, x);
    ctx.decls.push(`static const tr_quant_params_t ${pName} = { ${n}, ${cFloat(q.scale)}, ${cInt(q.zeroPoint)}, 0, 0, 0, 0, 0, 0 };\n`);
    return { statements: [`tr_dequantize_s8_f32(&${pName}, ${args});`], kernels: ['tr_dequantize_s8_f32'] };
  }
  if (y.dtype !== 'int8') throw ctx.error(i, op, `unsupported output dtype ${y.dtype} (AoT: int8)`);
  const yq = perTensorQuant(ctx, i, op, y);
  if (x.dtype === 'float32') {
    const xnn = ctx.arithmetic === 'xnnpack' ? `1, ${cFloat(Math.fround(1 / Math.fround(yq.scale)))}, 0, 0` : '0, 0.0f, 0, 0';
    ctx.decls.push(`static const tr_quant_params_t ${pName} = { ${n}, ${cFloat(yq.scale)}, ${cInt(yq.zeroPoint)}, 0, 0, 0, 0, -128, 127, ${xnn} };\n`);
    return { statements: [`tr_quantize_f32_s8(&${pName}, ${args});`], kernels: ['tr_quantize_f32_s8'] };
  }
  if (x.dtype === 'int8') {
    const xq = perTensorQuant(ctx, i, op, x);
    const m = requantizeMultiplier(xq.scale, yq.scale);
    const xp = ctx.arithmetic === 'xnnpack' ? xnnRequantizeParams(xq.scale, xq.zeroPoint, yq.scale, yq.zeroPoint) : undefined;
    const xnn = xp ? `1, 0.0f, ${cInt(xp.multiplier)}, ${cInt(xp.bias)}` : '0, 0.0f, 0, 0';
    ctx.decls.push(`static const tr_quant_params_t ${pName} = { ${n}, 0.0f, 0, ${cInt(xq.zeroPoint)}, ${cInt(yq.zeroPoint)}, ${cInt(m.multiplier)}, ${cInt(m.shift)}, -128, 127, ${xnn} };\n`);
    return { statements: [`tr_requantize_s8(&${pName}, ${args});`], kernels: ['tr_requantize_s8'] };
  }
  throw ctx.error(i, op, `unsupported input dtype ${x.dtype}`);
}

export function lowerUnary(ctx: LowerContext, i: number, op: Op<'LOGISTIC'> | Op<'TANH'>): Lowered {
  const xId = op.inputs[0]!; const yId = op.outputs[0]!;
  const x = ctx.tensor(xId); const y = ctx.tensor(yId);
  const n = elements(x);
  const args = `${ctx.ptr(xId)}, ${ctx.ptr(yId, { write: true })}`;
  if (x.dtype === 'float32' && y.dtype === 'float32') {
    const fn = op.kind === 'LOGISTIC' ? 'tr_logistic_f32' : 'tr_tanh_f32';
    return { statements: [`${fn}(${n}, ${args});`], kernels: [fn] };
  }
  if (x.dtype !== 'int8' || y.dtype !== 'int8') throw ctx.error(i, op, `unsupported dtypes ${x.dtype} -> ${y.dtype}`);
  const xq = perTensorQuant(ctx, i, op, x); const yq = perTensorQuant(ctx, i, op, y);
  const lut = int8LookupTable(xq.scale, xq.zeroPoint, yq.scale, yq.zeroPoint, op.kind === 'LOGISTIC' ? logisticF32 : tanhF32);
  const name = ctx.name(i, 'lut');
  ctx.decls.push(intArray(name, 'int8_t', lut));
  return { statements: [`tr_lut_s8(${n}, ${name}, ${args});`], kernels: ['tr_lut_s8'] };
}

const CAST_TYPE: Partial<Record<DType, string>> = {
  float32: 'TR_CT_F32', int8: 'TR_CT_I8', uint8: 'TR_CT_U8', int16: 'TR_CT_I16', int32: 'TR_CT_I32', int64: 'TR_CT_I64', bool: 'TR_CT_BOOL',
};

export function lowerCast(ctx: LowerContext, i: number, op: Op<'CAST'>): Lowered {
  const xId = op.inputs[0]!; const yId = op.outputs[0]!;
  const x = ctx.tensor(xId); const y = ctx.tensor(yId);
  const from = CAST_TYPE[x.dtype]; const to = CAST_TYPE[y.dtype];
  if (!from || !to) throw ctx.error(i, op, `unsupported cast ${x.dtype} -> ${y.dtype}`);
  return {
    statements: [`tr_cast(${elements(x)}, ${from}, ${to}, ${ctx.ptr(xId, { ctype: 'void' })}, ${ctx.ptr(yId, { write: true, ctype: 'void' })});`],
    kernels: ['tr_cast'],
  };
}

export function lowerPool(ctx: LowerContext, i: number, op: Op<'AVERAGE_POOL_2D'> | Op<'MAX_POOL_2D'>): Lowered {
  const xId = op.inputs[0]!; const yId = op.outputs[0]!;
  const x = ctx.tensor(xId); const y = ctx.tensor(yId);
  if (x.shape.length !== 4 || y.shape.length !== 4) throw ctx.error(i, op, `expects 4-D input and output, got [${x.shape}], [${y.shape}]`);
  const o = op.options;
  const padTop = leadingPad(o.padding, x.shape[1]!, o.filterH, o.strideH, 1, y.shape[1]!);
  const padLeft = leadingPad(o.padding, x.shape[2]!, o.filterW, o.strideW, 1, y.shape[2]!);
  const kind = op.kind === 'AVERAGE_POOL_2D' ? 'avg' : 'max';
  const pName = ctx.name(i, 'params');
  const geom = `${denseView(x.shape)}, ${denseView(y.shape)}, ${o.filterH}, ${o.filterW}, ${o.strideH}, ${o.strideW}, ${padTop}, ${padLeft}`;
  let fn: string;
  if (x.dtype === 'float32' && y.dtype === 'float32') {
    const c = floatClamp(o.activation);
    ctx.decls.push(`static const tr_pool_params_t ${pName} = { ${geom}, 0, 0, ${c.min}, ${c.max} };\n`);
    fn = `tr_${kind}_pool_f32`;
  } else if (x.dtype === 'int8' && y.dtype === 'int8') {
    const yq = perTensorQuant(ctx, i, op, y);
    const c = int8Clamp(o.activation, yq.scale, yq.zeroPoint);
    ctx.decls.push(`static const tr_pool_params_t ${pName} = { ${geom}, ${c.min}, ${c.max}, 0.0f, 0.0f };\n`);
    fn = `tr_${kind}_pool_s8`;
  } else {
    throw ctx.error(i, op, `unsupported dtypes ${x.dtype} -> ${y.dtype}`);
  }
  return { statements: [`${fn}(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(yId, { write: true })});`], kernels: [fn] };
}
