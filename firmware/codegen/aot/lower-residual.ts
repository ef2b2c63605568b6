// RESIDUAL_BLOCK (ir/graph.ts, firmware/tiling/residual-rows.ts): one call of the row driver
// tr_residual_rows_s8 (tr_residual_rows.h). Each convolution (A, B and the projection S) gets the same weights, per-channel
// requantization and (optimized) folded bias / zero-point row as lowerConv would emit, and one
// params struct per distinct row window (height, top padding): borders differ, interior rows
// share one. The library kernels take views, so a row is just a window. With the "speed" goal
// on DSP targets a conv runs tr_conv_wide_layer (weights pre-widened, as lowerConv emits it for
// a whole map) through a small wrapper with the library kernels' signature: it too reads the
// geometry from the row's params; its window buffers (3 bytes a window value) are stack. On
// cores without DSP a conv runs the register-blocked kernel lower-scalar.ts picks for the whole
// map with the same requantization: the quad kernel (tr_conv_quad_rv32.h, tr_requant_rv32.h's
// form where proven) in its row form (tr_conv_quad_row_rv32.h) whose function has the library
// signature, each row window with its own border units (rv32-quad-rows.ts: clipped-row quads,
// edge units on the first and last four pixels, where the untiled walker runs border quads
// down its first and last columns four rows at a time), or the pair kernel (tr_conv_rv32.h) /
// tr_gemm_scalar.h through a wrapper. Issue 11 (FDT-tiled builds within 1 % of untiled): resnet
// on qemu-riscv32-virt 37,923,635 -> 32,205,177 instructions with the row units, the untiled
// build 34,173,147 (its border columns' quads leave the corners and the rows below its last
// four-row group single; the rows' edge units cover every border pixel); the held rows' slides
// cost 37,471 of them (measured with the slide left out).
import { type Conv2DOptions, type Op, type Tensor } from '../../ir/graph.ts';
import { perChannelMultipliers } from '../../ir/quant.ts';
import { leadingPad, sameRowPads } from '../../ir/shape.ts';
import { cInt, constValues, intArray } from './c-emit.ts';
import type { LowerContext, Lowered } from './context.ts';
import { int8Clamp, perTensorQuant, requantTables, viewInit } from './lower-common.ts';
import { foldedBias } from './lower-conv.ts';
import { conv1x1WideLayout, scalarBlockLayout, wordArray } from './kernel-layout.ts';
import { int8BinaryFields } from './lower-elementwise.ts';
import { lowerScalarConv, type RqMode, type ScalarConvLayer } from './lower-scalar.ts';
import { addRv32Function } from './lower-add-rv32.ts';
import { quadRowUnits, rowWindows, type RowWindow } from './rv32-quad-rows.ts';

const INCLUDE = '#include "tr_residual_rows.h"\n';
/** Same texts as lowerConv's, so each header is included once. */
const CONV_WIDE_INCLUDE = '#include "tr_conv_wide.h"\n';
const GEMM_SCALAR_INCLUDE = '#include "tr_gemm_scalar.h"\n';
/** Largest window the wide kernel gathers per pixel on the stack (as lowerConv). */
const CONV_WIDE_MAX_K = 1024;

/** A conv's per-row params table, the function the driver calls per row, its filter and bias
 * arguments ("NULL" where the function reads its own layout) and the kernels it runs. */
interface RowConv { table: string; filter: string; bias: string; kernel: string; kernels: string[] }

/** Emits one conv's constant data and per-row params table (input x, output rows of y). */
function rowConv(ctx: LowerContext, i: number, op: Op, tag: string, x: Tensor, wId: number, bId: number, y: Tensor,
  o: Conv2DOptions, windows: RowWindow[], buffers: { inId: number; outId: number }): RowConv {
  const w = ctx.tensor(wId);
  if (!w.quant) throw ctx.error(i, op, `filter "${w.name}" is not quantized`);
  const [, , inW, inC] = x.shape as [number, number, number, number];
  const [, , outW] = y.shape as [number, number, number, number];
  const [outC, kH, kW] = w.shape as [number, number, number, number];
  const xq = perTensorQuant(ctx, i, op, x); const yq = perTensorQuant(ctx, i, op, y);
  const { multipliers, shifts } = perChannelMultipliers(xq.scale, w.quant.scale, yq.scale, outC);
  const clamp = int8Clamp(o.activation, yq.scale, yq.zeroPoint);
  const name = (what: string) => ctx.name(i, `${tag}_${what}`);
  ctx.decls.push(intArray(name('mult'), 'int32_t', multipliers), intArray(name('shift'), 'int32_t', shifts));
  let folded = 'NULL'; let padRow = 'NULL'; let biasFolded: number[] = [];
  const bt = bId >= 0 ? ctx.tensor(bId) : undefined;
  if (ctx.variant === 'optimized') {
    folded = name('bias_folded');
    biasFolded = foldedBias(constValues(w), outC, kH * kW * inC, bt ? constValues(bt) : undefined, -xq.zeroPoint, 0);
    ctx.decls.push(intArray(folded, 'int32_t', biasFolded));
    padRow = name('pad_row');
    ctx.decls.push(intArray(padRow, 'int8_t', new Array<number>(kW * inC).fill(xq.zeroPoint)));
  }
  // requantTables names its arrays after the op: give it this conv's own prefix.
  const tagged = Object.create(ctx, { name: { value: (_op: number, what: string) => name(what) } }) as LowerContext;
  const rqt = requantTables(tagged, i, xq.scale, w.quant.scale, yq.scale, outC, multipliers, shifts);
  const padLeft = leadingPad(o.padding, inW, kW, o.strideW, 1, outW);
  const table = name('rows');
  /** The params struct of each distinct window and the per-row table; with `units` (per output
   * row, its window's tr_rvq_row_t: the quad walker's row form) each struct is the
   * tr_rvq_row_params_t holding the library params and the window's units. */
  const paramsTable = (units?: string[]): string[] => {
    const structs = new Map<string, string>();
    const entries = windows.map((win, r) => {
      const key = `${win.rows}_${win.padTop}`;
      let s = structs.get(key);
      if (s === undefined) {
        s = name(`row${structs.size}`);
        structs.set(key, s);
        const conv = `${viewInit(1, win.rows, inW, inC, win.rows * inW * inC, inW * inC, inC)}, ` +
          `${viewInit(1, 1, outW, outC, outW * outC, outW * outC, outC)}, ${kH}, ${kW}, ${o.strideH}, ${o.strideW}, 1, 1, ${win.padTop}, ${padLeft}, ` +
          `${cInt(-xq.zeroPoint)}, ${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max}, ${name('mult')}, ${name('shift')}, ${folded}, ${padRow}, ${rqt.rq}, ${rqt.fscale}`;
        ctx.decls.push(units ? `static const tr_rvq_row_params_t ${s} = { { ${conv} }, &${units[r]} };\n` : `static const tr_conv_s8_params_t ${s} = { ${conv} };\n`);
      }
      return units ? `&${s}.conv` : `&${s}`;
    });
    ctx.decls.push(`static const tr_conv_s8_params_t *const ${table}[${entries.length}] = { ${entries.join(', ')} };\n`);
    return entries;
  };
  const windowK = kH * kW * inC;
  if (ctx.scalarBlockKernels && !(inC === 1 && outC === 1)) {
    // cores without DSP: the register-blocked kernel lowerConv would pick for the whole map
    // (lower-scalar.ts decides on the whole map's geometry, as the untiled build does, with the
    // same rq32 source, so the same layers take tr_requant_rv32.h's form), called per row. The
    // quad kernel's walker has a row form (tr_conv_quad_row_rv32.h) whose function takes the
    // library kernels' signature itself (rowFn: the driver calls it directly with the row's
    // params, which name the window's units: rv32-quad-rows.ts); the gathering variant's row
    // function likewise, on the plain params. The others' statement names the params as
    // `&${params}`: given "(*p)" it reads the row's params the driver passes, inside a wrapper
    // with that signature. The one-channel kernel (excluded above) would reference its params
    // from file scope instead. The block's working rows overlap nothing
    // (plan/streaming.ts residualBlockRule), so the quad kernel's 4-pixel lag never matters here.
    // gemm: false, the walker takes 1x1 convs too (the GEMM's pixel count is the whole map's).
    const [, inH] = x.shape as [number, number];
    // the map's rows (one window each), not y's: conv B's and the projection's y is one row
    const outH = windows.length;
    const rowFn = name('convq');
    const layer: ScalarConvLayer = {
      opIndex: i, params: '(*p)', ohwi: constValues(w), batches: 1, inH, inW, inC, outH, outW, outC, kH, kW,
      strideH: o.strideH, strideW: o.strideW, dilationH: o.dilationH, dilationW: o.dilationW,
      padTop: windows[0]!.padTop, padLeft, gemm: false, reverse: false, mode: rqMode(rqt), inPtr: 'in', outPtr: 'out',
      rq32: { multipliers, shifts, zeroPoint: yq.zeroPoint, clampMin: clamp.min, clampMax: clamp.max, biasFolded },
      inId: buffers.inId, outId: buffers.outId, rowFn, inZeroPoint: xq.zeroPoint,
    };
    const scalar = lowerScalarConv(tagged, layer);
    if (scalar?.quadRow) {
      // the walker's row form: each window's units (border quads per row), then its params
      paramsTable(quadRowUnits(tagged, layer, scalar.quadRow, windows, folded));
      return { table, filter: 'NULL', bias: 'NULL', kernel: rowFn, kernels: scalar.kernels };
    }
    if (scalar && scalar.statements.length === 1 && scalar.statements[0] === `${rowFn}(p, in, filter, bias, out);`) {
      // the gathering quad kernel's row function: already the library signature, no wrapper
      paramsTable();
      return { table, filter: 'NULL', bias: 'NULL', kernel: rowFn, kernels: scalar.kernels };
    }
    if (scalar) {
      paramsTable();
      const kernel = name('convrv');
      ctx.decls.push(`static void ${kernel}(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias, int8_t *out) {\n` +
        `  (void)filter; (void)bias;\n  ${scalar.statements.join('\n  ')}\n}\n`);
      // the wrapper reads its own weight layout and the folded bias: no int8 filter in flash
      return { table, filter: 'NULL', bias: 'NULL', kernel, kernels: scalar.kernels };
    }
  }
  const entries = paramsTable();
  if (ctx.scalarBlockKernels && kH === 1 && kW === 1 && o.strideH === 1 && o.strideW === 1 && inW === outW) {
    // a 1x1 stride-1 conv the blocked kernels declined (e.g. under xnnpack's fp32): lowerConv's
    // tr_gemm_scalar.h (2 pixels x 4 channels), over the row's pixels
    if (!ctx.decls.includes(GEMM_SCALAR_INCLUDE)) ctx.decls.unshift(GEMM_SCALAR_INCLUDE);
    const blocked = name('filter_blocked');
    ctx.decls.push(intArray(blocked, 'int8_t', scalarBlockLayout(constValues(w), outC, inC)));
    const kernel = name('conv1x1s');
    ctx.decls.push(`static __attribute__((noinline, noipa)) void ${kernel}(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias, int8_t *out) {\n` +
      `  (void)filter; (void)bias;\n  tr_conv1x1_s4_layer(p, in, ${blocked}, out, ${outW}, ${inC}, ${outC}, ${rqMode(rqt)}, 0);\n}\n`);
    return { table, filter: 'NULL', bias: 'NULL', kernel, kernels: ['tr_conv1x1_s4_layer'] };
  }
  if (ctx.wideKernels && windowK <= CONV_WIDE_MAX_K && outC >= 4) {
    if (!ctx.decls.includes(CONV_WIDE_INCLUDE)) ctx.decls.unshift(CONV_WIDE_INCLUDE);
    const mode = rqMode(rqt);
    const wide = name('filter_wide');
    ctx.decls.push(wordArray(wide, conv1x1WideLayout(constValues(w), outC, windowK)));
    const kernel = name('convw');
    const k4 = Math.ceil(windowK / 4) * 4;
    const layer = (params: string) => `tr_conv_wide_layer(${params}, in, ${wide}, out, gbuf, xw, ${kH}, ${kW}, ${inC}, ${outC}, ${mode}, ` +
      `${cInt(yq.zeroPoint)}, ${clamp.min}, ${clamp.max});`;
    // The interior rows' params (the most rows) inlined as a constant: GCC then folds its
    // geometry into the loops as it does for the whole map's layer (lowerConv), which the
    // untiled build gains (measured on resnet, Cortex-M4: ~5k instructions a row without it).
    const common = mostUsed(entries);
    ctx.decls.push(`static __attribute__((noinline, noipa)) void ${kernel}(const tr_conv_s8_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias, int8_t *out) {\n` +
      `  int8_t gbuf[${k4}] __attribute__((aligned(4)));\n  uint32_t xw[${k4 / 2}];\n  (void)filter; (void)bias;\n` +
      `  if (p == &${common}) ${layer(`&${common}`)}\n  else ${layer('p')}\n}\n`);
    // the wrapper reads the pre-widened filter and the folded bias: no int8 filter in flash
    return { table, filter: 'NULL', bias: 'NULL', kernel, kernels: ['tr_conv_wide_layer'] };
  }
  const kernel = ctx.variant === 'optimized' ? 'tr_conv2d_s8_fast' : 'tr_conv2d_s8';
  return { table, filter: ctx.ptr(wId), bias: bt ? ctx.ptr(bId) : 'NULL', kernel, kernels: [kernel] };
}

/** The params struct most rows use ("&name" entries of a row table), without the "&". */
function mostUsed(entries: string[]): string {
  const n = new Map<string, number>();
  for (const e of entries) n.set(e, (n.get(e) ?? 0) + 1);
  return [...n].reduce((a, b) => (b[1] > a[1] ? b : a))[0].slice(1);
}

/** Requantization arithmetic of a conv's tables (tr_fixedpoint.h TR_RQ_*). */
function rqMode(rqt: { rq: string; fscale: string }): RqMode {
  return rqt.rq !== 'NULL' ? 'TR_RQ_SINGLE' : rqt.fscale !== 'NULL' ? 'TR_RQ_FP32' : 'TR_RQ_MBQM';
}

export function lowerResidualBlock(ctx: LowerContext, i: number, op: Op<'RESIDUAL_BLOCK'>): Lowered {
  const o = op.options;
  const [xId, wA, bA, wB, bB, wS = -1, bS = -1] = op.inputs as number[] as [number, number, number, number, number, number?, number?];
  const [wId, rowsId, zrowId, srowId = -1] = op.outputs as number[] as [number, number, number, number?];
  const x = ctx.tensor(xId); const rows = ctx.tensor(rowsId); const zrow = ctx.tensor(zrowId); const w = ctx.tensor(wId);
  if (x.shape.length !== 4 || x.shape[0] !== 1) throw ctx.error(i, op, `expects a batch-1 4-D input, got [${x.shape}]`);
  if (x.dtype !== 'int8') throw ctx.error(i, op, `supports int8 only, got ${x.dtype}`);
  const [, inH, inW, inC] = x.shape as [number, number, number, number];
  const [, outH, outW, c] = w.shape as [number, number, number, number];
  const cy = rows.shape[3]!;
  // The whole conv A output as conv B's input: its rows' quantization, the map's shape.
  const y: Tensor = { ...rows, shape: [1, outH, outW, cy] };
  const kA = ctx.tensor(wA).shape[1]!; const kB = ctx.tensor(wB).shape[1]!;
  const padATop = leadingPad('SAME', inH, kA, o.convA.strideH, 1, outH);
  const [padBTop, padBBottom] = sameRowPads(outH, kB);
  const a = rowConv(ctx, i, op, 'a', x, wA, bA, y, o.convA, rowWindows(inH, outH, kA, o.convA.strideH, padATop), { inId: xId, outId: rowsId });
  const b = rowConv(ctx, i, op, 'b', y, wB, bB, zrow, o.convB, rowWindows(outH, outH, kB, 1, padBTop), { inId: rowsId, outId: zrowId });
  let sConv: RowConv = { table: 'NULL', filter: 'NULL', bias: 'NULL', kernel: 'NULL', kernels: [] };
  let padSTop = 0; let skipT = x;
  if (o.convS) {
    const srow = ctx.tensor(srowId);
    const kS = ctx.tensor(wS).shape[1]!;
    padSTop = leadingPad(o.convS.padding, inH, kS, o.convS.strideH, 1, outH);
    sConv = rowConv(ctx, i, op, 's', x, wS, bS, srow, o.convS, rowWindows(inH, outH, kS, o.convS.strideH, padSTop), { inId: xId, outId: srowId });
    skipT = srow;
  }
  const addOp: Op<'ADD'> = { kind: 'ADD', inputs: [], outputs: [], options: o.add, name: op.name };
  const [in1, in2] = o.skipFirst ? [skipT, zrow] : [zrow, skipT];
  const rowStrides = `{ ${outW * c}, ${outW * c}, ${c}, 1 }`;
  const addName = ctx.name(i, 'add_row_params');
  ctx.decls.push(`static const tr_binary_params_t ${addName} = { { 1, 1, ${outW}, ${c} }, ${rowStrides}, ${rowStrides}, ${rowStrides}, ` +
    `${int8BinaryFields(ctx, i, addOp, in1, in2, w)} };\n`);
  // cores without DSP: the untiled ADD's table kernel over one row (tr_add_rv32.h: one
  // requantization per element instead of tr_add_s8's three 64-bit rescalings)
  const addRow = ctx.scalarBlockKernels ? addRv32Function(ctx, i, addOp, in1, in2, w, outW * c) : undefined;
  if (!ctx.decls.includes(INCLUDE)) ctx.decls.unshift(INCLUDE);
  const pName = ctx.name(i, 'params');
  ctx.decls.push(`static const tr_residual_rows_params_t ${pName} = { ${outH}, ${o.convA.strideH}, ${padATop}, ${padBTop}, ${padBBottom}, ` +
    `${o.convS ? o.convS.strideH : 1}, ${padSTop}, ${inW * inC}, ${outW * cy}, ${outW * c}, ${a.table}, ${b.table}, ${sConv.table}, ${a.kernel}, ${b.kernel}, ${sConv.kernel}, ` +
    `${a.filter}, ${b.filter}, ${sConv.filter}, ${a.bias}, ${b.bias}, ${sConv.bias}, &${addName}, ${o.skipFirst ? 1 : 0}, ${addRow ?? 'NULL'} };\n`);
  const srowPtr = o.convS ? ctx.ptr(srowId, { write: true }) : 'NULL';
  return {
    statements: [`tr_residual_rows_s8(&${pName}, ${ctx.ptr(xId)}, ${ctx.ptr(wId, { write: true })}, ${ctx.ptr(rowsId, { write: true })}, ${ctx.ptr(zrowId, { write: true })}, ${srowPtr});`],
    kernels: ['tr_residual_rows_s8', ...new Set([...a.kernels, ...b.kernels, ...sConv.kernels]), addRow ? 'tr_add_rv32_layer' : 'tr_add_s8'],
  };
}
