// PARTIAL_SUM and PARTIAL_SUM_REQUANTIZE (internal ops of FDT's partial-sum ending, see
// ir/graph.ts): weights to flash, geometry like CONV_2D / FULLY_CONNECTED, and for the final
// step the original op's requantization tables (fixed point for 'reference', XNNPACK's float32
// scales for 'xnnpack'), computed by ir/quant.ts exactly as the interpreter does.
// Optimized kernels (tr_partial_sum_s8_fast.c, selected like lower-conv.ts selects its fast
// variants) also get the slice's input-offset term per output row (acc_init), the conv's
// pad_row and the single-rounding requantization table, so their inner loops are pure dot
// products; every accumulator still holds exactly the interpreter's value.
import type { Conv2DOptions, Op, Pool2DOptions } from '../../ir/graph.ts';
import { fp32RequantScales, perChannelMultipliers } from '../../ir/quant.ts';
import { cInt, constValues, floatArray, intArray } from './c-emit.ts';
import { leadingPad } from '../../ir/shape.ts';
import type { LowerContext, Lowered } from './context.ts';
import { denseView, int8Clamp, perTensorQuant, requantTables } from './lower-common.ts';

/** input_offset * sum(weights of row o), int32 wrap-around like the C accumulators: the part
 * of a slice's partial sum that does not depend on the input values. */
export function sliceOffsetTerms(weights: ArrayLike<number>, rows: number, inputOffset: number): number[] {
  const depth = weights.length / rows;
  const out: number[] = [];
  for (let o = 0; o < rows; o++) {
    let sum = 0;
    for (let k = 0; k < depth; k++) sum += weights[o * depth + k]!;
    out.push(Math.imul(sum, inputOffset));
  }
  return out;
}

export function lowerPartialSum(ctx: LowerContext, i: number, op: Op<'PARTIAL_SUM'>): Lowered {
  const [xId, wId = -1, accId = -1] = op.inputs as [number, number?, number?];
  if (op.options.base === 'AVERAGE_POOL_2D') return lowerPoolSum(ctx, i, op, xId, accId);
  const x = ctx.tensor(xId); const w = ctx.tensor(wId); const y = ctx.tensor(op.outputs[0]!);
  if (x.dtype !== 'int8' || w.dtype !== 'int8' || y.dtype !== 'int32') throw ctx.error(i, op, `needs int8 input and weights and an int32 output, got ${x.dtype}, ${w.dtype} -> ${y.dtype}`);
  if (w.data === undefined) throw ctx.error(i, op, 'weights must be constant for the AoT backend');
  const xq = perTensorQuant(ctx, i, op, x);
  const pName = ctx.name(i, 'params');
  const accIn = accId >= 0 ? ctx.ptr(accId) : 'NULL';
  const out = ctx.ptr(op.outputs[0]!, { write: true });
  if (op.options.base === 'CONV_2D') {
    const o = op.options.baseOptions as Conv2DOptions;
    if (x.shape.length !== 4 || w.shape.length !== 4 || y.shape.length !== 4) throw ctx.error(i, op, 'expects 4-D input, filter and output');
    const [, inH, inW, inC] = x.shape as [number, number, number, number];
    const [, outH, outW] = y.shape as [number, number, number, number];
    const kH = w.shape[1]!; const kW = w.shape[2]!;
    if (w.shape[3] !== inC) throw ctx.error(i, op, `filter slice depth ${w.shape[3]} != input slice depth ${inC}`);
    const padTop = leadingPad(o.padding, inH, kH, o.strideH, o.dilationH, outH);
    const padLeft = leadingPad(o.padding, inW, kW, o.strideW, o.dilationW, outW);
    const ref = `{ ${denseView(x.shape)}, ${denseView(y.shape)}, ${kH}, ${kW}, `
      + `${o.strideH}, ${o.strideW}, ${o.dilationH}, ${o.dilationW}, ${padTop}, ${padLeft}, ${cInt(-xq.zeroPoint)} }`;
    if (ctx.variant === 'optimized') {
      const init = ctx.name(i, 'acc_init'); const padRow = ctx.name(i, 'pad_row');
      ctx.decls.push(intArray(init, 'int32_t', sliceOffsetTerms(constValues(w), w.shape[0]!, -xq.zeroPoint)));
      ctx.decls.push(intArray(padRow, 'int8_t', new Array<number>(kW * inC).fill(xq.zeroPoint)));
      ctx.decls.push(`static const tr_partial_conv_s8_fast_params_t ${pName} = { ${ref}, ${init}, ${padRow} };\n`);
      return { statements: [`tr_partial_conv2d_s8_fast(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(wId)}, ${accIn}, ${out});`], kernels: ['tr_partial_conv2d_s8_fast'] };
    }
    ctx.decls.push(`static const tr_partial_conv_s8_params_t ${pName} = ${ref};\n`);
    return { statements: [`tr_partial_conv2d_s8(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(wId)}, ${accIn}, ${out});`], kernels: ['tr_partial_conv2d_s8'] };
  }
  const [outDepth, depth] = w.shape as [number, number];
  const inCount = x.shape.reduce((a, b) => a * b, 1);
  if (w.shape.length !== 2 || inCount % depth !== 0) throw ctx.error(i, op, `input of ${inCount} values does not fit weights [${w.shape}]`);
  const wq = perTensorQuant(ctx, i, op, w);
  const ref = `{ ${inCount / depth}, ${depth}, ${outDepth}, ${cInt(-xq.zeroPoint)}, ${cInt(-wq.zeroPoint)} }`;
  // The fast kernel's pure dot product needs a zero filter offset (TFLite int8 weights are symmetric).
  if (ctx.variant === 'optimized' && wq.zeroPoint === 0) {
    const init = ctx.name(i, 'acc_init');
    ctx.decls.push(intArray(init, 'int32_t', sliceOffsetTerms(constValues(w), outDepth, -xq.zeroPoint)));
    ctx.decls.push(`static const tr_partial_fc_s8_fast_params_t ${pName} = { ${ref}, ${init} };\n`);
    return { statements: [`tr_partial_fc_s8_fast(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(wId)}, ${accIn}, ${out});`], kernels: ['tr_partial_fc_s8_fast'] };
  }
  ctx.decls.push(`static const tr_partial_fc_s8_params_t ${pName} = ${ref};\n`);
  return { statements: [`tr_partial_fc_s8(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(wId)}, ${accIn}, ${out});`], kernels: ['tr_partial_fc_s8'] };
}

export function lowerPartialSumRequantize(ctx: LowerContext, i: number, op: Op<'PARTIAL_SUM_REQUANTIZE'>): Lowered {
  const [accId, bId = -1] = op.inputs as [number, number?];
  const acc = ctx.tensor(accId); const y = ctx.tensor(op.outputs[0]!);
  if (acc.dtype !== 'int32' || y.dtype !== 'int8') throw ctx.error(i, op, `needs an int32 accumulator and an int8 output, got ${acc.dtype} -> ${y.dtype}`);
  const o = op.options;
  const yq = perTensorQuant(ctx, i, op, y);
  if (o.base === 'AVERAGE_POOL_2D') {
    const p = o.baseOptions as Pool2DOptions;
    const clamp = int8Clamp(p.activation, yq.scale, yq.zeroPoint);
    const name = ctx.name(i, 'params');
    ctx.decls.push(`static const tr_partial_pool_finish_s8_params_t ${name} = { ${y.shape.reduce((a, b) => a * b, 1)}, ${p.filterH * p.filterW}, ${clamp.min}, ${clamp.max} };\n`);
    return { statements: [`tr_partial_pool_finish_s8(&${name}, ${ctx.ptr(accId)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`], kernels: ['tr_partial_pool_finish_s8'] };
  }
  const channels = y.shape[y.shape.length - 1]!;
  const count = y.shape.reduce((a, b) => a * b, 1);
  const clamp = int8Clamp(o.baseOptions.activation, yq.scale, yq.zeroPoint);
  const multName = ctx.name(i, 'mult'); const shiftName = ctx.name(i, 'shift');
  const { multipliers, shifts } = perChannelMultipliers(o.inputScale, o.filterScales, yq.scale, channels);
  ctx.decls.push(intArray(multName, 'int32_t', multipliers), intArray(shiftName, 'int32_t', shifts));
  const pName = ctx.name(i, 'params');
  const bias = bId >= 0 ? ctx.ptr(bId) : 'NULL';
  const outPtr = ctx.ptr(op.outputs[0]!, { write: true });
  if (ctx.variant === 'optimized') {
    const rqt = requantTables(ctx, i, o.inputScale, o.filterScales, yq.scale, channels, multipliers, shifts);
    ctx.decls.push(`static const tr_partial_requant_s8_fast_params_t ${pName} = { { ${count}, ${channels}, ${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max}, `
      + `${multName}, ${shiftName}, ${rqt.fscale} }, ${rqt.rq} };\n`);
    return {
      statements: [`tr_partial_requant_s8_fast(&${pName}, ${ctx.ptr(accId)}, ${bias}, ${outPtr});`],
      kernels: ['tr_partial_requant_s8_fast'],
    };
  }
  let fscale = 'NULL';
  if (ctx.arithmetic === 'xnnpack') {
    fscale = ctx.name(i, 'fscale');
    ctx.decls.push(floatArray(fscale, fp32RequantScales(o.inputScale, o.filterScales, yq.scale, channels)));
  }
  ctx.decls.push(`static const tr_partial_requant_s8_params_t ${pName} = { ${count}, ${channels}, ${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max}, ${multName}, ${shiftName}, ${fscale} };\n`);
  return {
    statements: [`tr_partial_requant_s8(&${pName}, ${ctx.ptr(accId)}, ${bias}, ${outPtr});`],
    kernels: ['tr_partial_requant_s8'],
  };
}

/** Global average pool ending: one tile's per-channel sums. */
function lowerPoolSum(ctx: LowerContext, i: number, op: Op<'PARTIAL_SUM'>, xId: number, accId: number): Lowered {
  const x = ctx.tensor(xId); const y = ctx.tensor(op.outputs[0]!);
  if (x.dtype !== 'int8' || y.dtype !== 'int32' || x.shape.length !== 4) throw ctx.error(i, op, `needs a 4-D int8 tile and an int32 output, got ${x.dtype} [${x.shape}] -> ${y.dtype}`);
  const name = ctx.name(i, 'params');
  ctx.decls.push(`static const tr_partial_pool_s8_params_t ${name} = { ${denseView(x.shape)} };\n`);
  return {
    statements: [`tr_partial_pool_sum_s8(&${name}, ${ctx.ptr(xId)}, ${accId >= 0 ? ctx.ptr(accId) : 'NULL'}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
    kernels: ['tr_partial_pool_sum_s8'],
  };
}
