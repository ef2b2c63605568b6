// ROW_CHAIN (ir/graph.ts, firmware/tiling/row-chain.ts): one call of the row driver
// tr_row_chain_s8 (tr_row_chain.h). Every stage gets the same constant data lowerConv would
// emit for the whole layer (per-channel requantization, the optimized kernels' folded bias,
// zero-point row and packed 3x3 filter) and one params struct per distinct row window (height,
// top padding): border rows differ, interior rows share one. The library kernels take views,
// so a row is just a window. As lowerConv does, an optimized depthwise conv over one input
// channel runs as a conv with its filter transposed to OHWI; with the "speed" goal on DSP
// targets a conv runs tr_conv_wide_layer and a one-channel depthwise tr_dw1ch_wide_layer
// through small wrappers with the library signature (they read the geometry from the row's
// params). The end reuses the partial-sum kernels (tr_partial_sum_s8*.c): the pool's
// per-channel sums, the FC's partial dot products (weights reordered row-block major so each
// row's slice is contiguous) and one requantization. With the "speed" goal on cores without
// DSP, stages run the untiled build's per-layer kernels instead (lower-row-chain-rows.ts: a row
// function for the one-input-channel depthwise, library-signature wrappers for convs, 3x3
// depthwise and pixel pairs' pointwise halves), and an FC end a row function with the untiled
// FC's kernel on RV32 and DSP cores.
import type { Op, Tensor } from '../../ir/graph.ts';
import { fp32RequantScales, perChannelMultipliers } from '../../ir/quant.ts';
import { poolPerPixel, rowChainOpGeometry, stageRowWindow, type RowChainStageGeometry } from '../../ir/row-chain.ts';
import { cInt, constValues, floatArray, intArray } from './c-emit.ts';
import type { LowerContext, Lowered } from './context.ts';
import { conv1x1WideLayout, dw1chWideLayout, wordArray } from './kernel-layout.ts';
import { int8Clamp, perTensorQuant, requantTables, viewInit } from './lower-common.ts';
import { foldedBias } from './lower-conv.ts';
import { sliceOffsetTerms } from './lower-partial.ts';
import { convRowsFunction, dw1inRowFunction, dw3x3Function, fcEndRowFunction, pointwisePixelFunction, stageNamed } from './lower-row-chain-rows.ts';

const INCLUDE = '#include "tr_row_chain.h"\n';
/** Same texts as lowerConv's / lowerDepthwise1ch's, so each header is included once. */
const CONV_WIDE_INCLUDE = '#include "tr_conv_wide.h"\n';
const DW1CH_WIDE_INCLUDE = '#include "tr_dwconv1ch_wide.h"\n';
/** Largest window the wide kernels gather per pixel on the stack (as lowerConv). */
const WIDE_MAX_K = 1024;
/** Most distinct call windows a wide wrapper inlines one kernel copy for (ROM against stack). */
const MAX_INLINED_WINDOWS = 9;

function include(ctx: LowerContext, text: string): void {
  if (!ctx.decls.includes(text)) ctx.decls.unshift(text);
}

interface StageC {
  rowsField: string; kernel: string; kernelField: 'conv' | 'dw'; filter: string; bias: string; row?: string;
  /** The kernel for the generated model's list, where `kernel` is a generated wrapper. */
  listed?: string;
}

/** How a stage is called: one output row at a time, one output pixel at a time (the first half
 * of a pixel pair), or on one pixel (the pointwise half). */
type StageMode = 'rows' | 'pixels' | 'pixel';

/** One input window of a stage call: rows and columns present (from the first the driver
 * points at), padding before them, and output columns written. */
interface CallWindow { rows: number; padTop: number; cols: number; padLeft: number; outW: number }

function callWindows(g: RowChainStageGeometry, mode: StageMode): CallWindow[] {
  if (mode === 'pixel') return [{ rows: 1, padTop: 0, cols: 1, padLeft: 0, outW: 1 }];
  const out: CallWindow[] = [];
  for (let r = 0; r < g.outH; r++) {
    const win = stageRowWindow(g, r);
    const rows = win.last - win.first + 1;
    if (mode === 'rows') { out.push({ rows, padTop: win.padTop, cols: g.inW, padLeft: g.padLeft, outW: g.outW }); continue; }
    for (let c = 0; c < g.outW; c++) {
      const start = c * g.strideW - g.padLeft;
      const first = Math.max(0, start);
      out.push({ rows, padTop: win.padTop, cols: Math.min(g.inW - 1, start + g.kW - 1) - first + 1, padLeft: Math.max(0, -start), outW: 1 });
    }
  }
  return out;
}

/** One stage's constant data, params table (per call window) and kernel. */
function lowerStage(ctx: LowerContext, i: number, op: Op<'ROW_CHAIN'>, s: number, g: RowChainStageGeometry, x: Tensor, y: Tensor, mode: StageMode): StageC {
  const st = op.options.stages[s]!;
  const o = st.options;
  const wId = op.inputs[1 + 2 * s]!; const bId = op.inputs[2 + 2 * s]!;
  const w = ctx.tensor(wId);
  if (!w.quant) throw ctx.error(i, op, `filter "${w.name}" is not quantized`);
  const name = (what: string) => ctx.name(i, `s${s}_${what}`);
  const xq = perTensorQuant(ctx, i, op, x); const yq = perTensorQuant(ctx, i, op, y);
  const { inW, inC, outC, kH, kW } = g;
  const depthwise = st.kind === 'DEPTHWISE_CONV_2D';
  const asConv = depthwise && inC === 1 && ctx.variant === 'optimized';
  const dw = depthwise && !asConv;
  const { multipliers, shifts } = perChannelMultipliers(xq.scale, w.quant.scale, yq.scale, outC);
  const clamp = int8Clamp(o.activation, yq.scale, yq.zeroPoint);
  ctx.decls.push(intArray(name('mult'), 'int32_t', multipliers), intArray(name('shift'), 'int32_t', shifts));
  const bt = bId >= 0 ? ctx.tensor(bId) : undefined;
  let wv = constValues(w);
  // the int8 filter the library kernels read is emitted on first use (the wrappers read their own layout)
  if (asConv) {
    // [1, kH, kW, outC] -> [outC, kH, kW, 1], as lowerConv runs it
    const taps = kH * kW;
    const wt = new Array<number>(wv.length);
    for (let oc = 0; oc < outC; oc++) for (let t = 0; t < taps; t++) wt[oc * taps + t] = wv[t * outC + oc]!;
    wv = wt;
  }
  const ohwi = () => { const f = name('filter_ohwi'); ctx.decls.push(intArray(f, 'int8_t', wv)); return f; };
  const rqt = requantTables(stageNamed(ctx, name), i, xq.scale, w.quant.scale, yq.scale, outC, multipliers, shifts);
  const rqMode = rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
  const bv = bt ? constValues(bt) : undefined;
  const foldedValues = dw ? foldedBias(wv, outC, kH * kW, bv, -xq.zeroPoint, 0, 1, outC) : foldedBias(wv, outC, kH * kW * (asConv ? 1 : inC), bv, -xq.zeroPoint, 0);
  // what the rv32 requantization's proof needs (lower-scalar-depthwise.ts rq32Rows)
  const rq32 = { multipliers, shifts, zeroPoint: yq.zeroPoint, clampMin: clamp.min, clampMax: clamp.max, biasFolded: foldedValues };
  if (asConv && mode === 'rows') {
    // cores without DSP: the untiled build's kernel, row by row (lower-row-chain-rows.ts)
    const row = dw1inRowFunction(ctx, i, { name, ohwi: wv, g, inZeroPoint: xq.zeroPoint, mode: rqMode, rq: rqt.rq, fscale: rqt.fscale,
      mult: name('mult'), shift: name('shift'), rq32 });
    if (row) return { rowsField: 'NULL', kernel: 'NULL', kernelField: 'conv', filter: 'NULL', bias: 'NULL', row, listed: 'tr_dw1in_rv32_row' };
  }
  let folded = 'NULL'; let padRow = 'NULL'; let packed = 'NULL';
  if (ctx.variant === 'optimized') {
    folded = name('bias_folded');
    ctx.decls.push(intArray(folded, 'int32_t', foldedValues));
    padRow = name('pad_row');
    ctx.decls.push(intArray(padRow, 'int8_t', new Array<number>(dw ? inC : kW * inC).fill(xq.zeroPoint)));
    if (dw && kH === 3 && kW === 3 && outC === inC && outC >= 4) {
      // each group of four channels' 36 weights tap-major, as lowerConv packs them
      const pk: number[] = [];
      for (let gr = 0; gr < Math.floor(outC / 4); gr++) for (let t = 0; t < 9; t++) for (let j = 0; j < 4; j++) pk.push(wv[t * outC + 4 * gr + j]!);
      packed = name('filter_packed');
      ctx.decls.push(intArray(packed, 'int8_t', pk));
    }
  }
  const structs = new Map<string, string>();
  const entries = callWindows(g, mode).map((win) => {
    const key = `${win.rows}_${win.padTop}_${win.cols}_${win.padLeft}_${win.outW}`;
    let sName = structs.get(key);
    if (sName === undefined) {
      sName = name(`win${structs.size}`);
      structs.set(key, sName);
      // rows of the whole input map apart (the window is a view into held rows or the input)
      const rowStride = mode === 'pixel' ? inC : inW * inC;
      const inView = viewInit(1, win.rows, win.cols, inC, win.rows * rowStride, rowStride, inC);
      const outView = viewInit(1, 1, win.outW, outC, win.outW * outC, win.outW * outC, outC);
      const tail = `${cInt(-xq.zeroPoint)}, ${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max}, ${name('mult')}, ${name('shift')}, ${folded}, ${padRow}, ${rqt.rq}, ${rqt.fscale}`;
      ctx.decls.push(dw
        ? `static const tr_dwconv_s8_params_t ${sName} = { ${inView}, ${outView}, ${kH}, ${kW}, ${outC / inC}, ${o.strideH}, ${o.strideW}, 1, 1, ${win.padTop}, ${win.padLeft}, ${tail}, ${packed} };\n`
        : `static const tr_conv_s8_params_t ${sName} = { ${inView}, ${outView}, ${kH}, ${kW}, ${o.strideH}, ${o.strideW}, 1, 1, ${win.padTop}, ${win.padLeft}, ${tail} };\n`);
    }
    return `&${sName}`;
  });
  const type = dw ? 'tr_dwconv_s8_params_t' : 'tr_conv_s8_params_t';
  const table = mode === 'pixel' ? entries[0]!.slice(1) : name('calls');
  if (mode !== 'pixel') ctx.decls.push(`static const ${type} *const ${table}[${entries.length}] = { ${entries.join(', ')} };\n`);
  // emitted on first use only: the wrappers fold the bias in
  const bias = () => (bt ? ctx.ptr(bId) : 'NULL');
  if (dw && mode !== 'pixel') {
    // cores without DSP: the untiled build's 3x3 kernel on each row's / pixel's window (lower-row-chain-rows.ts)
    const k = dw3x3Function(ctx, i, { name, filter: wv, g, mode: rqMode, rq32, pixels: mode === 'pixels' });
    if (k) return { rowsField: table, kernel: k, kernelField: 'dw', filter: 'NULL', bias: 'NULL', listed: mode === 'pixels' ? 'tr_dw3x3_rv32_raster' : 'tr_dw3x3_rv32_layer' };
  }
  if (dw) return { rowsField: table, kernel: ctx.variant === 'optimized' ? 'tr_depthwise_conv2d_s8_fast' : 'tr_depthwise_conv2d_s8', kernelField: 'dw', filter: ctx.ptr(wId), bias: bias() };
  let kernel = ctx.variant === 'optimized' ? 'tr_conv2d_s8_fast' : 'tr_conv2d_s8';
  const wrapperHead = (fn: string) => `static __attribute__((noinline, noipa)) void ${fn}(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias, int8_t *out) {\n`;
  const kW4 = Math.ceil(kW / 4) * 4;
  // The wide kernels are inlined: with the params a constant, their geometry is literals and
  // their frame about half (micro_speech's six windows: 248 B instead of 448 B; stack is on-device
  // RAM). A few distinct windows get one inlined copy each, chosen by the params pointer.
  const windows = [...structs.values()];
  const dispatch = (call: (params: string) => string): string => {
    if (windows.length > MAX_INLINED_WINDOWS) return `  ${call('p')}\n`;
    return windows.map((w, k) => (k === windows.length - 1 ? `  ${k ? 'else ' : ''}${call(`&${w}`)}\n` : `  ${k ? 'else ' : ''}if (p == &${w}) ${call(`&${w}`)}\n`)).join('');
  };
  if (asConv && ctx.wideKernels && kH * kW4 <= WIDE_MAX_K) {
    include(ctx, DW1CH_WIDE_INCLUDE);
    const wide = name('filter_wide');
    ctx.decls.push(wordArray(wide, dw1chWideLayout(wv, outC, kH, kW)));
    kernel = name('dw1chw');
    const k = kH * kW4;
    // as lowerDepthwise1ch: from 4 channels the kernel widens every window into xw, below 4 it gathers into gbuf
    const many = outC >= 4;
    ctx.decls.push(`${wrapperHead(kernel)}  int8_t gbuf[${many ? 4 : k}] __attribute__((aligned(4)));\n  uint32_t xw[${many ? k / 2 : 1}];\n  (void)p; (void)filter; (void)bias;\n` +
      `${dispatch((pp) => `tr_dw1ch_wide_layer(${pp}, in, ${wide}, out, gbuf, xw, ${kH}, ${kW4}, ${outC}, ${rqMode}, ${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max});`)}}\n`);
  } else if (!asConv && ctx.wideKernels && kH * kW * inC <= WIDE_MAX_K && outC >= 4) {
    include(ctx, CONV_WIDE_INCLUDE);
    const windowK = kH * kW * inC;
    const wide = name('filter_wide');
    ctx.decls.push(wordArray(wide, conv1x1WideLayout(wv, outC, windowK)));
    kernel = name('convw');
    const k4 = Math.ceil(windowK / 4) * 4;
    ctx.decls.push(`${wrapperHead(kernel)}  int8_t gbuf[${k4}] __attribute__((aligned(4)));\n  uint32_t xw[${k4 / 2}];\n  (void)p; (void)filter; (void)bias;\n` +
      `${dispatch((pp) => `tr_conv_wide_layer(${pp}, in, ${wide}, out, gbuf, xw, ${kH}, ${kW}, ${inC}, ${outC}, ${rqMode}, ${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max});`)}}\n`);
  }
  if (mode === 'rows' && !asConv && kernel.startsWith('tr_')) {
    // cores without DSP: the untiled build's quad kernel on each row's window (lower-row-chain-rows.ts)
    const q = convRowsFunction(ctx, i, { name, ohwi: wv, g, mode: rqMode, rq32 });
    if (q) return { rowsField: table, kernel: q, kernelField: 'conv', filter: 'NULL', bias: 'NULL', listed: 'tr_conv_quad_rv32_layer' };
  }
  if (mode === 'pixel' && kernel.startsWith('tr_')) {
    // cores without DSP: the pixel is an FC row, the untiled FC's kernel (lower-row-chain-rows.ts)
    const pw = pointwisePixelFunction(ctx, i, { name, weights: wv, inC, outC, inZeroPoint: xq.zeroPoint, mode: rqMode, rq: rqt.rq, fscale: rqt.fscale,
      mult: name('mult'), shift: name('shift'), folded, rq32 });
    if (pw) return { rowsField: table, kernel: pw, kernelField: 'conv', filter: 'NULL', bias: 'NULL', listed: 'tr_fc_row_rv32_layer' };
  }
  const library = kernel.startsWith('tr_');
  return { rowsField: table, kernel, kernelField: 'conv', filter: !library ? 'NULL' : asConv ? ohwi() : ctx.ptr(wId), bias: library ? bias() : 'NULL' };
}

export function lowerRowChain(ctx: LowerContext, i: number, op: Op<'ROW_CHAIN'>): Lowered {
  const o = op.options;
  const n = o.stages.length;
  const x = ctx.tensor(op.inputs[0]!);
  if (x.dtype !== 'int8') throw ctx.error(i, op, `supports int8 only, got ${x.dtype}`);
  let geo: RowChainStageGeometry[];
  try { geo = rowChainOpGeometry(ctx.graph, op); } catch (e) { throw ctx.error(i, op, (e as Error).message); }
  if (geo.some((g) => g.outH > 32767)) throw ctx.error(i, op, 'maps taller than 32767 rows are not supported');
  include(ctx, INCLUDE);
  // Stage s's output quantization: its working rows (the last stage's: the last row with an
  // end, else the chain's output).
  const quantOf = (s: number): Tensor => ctx.tensor(op.outputs[s < n - 1 ? 1 + s : (o.end ? n : 0)]!);
  const kernels = new Set<string>(['tr_row_chain_s8']);
  const lower = (s: number, mode: StageMode): StageC => {
    const c = lowerStage(ctx, i, op, s, geo[s]!, s === 0 ? x : quantOf(s - 1), quantOf(s), mode);
    kernels.add(c.listed ?? (c.kernel.startsWith('tr_') ? c.kernel : c.kernel.endsWith('dw1chw') ? 'tr_dw1ch_wide_layer' : 'tr_conv_wide_layer'));
    return c;
  };
  // Driver stages: one per chain stage, except a pixel pair (ir/row-chain.ts `pixel`) is one.
  const stages: string[] = [];
  for (let s = 0; s < n; s++) {
    const g = geo[s]!;
    const pair = g.pixel;
    const c = lower(s, pair ? 'pixels' : 'rows');
    const conv = c.kernelField === 'conv';
    const outS = pair ? s + 1 : s;
    const og = geo[outS]!;
    const buf = outS < n - 1 ? ctx.ptr(op.outputs[1 + outS]!, { write: true }) : 'NULL';
    let pixel = '0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL';
    if (pair) {
      const pw = lower(s + 1, 'pixel');
      if (pw.kernelField !== 'conv') throw ctx.error(i, op, `stage ${s + 1} of a pixel pair is not a conv`);
      pixel = `${g.outW}, ${g.strideW}, ${g.padLeft}, ${g.inC}, ${og.outC}, ${ctx.ptr(op.outputs[1 + s]!, { write: true })}, &${pw.rowsField}, ${pw.kernel}, ${pw.filter}, ${pw.bias}`;
    }
    stages.push(`{ ${g.inH}, ${og.outH}, ${g.strideH}, ${g.padTop}, ${g.kH}, ${g.inW * g.inC}, ${og.outW * og.outC}, ` +
      `${conv ? c.rowsField : 'NULL'}, ${conv ? 'NULL' : c.rowsField}, ${conv ? c.kernel : 'NULL'}, ${conv ? 'NULL' : c.kernel}, ${c.filter}, ${c.bias}, ${buf}, ${pixel}, ${c.row ?? 'NULL'} }`);
    if (pair) s++;
  }
  const stagesName = ctx.name(i, 'stages');
  ctx.decls.push(`static const tr_row_stage_t ${stagesName}[${stages.length}] = {\n  ${stages.join(',\n  ')}\n};\n`);
  const last = geo[n - 1]!;
  const y = ctx.tensor(op.outputs[0]!);
  let endFields = 'TR_ROW_END_NONE, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL';
  let acc = 'NULL';
  if (o.end) {
    const lastRow = ctx.ptr(op.outputs[n]!, { write: true });
    acc = ctx.ptr(op.outputs[n + 1]!, { write: true });
    const yq = perTensorQuant(ctx, i, op, y);
    const clamp = int8Clamp(o.end.options.activation, yq.scale, yq.zeroPoint);
    if (o.end.kind === 'AVERAGE_POOL_2D') {
      const rowName = ctx.name(i, 'pool_row'); const finName = ctx.name(i, 'pool_finish');
      const perPixel = poolPerPixel(geo, o);
      const w = perPixel ? 1 : last.outW;
      ctx.decls.push(`static const tr_partial_pool_s8_params_t ${rowName} = { ${viewInit(1, 1, w, last.outC, w * last.outC, w * last.outC, last.outC)} };\n`);
      ctx.decls.push(`static const tr_partial_pool_finish_s8_params_t ${finName} = { ${last.outC}, ${last.outH * last.outW}, ${clamp.min}, ${clamp.max} };\n`);
      endFields = `TR_ROW_END_POOL, ${lastRow}, ${perPixel ? 1 : 0}, &${rowName}, &${finName}, NULL, NULL, 0, NULL, NULL, NULL`;
      kernels.add('tr_partial_pool_sum_s8').add('tr_partial_pool_finish_s8');
    } else {
      const wId = op.inputs[1 + 2 * n]!; const bId = op.inputs[2 + 2 * n]!;
      const w = ctx.tensor(wId);
      if (!w.quant) throw ctx.error(i, op, `FC weights "${w.name}" are not quantized`);
      const xq = perTensorQuant(ctx, i, op, quantOf(n - 1)); const wq = perTensorQuant(ctx, i, op, w);
      const units = w.shape[0]!; const rowK = last.outW * last.outC;
      const wv = constValues(w);
      // the model's bias is emitted on use only (the row functions add their folded one)
      const bias = () => (bId >= 0 ? ctx.ptr(bId) : 'NULL');
      // 'speed': a generated row function with the untiled FC's kernel (lower-row-chain-rows.ts), else the partial-sum kernels
      const rowFn = fcEndRowFunction(ctx, { name: (what) => ctx.name(i, what), weights: wv, units, rows: last.outH, rowK,
        bias: bId >= 0 ? constValues(ctx.tensor(bId)) : undefined, inZeroPoint: xq.zeroPoint, filterZeroPoint: wq.zeroPoint });
      let rowFields: string;
      if (rowFn) {
        rowFields = `NULL, NULL, 0, ${rowFn.bias}`;
        kernels.add(rowFn.kernel);
      } else {
        // [units][rows * rowK] -> [rows][units][rowK]: each row's slice of every unit contiguous
        const reordered: number[] = [];
        for (let r = 0; r < last.outH; r++) for (let u = 0; u < units; u++) for (let k = 0; k < rowK; k++) reordered.push(wv[u * last.outH * rowK + r * rowK + k]!);
        const wName = ctx.name(i, 'fc_weights');
        ctx.decls.push(intArray(wName, 'int8_t', reordered));
        // The pure dot product of the fast kernel needs a zero filter offset (as lower-partial.ts).
        const fast = ctx.variant === 'optimized' && wq.zeroPoint === 0;
        let init = '';
        if (fast) {
          init = ctx.name(i, 'fc_acc_init');
          const terms: number[] = [];
          for (let r = 0; r < last.outH; r++) terms.push(...sliceOffsetTerms(reordered.slice(r * units * rowK, (r + 1) * units * rowK), units, -xq.zeroPoint));
          ctx.decls.push(intArray(init, 'int32_t', terms));
        }
        const rowsName = ctx.name(i, 'fc_rows');
        const ref = `{ 1, ${rowK}, ${units}, ${cInt(-xq.zeroPoint)}, ${cInt(-wq.zeroPoint)} }`;
        ctx.decls.push(`static const tr_partial_fc_s8_fast_params_t ${rowsName}[${last.outH}] = {\n  ${Array.from({ length: last.outH }, (_, r) => `{ ${ref}, ${fast ? `${init} + ${r * units}` : 'NULL'} }`).join(',\n  ')}\n};\n`);
        rowFields = `${rowsName}, ${wName}, ${units * rowK}, ${bias()}`;
        kernels.add('tr_partial_fc_s8_fast');
      }
      const { multipliers, shifts } = perChannelMultipliers(xq.scale, w.quant.scale, yq.scale, units);
      const multName = ctx.name(i, 'fc_mult'); const shiftName = ctx.name(i, 'fc_shift');
      ctx.decls.push(intArray(multName, 'int32_t', multipliers), intArray(shiftName, 'int32_t', shifts));
      let fscale = 'NULL';
      if (ctx.arithmetic === 'xnnpack') {
        fscale = ctx.name(i, 'fc_fscale');
        ctx.decls.push(floatArray(fscale, fp32RequantScales(xq.scale, w.quant.scale, yq.scale, units)));
      }
      const rqName = ctx.name(i, 'fc_requant');
      ctx.decls.push(`static const tr_partial_requant_s8_params_t ${rqName} = { ${units}, ${units}, ${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max}, ${multName}, ${shiftName}, ${fscale} };\n`);
      endFields = `TR_ROW_END_FC, ${lastRow}, 0, NULL, NULL, ${rowFields}, &${rqName}, ${rowFn ? rowFn.fn : 'NULL'}`;
      kernels.add('tr_partial_requant_s8');
    }
  }
  const pName = ctx.name(i, 'params');
  // The arena addresses are constants of the generated model: in the params, the driver keeps
  // only the struct's pointer live under the kernels.
  const io = `${ctx.ptr(op.inputs[0]!)}, ${ctx.ptr(op.outputs[0]!, { write: true })}, ${acc}, ${ctx.ptr(op.outputs[op.outputs.length - 1]!, { write: true })}`;
  ctx.decls.push(`static const tr_row_chain_params_t ${pName} = { ${stages.length}, ${stagesName}, ${io}, ${endFields} };\n`);
  return {
    statements: [`tr_row_chain_s8(&${pName});`],
    kernels: [...kernels],
  };
}
