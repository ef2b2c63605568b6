// The AoT backend: a planned graph in, one C file out (tr_model.h implemented over the C kernel
// library). Weights and every precomputed quantization parameter are const data (flash); every
// activation lives at its planned offset in one static arena; tr_model_invoke is one kernel
// call per op in the plan's schedule order. Same graph + plan + options -> same bytes.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelError, type DType, type Graph, type Op, type OpKind } from '../../ir/graph.ts';
import type { MemoryPlan } from '../../plan/types.ts';
import { cString } from './c-emit.ts';
import { profileSource, profileStamp } from './profile.ts';
import { commentText, LowerContext, type AotArithmetic, type KernelVariant, type Lowered } from './context.ts';
export type { AotArithmetic } from './context.ts';
import { lowerConv, lowerFullyConnected } from './lower-conv.ts';
import { lowerBinary, lowerCast, lowerPool, lowerQuantize, lowerSoftmax, lowerUnary } from './lower-elementwise.ts';
import { lowerConcat, lowerGather, lowerMean, lowerPad, lowerReshape, lowerSlice } from './lower-movement.ts';
import { lowerPartialSum, lowerPartialSumRequantize } from './lower-partial.ts';
import { lowerResidualBlock } from './lower-residual.ts';
import { lowerRowChain } from './lower-row-chain.ts';
import { OPTIMIZE_GOALS, type OptimizeGoal } from '../../../wire/vocabulary.ts';

const RUNTIME_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'runtime');

/** Folder with tr_model.h, tr_kernels.h and the kernels' private headers. */
export const KERNEL_INCLUDE_DIR = join(RUNTIME_DIR, 'include');

/** Include dirs the generated code and the kernels need (for the build pipeline). */
export function kernelIncludeDirs(): string[] {
  return [KERNEL_INCLUDE_DIR];
}

/** Absolute paths of every C kernel file (reference and optimized variants), sorted. */
export function kernelSources(): string[] {
  const dir = join(RUNTIME_DIR, 'kernels');
  return readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => join(dir, f));
}

export type Isa = 'armv7em' | 'armv6m' | 'rv32' | 'host' | (string & {});

export interface BoardFeatures {
  /** Cortex-M4/M7 DSP extension (SMLAD, SXTB16); the optimized kernels use it when the
   * compiler targets it (__ARM_FEATURE_DSP), else a portable C emulation of the same steps. */
  dsp?: boolean;
  /** Hardware float (informational: float kernels are plain C either way). */
  fpu?: boolean;
  isa?: Isa;
}

export interface AotOptions {
  modelName: string;
  boardFeatures?: BoardFeatures;
  /** 'optimized' (default) selects the fast kernel variants where an op has one. */
  kernels?: KernelVariant;
  /** Integer arithmetic of the int8 kernels: 'reference' (default) = TFLite-Micro's fixed-point
   * requantization, no float in int8 paths; 'xnnpack' = TensorFlow Lite's XNNPACK CPU path
   * (float32 requantization in CONV/DEPTHWISE/FC/MUL/QUANTIZE/MEAN, XNNPACK's ADD), which gives
   * outputs identical to real TFLite and the model-set golden files. Needs float32 arithmetic
   * (hardware FPU or soft-float). */
  arithmetic?: AotArithmetic;
  /** Per-op profile (tr_profile.h): a counter read before the first op and after every op, kept
   * in RAM and printed by the harness after the timed inferences. Needs the firmware harness. */
  profileOps?: boolean;
  /** 'speed' (default): per-layer kernels with weights laid out for them (pre-widened int16
   * pairs on DSP targets, more weight ROM); 'size': int8 weights as the model has them. */
  optimize?: OptimizeGoal;
}

export interface AotOutput {
  /** Relative path -> contents. */
  files: Record<string, string>;
  /** Bytes of the static activation arena. */
  arenaBytes: number;
  /** Flags the generated code and kernels must be compiled with. */
  cFlags: string[];
  /** Kernel functions the model calls, sorted (for reports). */
  kernels: string[];
}

/** Flags for every build of the generated code: the float kernels (and the int8 softmax's
 * float table) must not be contracted into FMAs to stay bit-exact with the interpreter. */
export const AOT_CFLAGS = ['-std=c99', '-ffp-contract=off'];

/** GCC inlines a static function called once (the per-op specialised kernels) into
 * tr_model_invoke only until the caller reaches its growth limit, so which ops are inlined —
 * and how fast they run — shifted with the size of the model and with the per-op counter reads
 * (measured on vww: up to 146,034 RV32 instructions, 0.4 %). Keeping every op in its own
 * function makes an op's code independent of its neighbours, and the profiled build run the
 * same op code as the unprofiled one. Small helpers are still inlined (-finline-small-functions). */
const INLINE_PRAGMA = `#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("no-inline-functions-called-once")
#endif
`;

type Lowering = (ctx: LowerContext, i: number, op: Op) => Lowered;

const LOWERINGS: Record<OpKind, Lowering> = {
  CONV_2D: (c, i, op) => lowerConv(c, i, op as Op<'CONV_2D'>),
  DEPTHWISE_CONV_2D: (c, i, op) => lowerConv(c, i, op as Op<'DEPTHWISE_CONV_2D'>),
  FULLY_CONNECTED: (c, i, op) => lowerFullyConnected(c, i, op as Op<'FULLY_CONNECTED'>),
  AVERAGE_POOL_2D: (c, i, op) => lowerPool(c, i, op as Op<'AVERAGE_POOL_2D'>),
  MAX_POOL_2D: (c, i, op) => lowerPool(c, i, op as Op<'MAX_POOL_2D'>),
  ADD: (c, i, op) => lowerBinary(c, i, op as Op<'ADD'>),
  MUL: (c, i, op) => lowerBinary(c, i, op as Op<'MUL'>),
  RESHAPE: lowerReshape,
  SQUEEZE: lowerReshape,
  SOFTMAX: (c, i, op) => lowerSoftmax(c, i, op as Op<'SOFTMAX'>),
  PAD: (c, i, op) => lowerPad(c, i, op as Op<'PAD'>),
  CONCATENATION: (c, i, op) => lowerConcat(c, i, op as Op<'CONCATENATION'>),
  STRIDED_SLICE: (c, i, op) => lowerSlice(c, i, op as Op<'STRIDED_SLICE'>),
  SLICE: (c, i, op) => lowerSlice(c, i, op as Op<'SLICE'>),
  MEAN: (c, i, op) => lowerMean(c, i, op as Op<'MEAN'>),
  QUANTIZE: (c, i, op) => lowerQuantize(c, i, op as Op<'QUANTIZE'>),
  DEQUANTIZE: (c, i, op) => lowerQuantize(c, i, op as Op<'DEQUANTIZE'>),
  LOGISTIC: (c, i, op) => lowerUnary(c, i, op as Op<'LOGISTIC'>),
  TANH: (c, i, op) => lowerUnary(c, i, op as Op<'TANH'>),
  GATHER: (c, i, op) => lowerGather(c, i, op as Op<'GATHER'>),
  CAST: (c, i, op) => lowerCast(c, i, op as Op<'CAST'>),
  PARTIAL_SUM: (c, i, op) => lowerPartialSum(c, i, op as Op<'PARTIAL_SUM'>),
  PARTIAL_SUM_REQUANTIZE: (c, i, op) => lowerPartialSumRequantize(c, i, op as Op<'PARTIAL_SUM_REQUANTIZE'>),
  RESIDUAL_BLOCK: (c, i, op) => lowerResidualBlock(c, i, op as Op<'RESIDUAL_BLOCK'>),
  ROW_CHAIN: (c, i, op) => lowerRowChain(c, i, op as Op<'ROW_CHAIN'>),
};

const TR_DTYPE: Partial<Record<DType, string>> = {
  float32: 'TR_DT_FLOAT32', int8: 'TR_DT_INT8', uint8: 'TR_DT_UINT8', int16: 'TR_DT_INT16', int32: 'TR_DT_INT32', bool: 'TR_DT_UINT8',
};

/** Arena offset of every planned tensor, aliases resolved to their root's buffer. */
export function tensorOffsets(graph: Graph, plan: MemoryPlan): Map<number, number> {
  const offsets = new Map<number, number>();
  for (const b of plan.buffers) {
    if (b.kind !== 'activation' || b.tensor === undefined) continue;
    if (b.offset < 0 || b.offset + b.size > plan.peakBytes) {
      throw new ModelError(`memory plan places tensor ${b.tensor} at ${b.offset}+${b.size}, outside the ${plan.peakBytes}-byte arena`, { tensor: b.tensor });
    }
    offsets.set(b.tensor, b.offset);
  }
  // A tiling plan (firmware/tiling TiledPlan) also carries every tensor's offset directly,
  // in-place concatenation tiles included.
  const direct = (plan as MemoryPlan & { tensorOffsets?: unknown }).tensorOffsets;
  if (direct instanceof Map) {
    for (const [t, off] of direct as Map<number, number>) if (!offsets.has(t)) offsets.set(t, off);
  }
  for (const [t, root] of Object.entries(plan.aliases ?? {})) {
    const off = offsets.get(root);
    if (off === undefined) throw new ModelError(`memory plan aliases tensor ${t} to tensor ${root}, which has no buffer`, { tensor: Number(t) });
    offsets.set(Number(t), off);
  }
  return offsets;
}

function ioTable(ctx: LowerContext, ids: readonly number[], what: string): { ptrs: string[]; bytes: number[]; dtypes: string[] } {
  const ptrs: string[] = []; const bytes: number[] = []; const dtypes: string[] = [];
  for (const id of ids) {
    const t = ctx.tensor(id);
    const dt = TR_DTYPE[t.dtype];
    if (!dt) throw new ModelError(`model ${what} tensor ${id} "${t.name}" has dtype ${t.dtype}, which tr_model.h cannot describe`, { tensor: id });
    if (t.data !== undefined) throw new ModelError(`model ${what} tensor ${id} "${t.name}" is a constant`, { tensor: id });
    ptrs.push(`tr_arena + ${ctx.arenaOffset(id)}`);
    bytes.push(t.shape.reduce((a, b) => a * b, 1) * ({ float32: 4, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1 } as const)[t.dtype]);
    dtypes.push(dt);
  }
  return { ptrs, bytes, dtypes };
}

export function generateAot(graph: Graph, plan: MemoryPlan, opts: AotOptions): AotOutput {
  if (!/^[A-Za-z0-9_.-]+$/.test(opts.modelName)) throw new Error(`model name "${opts.modelName}" must be letters, digits, '_', '.' or '-'`);
  const order = plan.order.length === graph.ops.length ? plan.order : (() => {
    throw new ModelError(`memory plan schedules ${plan.order.length} ops, graph has ${graph.ops.length}`);
  })();
  const variant: KernelVariant = opts.kernels ?? 'optimized';
  const arithmetic: AotArithmetic = opts.arithmetic ?? 'reference';
  if (arithmetic !== 'reference' && arithmetic !== 'xnnpack') throw new Error(`unknown arithmetic "${String(arithmetic)}" (use reference or xnnpack)`);
  if (variant !== 'reference' && variant !== 'optimized') throw new Error(`unknown kernel variant "${String(variant)}" (use optimized or reference)`);
  const optimize: OptimizeGoal = opts.optimize ?? 'speed';
  if (!OPTIMIZE_GOALS.includes(optimize)) throw new Error(`unknown optimize goal "${String(optimize)}" (use ${OPTIMIZE_GOALS.join(' or ')})`);
  const ctx = new LowerContext(graph, tensorOffsets(graph, plan), variant, arithmetic, optimize, opts.boardFeatures ?? {});
  const body: string[] = [];
  const kernels = new Set<string>();
  const profiled: Array<{ op: number; kind: string }> = [];
  for (const opIndex of order) {
    const op = graph.ops[opIndex];
    if (!op) throw new ModelError(`memory plan schedules op ${opIndex}, which does not exist`);
    const lower = LOWERINGS[op.kind];
    if (!lower) throw new ModelError(`op ${opIndex} (${op.kind} "${op.name}"): not supported by the AoT backend`, { op: opIndex, opKind: op.kind });
    const out = lower(ctx, opIndex, op);
    body.push(`  /* op ${opIndex}: ${op.kind} ${commentText(op.name)} */`);
    for (const s of out.statements) body.push(`  ${s}`);
    if (opts.profileOps) {
      profiled.push({ op: opIndex, kind: op.kind });
      body.push(`  ${profileStamp(profiled.length)}`);
    }
    out.kernels.forEach((k) => kernels.add(k));
  }
  const arenaBytes = Math.max(16, Math.ceil(plan.peakBytes / 16) * 16);
  const ins = ioTable(ctx, graph.inputs, 'input');
  const outs = ioTable(ctx, graph.outputs, 'output');
  const list = (xs: readonly (string | number)[]) => (xs.length ? xs.join(', ') : '0');

  const profile = opts.profileOps ? profileSource(profiled) : '';
  const c = `/* Generated by tinyrack codegen/aot for model ${opts.modelName} (${variant} kernels, ${arithmetic} arithmetic). Do not edit. */
#include <stddef.h>
#include <stdint.h>
#include "tr_model.h"
#include "tr_kernels.h"
${INLINE_PRAGMA}
#define TR_ARENA_BYTES ${arenaBytes}u
static uint8_t tr_arena[TR_ARENA_BYTES] __attribute__((aligned(16)));

${profile}${ctx.decls.join('\n')}
static uint8_t *const tr_inputs[${Math.max(1, ins.ptrs.length)}] = { ${ins.ptrs.length ? ins.ptrs.join(', ') : 'NULL'} };
static const size_t tr_input_bytes[${Math.max(1, ins.bytes.length)}] = { ${list(ins.bytes)} };
static const tr_dtype_t tr_input_dtypes[${Math.max(1, ins.dtypes.length)}] = { ${ins.dtypes.length ? ins.dtypes.join(', ') : 'TR_DT_INT8'} };
static uint8_t *const tr_outputs[${Math.max(1, outs.ptrs.length)}] = { ${outs.ptrs.length ? outs.ptrs.join(', ') : 'NULL'} };
static const size_t tr_output_bytes[${Math.max(1, outs.bytes.length)}] = { ${list(outs.bytes)} };
static const tr_dtype_t tr_output_dtypes[${Math.max(1, outs.dtypes.length)}] = { ${outs.dtypes.length ? outs.dtypes.join(', ') : 'TR_DT_INT8'} };

static const tr_model_info_t tr_info = {
  ${cString(opts.modelName)}, "aot", TR_ARENA_BYTES, ${ins.ptrs.length}, ${outs.ptrs.length}
};

const tr_model_info_t *tr_model_info(void) { return &tr_info; }
int tr_model_init(void) { return 0; }
void *tr_model_input(int i) { return (i >= 0 && i < ${ins.ptrs.length}) ? tr_inputs[i] : NULL; }
size_t tr_model_input_bytes(int i) { return (i >= 0 && i < ${ins.ptrs.length}) ? tr_input_bytes[i] : 0; }
tr_dtype_t tr_model_input_dtype(int i) { return tr_input_dtypes[(i >= 0 && i < ${ins.ptrs.length}) ? i : 0]; }
const void *tr_model_output(int i) { return (i >= 0 && i < ${outs.ptrs.length}) ? tr_outputs[i] : NULL; }
size_t tr_model_output_bytes(int i) { return (i >= 0 && i < ${outs.ptrs.length}) ? tr_output_bytes[i] : 0; }
tr_dtype_t tr_model_output_dtype(int i) { return tr_output_dtypes[(i >= 0 && i < ${outs.ptrs.length}) ? i : 0]; }
uint32_t tr_model_heap_bytes(void) { return 0; }

int tr_model_invoke(void) {
${opts.profileOps ? `  ${profileStamp(0)}\n` : ''}${body.join('\n')}
  return 0;
}
`;
  const cFlags = [...AOT_CFLAGS];
  return { files: { 'tr_model_aot.c': c }, arenaBytes, cFlags, kernels: [...kernels].sort() };
}
