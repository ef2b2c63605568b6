// Data movement as strided copies: RESHAPE/SQUEEZE (nothing when the plan aliases them),
// PAD (fill + copy into the interior), CONCATENATION (one copy per input into its slot of the
// output), SLICE/STRIDED_SLICE (a copy with offset and, possibly negative, strides), GATHER,
// and MEAN (a reduction over flagged dims).
import { DTYPE_BYTES, numElements, type Op } from '../../ir/graph.ts';
import { meanMultiplier, requantizeMultiplier, tfliteFloatMeanParams, xnnMeanScale } from '../../ir/quant.ts';
import { constInts } from '../../ir/shape.ts';
import { cFloat, cInt } from './c-emit.ts';
import type { LowerContext, Lowered } from './context.ts';
import { elements, int8Clamp, perTensorQuant, shape4 } from './lower-common.ts';

const MAX_DIMS = 6;

/** Row-major element strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) st[d] = st[d + 1]! * shape[d + 1]!;
  return st;
}

/**
 * A tr_copy_params_t initializer; strides in elements are turned into bytes. Adjacent dims
 * that are contiguous in both source and destination are merged (fewer, longer inner loops).
 */
function copyParams(count: number[], src: number[], dst: number[], elemBytes: number): string {
  const c: number[] = []; const s: number[] = []; const d: number[] = [];
  for (let k = 0; k < count.length; k++) {
    if (count[k] === 1) continue;
    const last = c.length - 1;
    if (last >= 0 && s[last] === count[k]! * src[k]! && d[last] === count[k]! * dst[k]!) {
      c[last] = c[last]! * count[k]!; s[last] = src[k]!; d[last] = dst[k]!;
    } else { c.push(count[k]!); s.push(src[k]!); d.push(dst[k]!); }
  }
  if (c.length > MAX_DIMS) throw new Error(`copy needs ${c.length} dims, the kernel handles ${MAX_DIMS}`);
  if (c.length === 0) { c.push(1); s.push(1); d.push(1); }
  const pad = (a: number[]) => [...a, ...new Array(MAX_DIMS - a.length).fill(0)];
  return `{ ${c.length}, ${elemBytes}, { ${pad(c).join(', ')} }, { ${pad(s.map((x) => x * elemBytes)).map(cInt).join(', ')} }, ` +
    `{ ${pad(d.map((x) => x * elemBytes)).map(cInt).join(', ')} } }`;
}

function copyStatement(ctx: LowerContext, name: string, params: string, src: string, dst: string): string {
  ctx.decls.push(`static const tr_copy_params_t ${name} = ${params};\n`);
  return `tr_copy_nd(&${name}, ${src}, ${dst});`;
}

function constOperand(ctx: LowerContext, i: number, op: Op, input: number, what: string): number[] {
  const id = op.inputs[input];
  const v = id !== undefined && id >= 0 ? constInts(ctx.tensor(id)) : undefined;
  if (!v) throw ctx.error(i, op, `${what} must be a constant int32/int64 tensor for the AoT backend`);
  return v;
}

export function lowerReshape(ctx: LowerContext, i: number, op: Op): Lowered {
  const xId = op.inputs[0]!; const yId = op.outputs[0]!;
  const x = ctx.tensor(xId); const y = ctx.tensor(yId);
  const bytes = elements(x) * DTYPE_BYTES[x.dtype];
  if (bytes !== elements(y) * DTYPE_BYTES[y.dtype]) throw ctx.error(i, op, `input [${x.shape}] and output [${y.shape}] sizes differ`);
  // Aliased by the plan (same bytes in the arena): nothing to do.
  if (ctx.inArena(xId) && ctx.arenaOffset(xId) === ctx.arenaOffset(yId)) return { statements: [`/* ${op.kind}: aliased, no copy */`], kernels: [] };
  const name = ctx.name(i, 'copy');
  return {
    statements: [copyStatement(ctx, name, copyParams([bytes], [1], [1], 1), ctx.ptr(xId, { ctype: 'void' }), ctx.ptr(yId, { write: true, ctype: 'void' }))],
    kernels: ['tr_copy_nd'],
  };
}

export function lowerPad(ctx: LowerContext, i: number, op: Op<'PAD'>): Lowered {
  const xId = op.inputs[0]!; const yId = op.outputs[0]!;
  const x = ctx.tensor(xId); const y = ctx.tensor(yId);
  const rank = x.shape.length;
  const pads = constOperand(ctx, i, op, 1, 'paddings');
  if (pads.length !== 2 * rank) throw ctx.error(i, op, `paddings [${pads}] do not match input rank ${rank}`);
  if (pads.some((v) => v < 0)) throw ctx.error(i, op, `negative padding [${pads}]`);
  const eb = DTYPE_BYTES[x.dtype];
  const fillValue = y.quant && y.quant.zeroPoint.length ? y.quant.zeroPoint[0]! : 0;
  const fillName = ctx.name(i, 'pad_value');
  const ctype = x.dtype === 'float32' ? 'float' : { 1: 'int8_t', 2: 'int16_t', 4: 'int32_t', 8: 'int64_t' }[eb]!;
  ctx.decls.push(`static const ${ctype} ${fillName} = ${x.dtype === 'float32' ? '0.0f' : cInt(fillValue)};\n`);
  const outSt = stridesOf(y.shape);
  let start = 0;
  for (let d = 0; d < rank; d++) start += pads[2 * d]! * outSt[d]!;
  const name = ctx.name(i, 'copy');
  return {
    statements: [
      `tr_fill(${ctx.ptr(yId, { write: true, ctype: 'void' })}, ${elements(y)}, ${eb}, &${fillName});`,
      copyStatement(ctx, name, copyParams([...x.shape], stridesOf(x.shape), outSt, eb), ctx.ptr(xId, { ctype: 'void' }),
        ctx.ptr(yId, { write: true, ctype: 'uint8_t', elemOffset: start * eb })),
    ],
    kernels: ['tr_fill', 'tr_copy_nd'],
  };
}

export function lowerConcat(ctx: LowerContext, i: number, op: Op<'CONCATENATION'>): Lowered {
  const yId = op.outputs[0]!; const y = ctx.tensor(yId);
  const rank = y.shape.length;
  let axis = op.options.axis;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) throw ctx.error(i, op, `axis ${op.options.axis} out of range for rank ${rank}`);
  if (op.options.activation !== 'NONE') throw ctx.error(i, op, `fused activation ${op.options.activation} is not supported`);
  const eb = DTYPE_BYTES[y.dtype];
  const outSt = stridesOf(y.shape);
  const statements: string[] = [];
  let offset = 0;
  op.inputs.forEach((id, k) => {
    const t = ctx.tensor(id);
    if (t.dtype !== y.dtype) throw ctx.error(i, op, `input ${k} dtype ${t.dtype} != output dtype ${y.dtype}`);
    if (y.quant && t.quant && (t.quant.scale[0] !== y.quant.scale[0] || t.quant.zeroPoint[0] !== y.quant.zeroPoint[0])) {
      throw ctx.error(i, op, `input ${k} quantization differs from the output's`);
    }
    const dstByte = offset * outSt[axis]! * eb;
    offset += t.shape[axis]!;
    if (ctx.inArena(id) && ctx.inArena(yId)) {
      // In-place tiles (firmware/tiling): the input already lies where the copy would put it.
      const src = ctx.arenaOffset(id); const dst = ctx.arenaOffset(yId) + dstByte;
      const bytes = elements(t) * eb;
      const contiguous = numElements(y.shape.slice(0, axis)) === 1;
      if (src === dst && contiguous) { statements.push(`/* input ${k}: in place, no copy */`); return; }
      const outBytes = elements(y) * eb; const outStart = ctx.arenaOffset(yId);
      if (src < outStart + outBytes && outStart < src + bytes) {
        throw ctx.error(i, op, `input ${k} overlaps the output in the arena without being in place (plan error)`);
      }
    }
    const name = ctx.name(i, `copy${k}`);
    statements.push(copyStatement(ctx, name, copyParams([...t.shape], stridesOf(t.shape), outSt, eb), ctx.ptr(id, { ctype: 'void' }),
      ctx.ptr(yId, { write: true, ctype: 'uint8_t', elemOffset: dstByte })));
  });
  return { statements, kernels: ['tr_copy_nd'] };
}

/** Per-dim (begin, stride, count) of a SLICE or STRIDED_SLICE with constant operands. */
function sliceGeometry(ctx: LowerContext, i: number, op: Op<'SLICE'> | Op<'STRIDED_SLICE'>, shape: readonly number[]) {
  const rank = shape.length;
  const geo: { begin: number; stride: number; count: number }[] = [];
  if (op.kind === 'SLICE') {
    const begin = constOperand(ctx, i, op, 1, 'begin'); const size = constOperand(ctx, i, op, 2, 'size');
    for (let d = 0; d < rank; d++) {
      const b = begin[d] ?? 0;
      const s = size[d] === undefined || size[d] === -1 ? shape[d]! - b : size[d]!;
      if (b < 0 || s < 0 || b + s > shape[d]!) throw ctx.error(i, op, `slice begin ${b} size ${s} out of range for dim ${d} of [${shape}]`);
      geo.push({ begin: b, stride: 1, count: s });
    }
    return geo;
  }
  const o = (op as Op<'STRIDED_SLICE'>).options;
  if (o.ellipsisMask || o.newAxisMask) throw ctx.error(i, op, 'ellipsis and new-axis masks are not supported');
  const begin = constOperand(ctx, i, op, 1, 'begin'); const end = constOperand(ctx, i, op, 2, 'end');
  const strides = constOperand(ctx, i, op, 3, 'strides');
  if (begin.length !== rank || end.length !== rank || strides.length !== rank) {
    throw ctx.error(i, op, `begin/end/strides have ${begin.length}/${end.length}/${strides.length} entries, input rank is ${rank}`);
  }
  const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
  for (let d = 0; d < rank; d++) {
    const dim = shape[d]!;
    const s = strides[d]!;
    if (s === 0) throw ctx.error(i, op, `stride 0 on axis ${d}`);
    // TFLite's StartForAxis / StopForAxis, as the reference interpreter applies them.
    let b = begin[d]!;
    if (o.beginMask & (1 << d)) b = s > 0 ? -Infinity : Infinity;
    if (b < 0) b += dim;
    b = s > 0 ? clamp(b, 0, dim) : clamp(b, -1, dim - 1);
    let e: number;
    if (o.shrinkAxisMask & (1 << d)) e = b + 1;
    else {
      e = o.offset ? begin[d]! + end[d]! : end[d]!;
      if (o.endMask & (1 << d)) e = s > 0 ? Infinity : -Infinity;
      if (e < 0) e += dim;
      e = s > 0 ? clamp(e, 0, dim) : clamp(e, -1, dim - 1);
    }
    const count = s > 0 ? Math.max(0, Math.ceil((e - b) / s)) : Math.max(0, Math.ceil((b - e) / -s));
    geo.push({ begin: count > 0 ? b : 0, stride: s, count });
  }
  return geo;
}

export function lowerSlice(ctx: LowerContext, i: number, op: Op<'SLICE'> | Op<'STRIDED_SLICE'>): Lowered {
  const xId = op.inputs[0]!; const yId = op.outputs[0]!;
  const x = ctx.tensor(xId); const y = ctx.tensor(yId);
  const geo = sliceGeometry(ctx, i, op, x.shape);
  const count = geo.map((g) => g.count);
  if (numElements(count) !== elements(y)) throw ctx.error(i, op, `slice of [${count}] does not fill output [${y.shape}]`);
  const eb = DTYPE_BYTES[x.dtype];
  const inSt = stridesOf(x.shape);
  let start = 0;
  geo.forEach((g, d) => { start += g.begin * inSt[d]!; });
  const name = ctx.name(i, 'copy');
  if (elements(y) === 0) return { statements: [`/* ${op.kind}: empty */`], kernels: [] };
  return {
    statements: [copyStatement(ctx, name, copyParams(count, geo.map((g, d) => g.stride * inSt[d]!), stridesOf(count), eb),
      ctx.ptr(xId, { ctype: 'uint8_t', elemOffset: start * eb }), ctx.ptr(yId, { write: true, ctype: 'void' }))],
    kernels: ['tr_copy_nd'],
  };
}

export function lowerGather(ctx: LowerContext, i: number, op: Op<'GATHER'>): Lowered {
  const [xId, idxId] = op.inputs as [number, number];
  const yId = op.outputs[0]!;
  const x = ctx.tensor(xId); const idx = ctx.tensor(idxId);
  if (op.options.batchDims !== 0) throw ctx.error(i, op, `batch_dims ${op.options.batchDims} is not supported`);
  if (idx.dtype !== 'int32' && idx.dtype !== 'int64') throw ctx.error(i, op, `indices must be int32 or int64, got ${idx.dtype}`);
  let axis = op.options.axis;
  if (axis < 0) axis += x.shape.length;
  if (axis < 0 || axis >= x.shape.length) throw ctx.error(i, op, `axis ${op.options.axis} out of range for rank ${x.shape.length}`);
  const outer = numElements(x.shape.slice(0, axis));
  const inner = numElements(x.shape.slice(axis + 1)) * DTYPE_BYTES[x.dtype];
  const pName = ctx.name(i, 'params');
  ctx.decls.push(`static const tr_gather_params_t ${pName} = { ${outer}, ${x.shape[axis]}, ${inner}, ${elements(idx)}, ${DTYPE_BYTES[idx.dtype]} };\n`);
  return {
    statements: [`if (tr_gather(&${pName}, ${ctx.ptr(xId, { ctype: 'void' })}, ${ctx.ptr(idxId, { ctype: 'void' })}, ${ctx.ptr(yId, { write: true, ctype: 'void' })}) != 0) return 1;`],
    kernels: ['tr_gather'],
  };
}

export function lowerMean(ctx: LowerContext, i: number, op: Op<'MEAN'>): Lowered {
  const xId = op.inputs[0]!; const yId = op.outputs[0]!;
  const x = ctx.tensor(xId); const y = ctx.tensor(yId);
  const rank = x.shape.length;
  if (rank > 4) throw ctx.error(i, op, `rank ${rank} > 4 is not supported`);
  const axes = constOperand(ctx, i, op, 1, 'axes').map((a) => (a < 0 ? a + rank : a));
  if (axes.some((a) => a < 0 || a >= rank)) throw ctx.error(i, op, `axes [${axes}] out of range for rank ${rank}`);
  const dims = shape4(x.shape);
  const reduce = [0, 0, 0, 0];
  for (const a of axes) reduce[a + 4 - rank] = 1;
  const count = dims.reduce((p, d, k) => (reduce[k] ? p * d : p), 1);
  const pName = ctx.name(i, 'params');
  const geom = `{ ${dims.join(', ')} }, { ${reduce.join(', ')} }, ${count}`;
  if (x.dtype === 'float32' && y.dtype === 'float32') {
    ctx.decls.push(`static const tr_mean_params_t ${pName} = { ${geom}, 0, 0, 0, 0, 0, 0 };\n`);
    return { statements: [`tr_mean_f32(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(yId, { write: true })});`], kernels: ['tr_mean_f32'] };
  }
  if (x.dtype !== 'int8' || y.dtype !== 'int8') throw ctx.error(i, op, `unsupported dtypes ${x.dtype} -> ${y.dtype}`);
  const xq = perTensorQuant(ctx, i, op, x); const yq = perTensorQuant(ctx, i, op, y);
  const base = requantizeMultiplier(xq.scale, yq.scale);
  const m = meanMultiplier(base.multiplier, base.shift, count);
  const c = int8Clamp('NONE', yq.scale, yq.zeroPoint);
  // 'xnnpack': what TFLite computes (see interp/ops/mean.ts): 4-D means over W (and H) go to
  // XNNPACK's global average pooling, others to TFLite's kernels of that build.
  let mode = 0; let fscale = 0; let fbias = 0;
  if (ctx.arithmetic === 'xnnpack') {
    const spatial = rank === 4 && reduce[2] === 1 && reduce[0] === 0 && reduce[3] === 0;
    if (spatial) { mode = 1; fscale = xnnMeanScale(xq.scale, yq.scale, count); }
    else if (xq.scale === yq.scale && xq.zeroPoint === yq.zeroPoint) mode = 2;
    else { mode = 3; const f = tfliteFloatMeanParams(xq.scale, xq.zeroPoint, yq.scale); fscale = f.scale; fbias = f.bias; }
  }
  ctx.decls.push(`static const tr_mean_params_t ${pName} = { ${geom}, ${cInt(xq.zeroPoint)}, ${cInt(yq.zeroPoint)}, ${cInt(m.multiplier)}, ${cInt(m.shift)}, ${c.min}, ${c.max}, ` +
    `${mode}, ${cFloat(fscale)}, ${cFloat(fbias)} };\n`);
  return { statements: [`tr_mean_s8(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(yId, { write: true })});`], kernels: ['tr_mean_s8'] };
}
