// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: weights to flash, per-channel requantization
// tables (ir/quant.ts) and, for the optimized kernels, the bias with the input offset folded in
// (bias + input_offset * sum(filter row)) so their inner loops are pure dot products.
import { tensorBytes, type Op } from '../../ir/graph.ts';
import { perChannelMultipliers } from '../../ir/quant.ts';
import { cInt, intArray } from './c-emit.ts';
import { leadingPad } from '../../ir/shape.ts';
import type { LowerContext, Lowered } from './context.ts';
import { addI32, denseView, floatClamp, int8Clamp, perTensorQuant, requantTables } from './lower-common.ts';
import { constValues } from './c-emit.ts';
import { lowerScalarConv, lowerScalarDepthwise, lowerScalarFc } from './lower-scalar.ts';
import { lowerConv1x1OneChannel } from './lower-conv1x1-1ch.ts';
import { conv1x1WideLayout, scalarBlockLayout, wordArray } from './kernel-layout.ts';
import { lowerDepthwise1ch, lowerDepthwise3x3Wide } from './lower-depthwise.ts';
import { lowerDeepGemm, lowerConv1x1Pairs, type DeepGemm } from './lower-fc.ts';

const DWCONV_SPEC_INCLUDE = '#include "tr_dwconv_spec.h"\n';
const CONV_SPEC_INCLUDE = '#include "tr_conv_spec.h"\n';
const CONV1X1_WIDE_INCLUDE = '#include "tr_conv1x1_wide.h"\n';
/** Widest input the 1x1 "speed" kernel widens per pixel on the stack (2 bytes a channel). */
const CONV1X1_WIDE_MAX_K = 1024;
const CONV_WIDE_INCLUDE = '#include "tr_conv_wide.h"\n';
const GEMM_SCALAR_INCLUDE = '#include "tr_gemm_scalar.h"\n';
/** Largest window the general "speed" conv gathers per pixel on the stack (3 bytes a value). */
const CONV_WIDE_MAX_K = 1024;

/** bias[o] + inputOffset * sum_k(w[o][k] + filterOffset), wrapping like int32. */
export function foldedBias(weights: number[], rows: number, depth: number, bias: number[] | undefined,
  inputOffset: number, filterOffset: number, rowStride = depth, colStride = 1): number[] {
  const out: number[] = [];
  for (let o = 0; o < rows; o++) {
    let sum = 0;
    for (let k = 0; k < depth; k++) sum += weights[o * rowStride + k * colStride]! + filterOffset;
    out.push(addI32(bias ? bias[o]! : 0, Math.imul(sum, inputOffset)));
  }
  return out;
}

/** True when the plan overlaps the output with the input and puts the output higher. */
function outputAboveInput(ctx: LowerContext, xId: number, yId: number): boolean {
  const x = ctx.tensor(xId); const y = ctx.tensor(yId);
  if (x.data !== undefined || !ctx.offsets.has(xId) || !ctx.offsets.has(yId)) return false;
  const ox = ctx.arenaOffset(xId); const oy = ctx.arenaOffset(yId);
  return oy > ox && oy < ox + tensorBytes(x) && ox < oy + tensorBytes(y);
}

export function lowerConv(ctx: LowerContext, i: number, op: Op<'CONV_2D'> | Op<'DEPTHWISE_CONV_2D'>): Lowered {
  const depthwise = op.kind === 'DEPTHWISE_CONV_2D';
  const [xId, wId, bId = -1] = op.inputs as [number, number, number?];
  const x = ctx.tensor(xId); const w = ctx.tensor(wId); const y = ctx.tensor(op.outputs[0]!);
  if (x.shape.length !== 4 || w.shape.length !== 4 || y.shape.length !== 4) {
    throw ctx.error(i, op, `expects 4-D input, filter and output, got [${x.shape}], [${w.shape}], [${y.shape}]`);
  }
  if (w.data === undefined) throw ctx.error(i, op, 'filter must be constant for the AoT backend');
  const o = op.options;
  const [, inH, inW, inC] = x.shape as [number, number, number, number];
  const [, outH, outW, outC] = y.shape as [number, number, number, number];
  const kH = w.shape[1]!; const kW = w.shape[2]!;
  if (!depthwise && w.shape[3] !== inC) throw ctx.error(i, op, `filter input depth ${w.shape[3]} != input depth ${inC} (grouped conv is not supported)`);
  if (depthwise && outC % inC !== 0) throw ctx.error(i, op, `output depth ${outC} is not a multiple of input depth ${inC}`);
  const padTop = leadingPad(o.padding, inH, kH, o.strideH, o.dilationH, outH);
  const padLeft = leadingPad(o.padding, inW, kW, o.strideW, o.dilationW, outW);
  // A depthwise conv over a single input channel (micro_speech's first layer: 1 -> 8 channels,
  // 10x8 window) is a plain conv with the filter transposed to OHWI: the optimized conv kernel
  // then runs it as pixel-pair x channel-pair SMLAD dot products over the gathered window
  // instead of one MAC per tap. Integer sums are order-free, so results are unchanged.
  const asConv = depthwise && inC === 1 && ctx.variant === 'optimized' && x.dtype === 'int8' && w.dtype === 'int8' && y.dtype === 'int8';
  const dw = depthwise && !asConv;
  const geometry = `${denseView(x.shape)}, ${denseView(y.shape)}, ${kH}, ${kW}, ${dw ? `${outC / inC}, ` : ''}` +
    `${o.strideH}, ${o.strideW}, ${o.dilationH}, ${o.dilationW}, ${padTop}, ${padLeft}`;
  const fn = dw ? 'tr_depthwise_conv2d' : 'tr_conv2d';
  const pName = ctx.name(i, 'params');
  // The bias array is emitted on first use only: the specialised 3x3 path reads the folded one.
  const biasPtr = () => (bId >= 0 ? ctx.ptr(bId) : 'NULL');

  if (x.dtype === 'float32' && w.dtype === 'float32' && y.dtype === 'float32') {
    const c = floatClamp(o.activation);
    ctx.decls.push(`static const ${depthwise ? 'tr_dwconv_f32_params_t' : 'tr_conv_f32_params_t'} ${pName} = { ${geometry}, ${c.min}, ${c.max} };\n`);
    return {
      statements: [`${fn}_f32(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(wId)}, ${biasPtr()}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
      kernels: [`${fn}_f32`],
    };
  }
  if (x.dtype !== 'int8' || w.dtype !== 'int8' || y.dtype !== 'int8') {
    throw ctx.error(i, op, `unsupported dtypes input ${x.dtype}, filter ${w.dtype}, output ${y.dtype} (AoT supports int8 and float32)`);
  }
  if (bId >= 0 && ctx.tensor(bId).dtype !== 'int32') throw ctx.error(i, op, `int8 conv needs an int32 bias, got ${ctx.tensor(bId).dtype}`);
  if (!w.quant) throw ctx.error(i, op, `filter "${w.name}" is not quantized`);
  const xq = perTensorQuant(ctx, i, op, x); const yq = perTensorQuant(ctx, i, op, y);
  const { multipliers, shifts } = perChannelMultipliers(xq.scale, w.quant.scale, yq.scale, outC);
  const clamp = int8Clamp(o.activation, yq.scale, yq.zeroPoint);
  const multName = ctx.name(i, 'mult'); const shiftName = ctx.name(i, 'shift');
  ctx.decls.push(intArray(multName, 'int32_t', multipliers), intArray(shiftName, 'int32_t', shifts));
  let folded = 'NULL';
  let padRow = 'NULL';
  // the filter as rows of filter_h * filter_w * in.c (OHWI; a 1-channel depthwise transposed)
  let ohwi: number[] = [];
  let biasFolded: number[] = [];
  // A streaming plan may put the output above the input it overwrites (firmware/plan/streaming.ts
  // offers it for the specialised 3x3 depthwise and 1x1 kernels only): run them backwards.
  const reverse = outputAboveInput(ctx, xId, op.outputs[0]!);
  const optimized = ctx.variant === 'optimized' || reverse;
  if (optimized) {
    const bt = bId >= 0 ? ctx.tensor(bId) : undefined;
    if (bt && bt.data === undefined) throw ctx.error(i, op, 'bias must be constant for the AoT backend');
    let wv = constValues(w); const bv = bt ? constValues(bt) : undefined;
    if (asConv) {
      // [1, kH, kW, outC] -> [outC, kH, kW, 1]
      const taps = kH * kW;
      const wt = new Array<number>(wv.length);
      for (let oc = 0; oc < outC; oc++) for (let t = 0; t < taps; t++) wt[oc * taps + t] = wv[t * outC + oc]!;
      wv = wt;
    }
    ohwi = wv;
    const values = dw
      ? foldedBias(wv, outC, kH * kW, bv, -xq.zeroPoint, 0, 1, outC)
      : foldedBias(wv, outC, kH * kW * (asConv ? 1 : inC), bv, -xq.zeroPoint, 0);
    biasFolded = values;
    folded = ctx.name(i, 'bias_folded');
    ctx.decls.push(intArray(folded, 'int32_t', values));
    padRow = ctx.name(i, 'pad_row');
    ctx.decls.push(intArray(padRow, 'int8_t', new Array<number>(dw ? inC : kW * inC).fill(xq.zeroPoint)));
  }
  const rqt = requantTables(ctx, i, xq.scale, w.quant.scale, yq.scale, outC, multipliers, shifts);
  // 3x3 depthwise, multiplier 1: each group of four channels' 36 weights repacked tap-major.
  // Every depthwise params struct names the field (NULL when unused): -Wextra's
  // missing-field-initializers holds the generated code to the struct it fills.
  let packed = dw ? ', NULL' : '';
  const spec3x3 = dw && optimized && kH === 3 && kW === 3 && outC === inC && o.dilationH === 1 && o.dilationW === 1 && outC >= 4;
  if (spec3x3 && !ctx.wideKernels) {
    const wv = constValues(w);
    const groups = Math.floor(outC / 4);
    const pk: number[] = [];
    for (let g = 0; g < groups; g++) for (let t = 0; t < 9; t++) for (let j = 0; j < 4; j++) pk.push(wv[t * outC + 4 * g + j]!);
    const name = ctx.name(i, 'filter_packed');
    ctx.decls.push(intArray(name, 'int8_t', pk));
    packed = `, ${name}`;
  }
  ctx.decls.push(`static const ${dw ? 'tr_dwconv_s8_params_t' : 'tr_conv_s8_params_t'} ${pName} = { ${geometry}, ` +
    `${cInt(-xq.zeroPoint)}, ${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max}, ${multName}, ${shiftName}, ${folded}, ${padRow}, ${rqt.rq}, ${rqt.fscale}${packed} };\n`);
  // emitted on first use only: the "speed" kernels read their own layout, not the int8 filter
  const filterPtr = () => {
    if (!asConv) return ctx.ptr(wId);
    const name = ctx.name(i, 'filter_ohwi');
    ctx.decls.push(intArray(name, 'int8_t', ohwi));
    return `(const int8_t *)${name}`;
  };
  if (dw && optimized) {
    // cores without DSP: the channel-major 3x3 kernel when the plan and cost model allow (lower-scalar.ts)
    const scalar = lowerScalarDepthwise(ctx, {
      opIndex: i, params: pName, filter: constValues(w), inH, inW, C: inC, outH, outW, batches: x.shape[0]!,
      strideH: o.strideH, strideW: o.strideW, padTop, padLeft, kH, kW,
      multiplier: outC / inC, dilationH: o.dilationH, dilationW: o.dilationW, reverse, inId: xId, outId: op.outputs[0]!,
      mode: rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM',
      rq32: { multipliers, shifts, zeroPoint: yq.zeroPoint, clampMin: clamp.min, clampMax: clamp.max, biasFolded },
    });
    if (scalar) return scalar;
  }
  if (spec3x3 && ctx.wideKernels) {
    const mode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    return lowerDepthwise3x3Wide(ctx, i, { params: pName, filter: constValues(w), dense: outC % 4 ? filterPtr() : 'NULL', inW, inC,
      strideW: o.strideW, mode, outZeroPoint: yq.zeroPoint, clampMin: clamp.min, clampMax: clamp.max, reverse,
      pixelAligned: reverse && (ctx.arenaOffset(op.outputs[0]!) - ctx.arenaOffset(xId)) % inC === 0,
      input: ctx.ptr(xId), output: ctx.ptr(op.outputs[0]!, { write: true }) });
  }
  if (spec3x3) {
    // Per-layer specialisation (tr_dwconv_spec.h): strides and channels as literals.
    if (!ctx.decls.includes(DWCONV_SPEC_INCLUDE)) ctx.decls.unshift(DWCONV_SPEC_INCLUDE);
    const mode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const spec = ctx.name(i, 'dw3x3');
    ctx.decls.push(`static void ${spec}(const int8_t *in, const int8_t *filter, int8_t *out) {\n` +
      `  tr_dw3x3_layer(&${pName}, in, filter, out, ${inW * inC}, ${inC}, ${outC}, ${mode}, ${reverse ? 1 : 0});\n}\n`);
    return {
      statements: [`${spec}(${ctx.ptr(xId)}, ${filterPtr()}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
      kernels: ['tr_dw3x3_layer', 'tr_depthwise_conv2d_s8_fast_pixel'],
    };
  }
  const pixels = x.shape[0]! * inH * inW;
  const spec1x1Shape = !depthwise && kH === 1 && kW === 1 && o.strideH === 1 && o.strideW === 1 &&
    padTop === 0 && padLeft === 0 && outH === inH && outW === inW && x.shape[0] === y.shape[0];
  if (reverse && !spec1x1Shape) {
    throw ctx.error(i, op, 'the memory plan puts the output above the input it overwrites, but only the 3x3 depthwise and 1x1 conv kernels can run backwards');
  }
  const spec1x1 = optimized && spec1x1Shape;
  // Fewer than 4 output channels (FDT partitions): the per-pixel widening would be paid for
  // one block of 1-3 channels; tr_conv1x1_pairs.h (lower-fc.ts) takes them on DSP cores.
  if (spec1x1 && !reverse) {
    // deep inputs or few outputs: tr_fc_deep_wide.h when it beats the widening kernel (lower-fc.ts)
    const gemm: DeepGemm = { kind: 'conv1x1', params: pName, weights: ohwi, rows: pixels, depth: inC, outDepth: outC,
      wideFits: inC <= CONV1X1_WIDE_MAX_K, mode: rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM',
      outZeroPoint: yq.zeroPoint, clampMin: clamp.min, clampMax: clamp.max, inId: xId, outId: op.outputs[0]! };
    // small input depths: tr_conv1x1_pairs.h when it beats the widening kernel (lower-fc.ts)
    const deep = lowerDeepGemm(ctx, i, gemm) ?? lowerConv1x1Pairs(ctx, i, gemm);
    if (deep) return deep;
  }
  if (spec1x1 && ctx.wideKernels && inC <= CONV1X1_WIDE_MAX_K && outC >= 4) {
    // optimize 'speed' on DSP cores (tr_conv1x1_wide.h): weights pre-widened to int16 pairs in
    // the kernel's blocking order (kernel-layout.ts), twice the ROM of the int8 filter.
    if (!ctx.decls.includes(CONV1X1_WIDE_INCLUDE)) ctx.decls.unshift(CONV1X1_WIDE_INCLUDE);
    const mode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const wide = ctx.name(i, 'filter_wide');
    ctx.decls.push(wordArray(wide, conv1x1WideLayout(ohwi, outC, inC)));
    const spec = ctx.name(i, 'conv1x1w');
    // noinline: inlined into tr_model_invoke the block loop spills its pointers. noipa: with
    // interprocedural constant propagation GCC 12 (arm-none-eabi 12.2) dropped calls of
    // one-output-channel layers altogether (outputs never written); measured, see the
    // K=8, C=1 case in test/codegen/support/kernel-cases.ts.
    ctx.decls.push(`static __attribute__((noinline, noipa)) void ${spec}(const int8_t *in, int8_t *out) {\n` +
      `  uint32_t xw[${Math.ceil(inC / 4) * 2}];\n` +
      `  tr_conv1x1_wide_layer(&${pName}, in, ${wide}, out, xw, ${pixels}, ${inC}, ${outC}, ${mode}, ` +
      `${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max}, ${reverse ? 1 : 0});\n}\n`);
    return {
      statements: [`${spec}(${ctx.ptr(xId)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
      kernels: ['tr_conv1x1_wide_layer'],
    };
  }
  if (asConv) {
    const mode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const dw1 = lowerDepthwise1ch(ctx, i, { params: pName, ohwi, kH, kW, outC, dilationH: o.dilationH, dilationW: o.dilationW, mode,
      outZeroPoint: yq.zeroPoint, clampMin: clamp.min, clampMax: clamp.max, input: ctx.ptr(xId), output: ctx.ptr(op.outputs[0]!, { write: true }) });
    if (dw1) return dw1;
  }
  const windowK = kH * kW * (asConv ? 1 : inC);
  if (!dw && optimized && !spec1x1 && !reverse && ctx.wideKernels && windowK <= CONV_WIDE_MAX_K && outC >= 4) {
    // optimize 'speed' on DSP cores (tr_conv_wide.h): per pixel the window is gathered and
    // widened once, then run against the pre-widened filter like a 1x1 conv.
    if (!ctx.decls.includes(CONV_WIDE_INCLUDE)) ctx.decls.unshift(CONV_WIDE_INCLUDE);
    const mode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const wide = ctx.name(i, 'filter_wide');
    ctx.decls.push(wordArray(wide, conv1x1WideLayout(ohwi, outC, windowK)));
    const spec = ctx.name(i, 'convw');
    const k4 = Math.ceil(windowK / 4) * 4;
    ctx.decls.push(`static __attribute__((noinline, noipa)) void ${spec}(const int8_t *in, int8_t *out) {\n` +
      `  int8_t gbuf[${k4}] __attribute__((aligned(4)));\n  uint32_t xw[${k4 / 2}];\n` +
      `  tr_conv_wide_layer(&${pName}, in, ${wide}, out, gbuf, xw, ${kH}, ${kW}, ${asConv ? 1 : inC}, ${outC}, ${mode}, ` +
      `${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max});\n}\n`);
    return {
      statements: [`${spec}(${ctx.ptr(xId)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
      kernels: ['tr_conv_wide_layer'],
    };
  }
  if (!dw && optimized) {
    // cores without DSP: the register-blocked kernels when the cost model picks them (lower-scalar.ts)
    const rvMode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const scalar = lowerScalarConv(ctx, {
      opIndex: i, params: pName, ohwi, batches: x.shape[0]!, inH, inW, inC: asConv ? 1 : inC, outH, outW, outC, kH, kW,
      strideH: o.strideH, strideW: o.strideW, dilationH: o.dilationH, dilationW: o.dilationW, padTop, padLeft,
      gemm: spec1x1, reverse, mode: rvMode, inPtr: ctx.ptr(xId), outPtr: ctx.ptr(op.outputs[0]!, { write: true }),
      rq32: { multipliers, shifts, zeroPoint: yq.zeroPoint, clampMin: clamp.min, clampMax: clamp.max, biasFolded }, inId: xId, outId: op.outputs[0]!,
      inZeroPoint: xq.zeroPoint,
    });
    if (scalar) return scalar;
  }
  if (spec1x1 && !reverse) {
    // one output channel without DSP (FDT partitions): weights in registers (lower-conv1x1-1ch.ts)
    const one = lowerConv1x1OneChannel(ctx, i, { params: pName, weights: ohwi, pixels, depth: inC, outDepth: outC,
      mode: rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM',
      input: ctx.ptr(xId), output: ctx.ptr(op.outputs[0]!, { write: true }) });
    if (one) return one;
  }
  if (spec1x1 && ctx.scalarBlockKernels) {
    // optimize 'speed' without DSP (tr_gemm_scalar.h): 2 pixels x 4 channels per step, the
    // filter interleaved per block of 4 channels (same ROM).
    if (!ctx.decls.includes(GEMM_SCALAR_INCLUDE)) ctx.decls.unshift(GEMM_SCALAR_INCLUDE);
    const mode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const blocked = ctx.name(i, 'filter_blocked');
    ctx.decls.push(intArray(blocked, 'int8_t', scalarBlockLayout(ohwi, outC, inC)));
    const spec = ctx.name(i, 'conv1x1s');
    ctx.decls.push(`static __attribute__((noinline, noipa)) void ${spec}(const int8_t *in, int8_t *out) {\n` +
      `  tr_conv1x1_s4_layer(&${pName}, in, ${blocked}, out, ${pixels}, ${inC}, ${outC}, ${mode}, ${reverse ? 1 : 0});\n}\n`);
    return {
      statements: [`${spec}(${ctx.ptr(xId)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
      kernels: ['tr_conv1x1_s4_layer'],
    };
  }
  if (spec1x1) {
    // Per-layer specialisation (tr_conv_spec.h): a P x K by K x C GEMM with literal sizes.
    if (!ctx.decls.includes(CONV_SPEC_INCLUDE)) ctx.decls.unshift(CONV_SPEC_INCLUDE);
    const mode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const spec = ctx.name(i, 'conv1x1');
    ctx.decls.push(`static void ${spec}(const int8_t *in, const int8_t *filter, int8_t *out) {\n` +
      `  tr_conv1x1_layer(&${pName}, in, filter, out, ${pixels}, ${inC}, ${outC}, ${mode}, ${reverse ? 1 : 0});\n}\n`);
    return {
      statements: [`${spec}(${ctx.ptr(xId)}, ${filterPtr()}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
      kernels: ['tr_conv1x1_layer'],
    };
  }
  // One output channel (e.g. an FDT partition of a 1-input-channel depthwise run as a conv):
  // the general fast kernel's per-pixel window gather would be paid once per partition, so a
  // gather-free kernel takes it. It hands other shapes back to tr_conv2d_s8_fast, so both link.
  const oneChannel = !dw && optimized && outC === 1;
  const kfn = oneChannel ? 'tr_conv2d_s8_fast_1ch' : `${fn}_s8${optimized ? '_fast' : ''}`;
  return {
    statements: [`${kfn}(&${pName}, ${ctx.ptr(xId)}, ${filterPtr()}, ${biasPtr()}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
    kernels: oneChannel ? [kfn, 'tr_conv2d_s8_fast'] : [kfn],
  };
}

export function lowerFullyConnected(ctx: LowerContext, i: number, op: Op<'FULLY_CONNECTED'>): Lowered {
  const [xId, wId, bId = -1] = op.inputs as [number, number, number?];
  const x = ctx.tensor(xId); const w = ctx.tensor(wId); const y = ctx.tensor(op.outputs[0]!);
  if (w.shape.length !== 2) throw ctx.error(i, op, `weights must be 2-D, got [${w.shape}]`);
  if (w.data === undefined) throw ctx.error(i, op, 'weights must be constant for the AoT backend');
  const [outDepth, depth] = w.shape as [number, number];
  const inCount = x.shape.reduce((a, b) => a * b, 1);
  if (inCount % depth !== 0) throw ctx.error(i, op, `input of ${inCount} values is not a multiple of the weights' depth ${depth}`);
  const batches = inCount / depth;
  if (y.shape.reduce((a, b) => a * b, 1) !== batches * outDepth) throw ctx.error(i, op, `output [${y.shape}] does not hold ${batches} x ${outDepth} values`);
  const pName = ctx.name(i, 'params');
  // emitted on first use only: the "speed" kernel reads the folded bias
  const bias = () => (bId >= 0 ? ctx.ptr(bId) : 'NULL');
  const dims = `${batches}, ${depth}, ${outDepth}, ${depth}, ${outDepth}`;
  if (x.dtype === 'float32' && w.dtype === 'float32' && y.dtype === 'float32') {
    const c = floatClamp(op.options.activation);
    ctx.decls.push(`static const tr_fc_f32_params_t ${pName} = { ${dims}, ${c.min}, ${c.max} };\n`);
    return {
      statements: [`tr_fully_connected_f32(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(wId)}, ${bias()}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
      kernels: ['tr_fully_connected_f32'],
    };
  }
  if (x.dtype !== 'int8' || w.dtype !== 'int8' || y.dtype !== 'int8') {
    throw ctx.error(i, op, `unsupported dtypes input ${x.dtype}, weights ${w.dtype}, output ${y.dtype} (AoT supports int8 and float32)`);
  }
  if (bId >= 0 && ctx.tensor(bId).dtype !== 'int32') throw ctx.error(i, op, `int8 fully connected needs an int32 bias, got ${ctx.tensor(bId).dtype}`);
  if (!w.quant) throw ctx.error(i, op, `weights "${w.name}" are not quantized`);
  const xq = perTensorQuant(ctx, i, op, x); const wq = perTensorQuant(ctx, i, op, w); const yq = perTensorQuant(ctx, i, op, y);
  const { multipliers, shifts } = perChannelMultipliers(xq.scale, w.quant.scale, yq.scale, outDepth);
  const clamp = int8Clamp(op.options.activation, yq.scale, yq.zeroPoint);
  const multName = ctx.name(i, 'mult'); const shiftName = ctx.name(i, 'shift');
  ctx.decls.push(intArray(multName, 'int32_t', multipliers), intArray(shiftName, 'int32_t', shifts));
  // The fast kernel's pure dot product needs a zero filter offset (TFLite int8 weights are symmetric).
  const optimized = ctx.variant === 'optimized' && wq.zeroPoint === 0;
  let folded = 'NULL';
  let biasFolded: number[] = [];
  if (optimized) {
    const bt = bId >= 0 ? ctx.tensor(bId) : undefined;
    if (bt && bt.data === undefined) throw ctx.error(i, op, 'bias must be constant for the AoT backend');
    folded = ctx.name(i, 'bias_folded');
    biasFolded = foldedBias(constValues(w), outDepth, depth, bt ? constValues(bt) : undefined, -xq.zeroPoint, 0);
    ctx.decls.push(intArray(folded, 'int32_t', biasFolded));
  }
  const rqt = requantTables(ctx, i, xq.scale, w.quant.scale, yq.scale, outDepth, multipliers, shifts);
  ctx.decls.push(`static const tr_fc_s8_params_t ${pName} = { ${dims}, ${cInt(-xq.zeroPoint)}, ${cInt(-wq.zeroPoint)}, ` +
    `${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max}, 1, ${multName}, ${shiftName}, ${folded}, ${rqt.rq}, ${rqt.fscale} };\n`);
  if (optimized) {
    // deep inputs or few outputs: tr_fc_deep_wide.h when it beats the widening kernel (lower-fc.ts)
    const deep = lowerDeepGemm(ctx, i, { kind: 'fc', params: pName, weights: constValues(w), rows: batches, depth, outDepth,
      wideFits: depth <= CONV1X1_WIDE_MAX_K, mode: rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM',
      outZeroPoint: yq.zeroPoint, clampMin: clamp.min, clampMax: clamp.max, inId: xId, outId: op.outputs[0]! });
    if (deep) return deep;
  }
  if (optimized && ctx.wideKernels && depth <= CONV1X1_WIDE_MAX_K) {
    // optimize 'speed' on DSP cores: the 1x1 conv's GEMM (tr_conv1x1_wide.h), weights
    // pre-widened in its blocking order.
    if (!ctx.decls.includes(CONV1X1_WIDE_INCLUDE)) ctx.decls.unshift(CONV1X1_WIDE_INCLUDE);
    const mode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const wide = ctx.name(i, 'weights_wide');
    ctx.decls.push(wordArray(wide, conv1x1WideLayout(constValues(w), outDepth, depth)));
    const spec = ctx.name(i, 'fcw');
    ctx.decls.push(`static __attribute__((noinline, noipa)) void ${spec}(const int8_t *in, int8_t *out) {\n` +
      `  uint32_t xw[${Math.ceil(depth / 4) * 2}];\n` +
      `  tr_fc_wide_layer(&${pName}, in, ${wide}, out, xw, ${batches}, ${depth}, ${outDepth}, ${mode}, ` +
      `${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max});\n}\n`);
    return {
      statements: [`${spec}(${ctx.ptr(xId)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
      kernels: ['tr_fc_wide_layer'],
    };
  }
  if (optimized) {
    // cores without DSP: the register-blocked kernel when the cost model picks it (lower-scalar.ts)
    const rvMode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const scalar = lowerScalarFc(ctx, {
      opIndex: i, params: pName, weights: constValues(w), batches, depth, outDepth, mode: rvMode,
      inPtr: ctx.ptr(xId), outPtr: ctx.ptr(op.outputs[0]!, { write: true }),
      rq32: { multipliers, shifts, zeroPoint: yq.zeroPoint, clampMin: clamp.min, clampMax: clamp.max, biasFolded },
    });
    if (scalar) return scalar;
  }
  if (optimized && ctx.scalarBlockKernels) {
    // optimize 'speed' without DSP (tr_gemm_scalar.h): the 1x1 conv's blocked GEMM.
    if (!ctx.decls.includes(GEMM_SCALAR_INCLUDE)) ctx.decls.unshift(GEMM_SCALAR_INCLUDE);
    const mode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
    const blocked = ctx.name(i, 'weights_blocked');
    ctx.decls.push(intArray(blocked, 'int8_t', scalarBlockLayout(constValues(w), outDepth, depth)));
    const spec = ctx.name(i, 'fcs');
    ctx.decls.push(`static __attribute__((noinline, noipa)) void ${spec}(const int8_t *in, int8_t *out) {\n` +
      `  tr_fc_s4_layer(&${pName}, in, ${blocked}, out, ${batches}, ${depth}, ${outDepth}, ${mode});\n}\n`);
    return {
      statements: [`${spec}(${ctx.ptr(xId)}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
      kernels: ['tr_fc_s4_layer'],
    };
  }
  const kfn = optimized ? 'tr_fully_connected_s8_fast' : 'tr_fully_connected_s8';
  return {
    statements: [`${kfn}(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(wId)}, ${bias()}, ${ctx.ptr(op.outputs[0]!, { write: true })});`],
    kernels: [kfn],
  };
}
