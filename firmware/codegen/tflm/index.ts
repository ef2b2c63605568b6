// The TensorFlow Lite Micro backend: the same tr_model.h contract as the AoT backend, but the
// model runs in tflite::MicroInterpreter. Generated: the .tflite bytes as an aligned C array,
// an op resolver with exactly the model's ops, a static arena, and the tr_model.h functions in
// C++. The same code serves TFLM's reference and CMSIS-NN kernels (the tree decides which are
// linked); firmware/build/tflm-tree.ts finds the tree and lists what to compile.
//
// Arena sizing (tflmArenaBytes): TFLM places activations itself. When the model carries
// "OfflineMemoryAllocation" metadata (a tiled model exported by firmware/tiling/export.ts), TFLM
// uses those offsets, so the activation part is our plan's peak; without it TFLM runs its greedy
// planner in model order, which plan/ reproduces byte for byte (test/plan/models.test.ts checks
// it against TFLM's planner figures). On top comes TFLM's persistent data, bounded from the
// sizes of the structures TFLM allocates per item on a 32-bit target, rounded up with margin
// (tflmOverheadBytes), and, for CMSIS-NN, the largest kernel scratch buffer CMSIS-NN asks for
// (cmsisNnScratchBytes). The firmware then reports what TFLM really used
// (MicroInterpreter::arena_used_bytes()) in every INF record's `arena` field: the sizing is a
// bound to fit the board, the report is the measurement.
import { ModelError, type Graph, type OpKind } from '../../ir/graph.ts';
import { writeModel } from '../../model/writer.ts';
import { planGraph } from '../../plan/plan-graph.ts';
import type { MemoryPlan } from '../../plan/types.ts';
import { cString, joinValues } from '../aot/c-emit.ts';
import { KERNEL_INCLUDE_DIR, type BoardFeatures } from '../aot/index.ts';
import { TFLM_PROFILER_ARG, TFLM_PROFILER_DECL, tflmProfilerSource } from './profiler.ts';

export const OFFLINE_PLAN_METADATA = 'OfflineMemoryAllocation';

/** MicroMutableOpResolver method per op kind. */
export const TFLM_RESOLVER_METHOD: Record<OpKind, string> = {
  CONV_2D: 'AddConv2D',
  DEPTHWISE_CONV_2D: 'AddDepthwiseConv2D',
  FULLY_CONNECTED: 'AddFullyConnected',
  AVERAGE_POOL_2D: 'AddAveragePool2D',
  MAX_POOL_2D: 'AddMaxPool2D',
  ADD: 'AddAdd',
  MUL: 'AddMul',
  RESHAPE: 'AddReshape',
  SOFTMAX: 'AddSoftmax',
  PAD: 'AddPad',
  CONCATENATION: 'AddConcatenation',
  STRIDED_SLICE: 'AddStridedSlice',
  SLICE: 'AddSlice',
  MEAN: 'AddMean',
  QUANTIZE: 'AddQuantize',
  DEQUANTIZE: 'AddDequantize',
  LOGISTIC: 'AddLogistic',
  TANH: 'AddTanh',
  GATHER: 'AddGather',
  CAST: 'AddCast',
  SQUEEZE: 'AddSqueeze',
  // Internal ops have no TFLite-Micro kernel (resolverOps reports them); tiling lowers them first.
  PARTIAL_SUM: '',
  PARTIAL_SUM_REQUANTIZE: '',
  RESIDUAL_BLOCK: '',
  ROW_CHAIN: '',
};

export interface TflmOptions {
  modelName: string;
  /** The .tflite to embed, byte for byte (e.g. with the tiling's offline plan).
   * Default: the graph serialized by firmware/model/writer.ts (its metadata included). */
  modelBytes?: Uint8Array;
  boardFeatures?: BoardFeatures;
  /** Backend name in the firmware's MODEL record (default 'tflm'). */
  backend?: string;
  /** Kernels the firmware links: CMSIS-NN needs room for its scratch buffers. */
  kernels?: 'reference' | 'cmsis_nn';
  /** Per-op profile through TFLM's MicroProfilerInterface (profiler.ts). */
  profileOps?: boolean;
}

export interface TflmOutput {
  files: Record<string, string>;
  arenaBytes: number;
  /** The op resolver's methods in registration order (one per distinct op kind). */
  resolverOps: string[];
  /** Arena split: activations (plan) and TFLM's estimated persistent overhead. */
  activationBytes: number;
  overheadBytes: number;
  /** True when the model carries our plan as OfflineMemoryAllocation. */
  offlinePlanned: boolean;
  /** Include dirs of the generated code besides the TFLM tree (tr_model.h). */
  includeDirs: string[];
}

const TR_DTYPE_CASES = `    case kTfLiteFloat32: return TR_DT_FLOAT32;
    case kTfLiteInt8: return TR_DT_INT8;
    case kTfLiteUInt8: return TR_DT_UINT8;
    case kTfLiteInt16: return TR_DT_INT16;
    case kTfLiteInt32: return TR_DT_INT32;
    default: return TR_DT_INT8;`;

/**
 * Upper bound of TFLM's arena use beyond the activations on a 32-bit target, from what it
 * allocates per item, rounded up with margin: 256 bytes fixed (interpreter graph, subgraph
 * allocations, scratch-buffer handles); 48 per tensor (TfLiteEvalTensor, 12 B, plus the
 * planner's per-tensor allocation info, 24 B, held while planning); 64 per op (TfLiteNode,
 * 28 B, its registration pointer and a kernel's OpData header); 8 per output channel of each
 * CONV_2D / DEPTHWISE_CONV_2D (the int32 per-channel multiplier and shift). Not a fit to
 * measurements: test/codegen/tflm.test.ts checks the bound covers TFLM's measured
 * arena_used_bytes() on the model set, and firmware reports the measured figure.
 */
export function tflmOverheadBytes(graph: Graph): number {
  let channels = 0;
  for (const op of graph.ops) {
    if (op.kind === 'CONV_2D' || op.kind === 'DEPTHWISE_CONV_2D') {
      const y = graph.tensors[op.outputs[0]!];
      channels += y?.shape[y.shape.length - 1] ?? 0;
    }
  }
  const bytes = 256 + 48 * graph.tensors.length + 64 * graph.ops.length + 8 * channels;
  return Math.ceil(bytes / 16) * 16;
}

/**
 * The largest scratch buffer CMSIS-NN's kernels request for one op (TFLM plans it like an
 * activation, live only during its op), from CMSIS-NN's *_get_buffer_size rules for cores with
 * the DSP extension: a general CONV_2D im2col holds two columns of int16
 * (4 * in_channels * kernel_h * kernel_w bytes; 1x1 convolutions need none), a
 * DEPTHWISE_CONV_2D one int16 column (2 * in_channels * kernel_h * kernel_w), FULLY_CONNECTED
 * none. Bounded by taking the maximum over the ops and adding it to the activation peak.
 */
export function cmsisNnScratchBytes(graph: Graph): number {
  let max = 0;
  for (const op of graph.ops) {
    if (op.kind !== 'CONV_2D' && op.kind !== 'DEPTHWISE_CONV_2D') continue;
    const x = graph.tensors[op.inputs[0]!];
    const w = graph.tensors[op.inputs[1]!];
    if (!x || !w || w.shape.length !== 4) continue;
    const ic = x.shape[x.shape.length - 1] ?? 0;
    const kh = w.shape[1]!; const kw = w.shape[2]!;
    const bytes = op.kind === 'CONV_2D' ? (kh * kw === 1 ? 0 : 4 * ic * kh * kw) : 2 * ic * kh * kw;
    max = Math.max(max, bytes);
  }
  return Math.ceil(max / 16) * 16;
}

/** The resolver methods for the graph's op kinds, in order of first appearance. */
export function resolverOps(graph: Graph): string[] {
  const out: string[] = [];
  graph.ops.forEach((op, i) => {
    const m = (TFLM_RESOLVER_METHOD as Record<string, string | undefined>)[op.kind];
    if (!m) throw new ModelError(`op ${i} (${op.kind} "${op.name}"): TFLite Micro has no kernel for it`, { op: i, opKind: op.kind });
    if (!out.includes(m)) out.push(m);
  });
  return out;
}

function byteArray(bytes: Uint8Array): string {
  return joinValues(Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, '0')}`), 16);
}

const TFLM_TYPE_BYTES: Record<string, number> = { float32: 4, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1 };
const TR_DT: Record<string, string> = { float32: 'TR_DT_FLOAT32', int8: 'TR_DT_INT8', uint8: 'TR_DT_UINT8', int16: 'TR_DT_INT16', int32: 'TR_DT_INT32', bool: 'TR_DT_UINT8' };

export function generateTflm(graph: Graph, plan: MemoryPlan, opts: TflmOptions): TflmOutput {
  if (!/^[A-Za-z0-9_.-]+$/.test(opts.modelName)) throw new Error(`model name "${opts.modelName}" must be letters, digits, '_', '.' or '-'`);
  const ops = resolverOps(graph);
  const model = opts.modelBytes ?? writeModel(graph);
  if (model.byteLength < 8 || String.fromCharCode(...model.subarray(4, 8)) !== 'TFL3') {
    throw new Error('model bytes are not a TFLite flatbuffer (no "TFL3" identifier)');
  }
  const offlinePlanned = graph.metadata.some((m) => m.name === OFFLINE_PLAN_METADATA);
  // Without an offline plan TFLM plans itself: greedy, model order, no aliasing.
  const activationBytes = offlinePlanned ? plan.peakBytes : planGraph(graph, { planner: 'greedy', order: 'model' }).peakBytes;
  const overheadBytes = tflmOverheadBytes(graph) + (opts.kernels === 'cmsis_nn' ? cmsisNnScratchBytes(graph) : 0);
  const arenaBytes = Math.ceil((activationBytes + overheadBytes) / 16) * 16;

  const io = (ids: readonly number[], what: string) => ids.map((id) => {
    const t = graph.tensors[id]!;
    const dt = TR_DT[t.dtype];
    if (!dt) throw new ModelError(`model ${what} tensor ${id} "${t.name}" has dtype ${t.dtype}, which tr_model.h cannot describe`, { tensor: id });
    return { bytes: t.shape.reduce((a, b) => a * b, 1) * TFLM_TYPE_BYTES[t.dtype]!, dt };
  });
  const ins = io(graph.inputs, 'input'); const outs = io(graph.outputs, 'output');
  const arr = (xs: string[], empty: string) => (xs.length ? xs.join(', ') : empty);

  const data = `// Generated by tinyrack codegen/tflm for model ${opts.modelName}. Do not edit.
// The model flatbuffer, ${model.byteLength} bytes, 16-byte aligned as TFLM requires.
#include <stddef.h>

extern const unsigned char tr_model_tflite[];
extern const size_t tr_model_tflite_len;
alignas(16) const unsigned char tr_model_tflite[] = {
${byteArray(model)}
};
const size_t tr_model_tflite_len = ${model.byteLength};
`;

  // Per-op profile (GenerateOptions.profileOps): TFLM's MicroProfilerInterface, profiler.ts.
  const profiled = opts.profileOps === true;
  const cc = `// Generated by tinyrack codegen/tflm for model ${opts.modelName}. Do not edit.
// tr_model.h over tflite::MicroInterpreter. Arena: ${activationBytes} bytes of activations
// (${offlinePlanned ? 'offline plan from the model metadata' : 'TFLM greedy plan, model order'}) + ${overheadBytes} bytes of TFLM overhead (estimated).
#include <new>
#include <stddef.h>
#include <stdint.h>
#include "tr_model.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"
${profiled ? TFLM_PROFILER_DECL : ''}
extern const unsigned char tr_model_tflite[];

namespace {
constexpr size_t kActivationBytes = ${activationBytes};
// TFLM's persistent data, estimated for 32-bit targets; its structures hold pointers, so a
// 64-bit host build gets twice as much.
constexpr size_t kOverheadBytes = ${overheadBytes};
constexpr size_t kArenaBytes = (kActivationBytes + kOverheadBytes * (sizeof(void *) / 4) + 15) / 16 * 16;  // ${arenaBytes} on 32-bit targets
constexpr int kNumInputs = ${ins.length};
constexpr int kNumOutputs = ${outs.length};
alignas(16) uint8_t tr_arena[kArenaBytes];
// The interpreter lives in static storage (placement new): no heap.
alignas(tflite::MicroInterpreter) uint8_t interpreter_storage[sizeof(tflite::MicroInterpreter)];
alignas(tflite::MicroMutableOpResolver<${ops.length}>) uint8_t resolver_storage[sizeof(tflite::MicroMutableOpResolver<${ops.length}>)];
tflite::MicroInterpreter *interpreter = nullptr;

const size_t input_bytes[${Math.max(1, ins.length)}] = { ${arr(ins.map((x) => String(x.bytes)), '0')} };
const tr_dtype_t input_dtypes[${Math.max(1, ins.length)}] = { ${arr(ins.map((x) => x.dt), 'TR_DT_INT8')} };
const size_t output_bytes[${Math.max(1, outs.length)}] = { ${arr(outs.map((x) => String(x.bytes)), '0')} };
const tr_dtype_t output_dtypes[${Math.max(1, outs.length)}] = { ${arr(outs.map((x) => x.dt), 'TR_DT_INT8')} };

// Not const: after AllocateTensors arena_bytes becomes what TFLM really used, so the harness's
// INF records (printed after init) report the measured arena_used_bytes(); the MODEL record,
// printed before init, reports the static arena reserved.
// Starts as the arena planned for 32-bit targets (a 64-bit host reserves more for pointers).
tr_model_info_t info = { ${cString(opts.modelName)}, ${cString(opts.backend ?? 'tflm')}, ${arenaBytes}u, kNumInputs, kNumOutputs };

tr_dtype_t to_tr(TfLiteType t) {
  switch (t) {
${TR_DTYPE_CASES}
  }
}
}  // namespace

extern "C" {

const tr_model_info_t *tr_model_info(void) { return &info; }

int tr_model_init(void) {
  if (interpreter != nullptr) return 0;
  const tflite::Model *model = tflite::GetModel(tr_model_tflite);
  if (model->version() != TFLITE_SCHEMA_VERSION) return 1;
  auto *resolver = new (resolver_storage) tflite::MicroMutableOpResolver<${ops.length}>();
${ops.map((m) => `  if (resolver->${m}() != kTfLiteOk) return 2;`).join('\n')}
  interpreter = new (interpreter_storage) tflite::MicroInterpreter(model, *resolver, tr_arena, kArenaBytes${profiled ? TFLM_PROFILER_ARG : ''});
  if (interpreter->AllocateTensors() != kTfLiteOk) return 3;
  info.arena_bytes = static_cast<uint32_t>(interpreter->arena_used_bytes());
  if (static_cast<int>(interpreter->inputs_size()) != kNumInputs || static_cast<int>(interpreter->outputs_size()) != kNumOutputs) return 4;
  for (int i = 0; i < kNumInputs; i++) {
    if (interpreter->input(i)->bytes != input_bytes[i] || to_tr(interpreter->input(i)->type) != input_dtypes[i]) return 5;
  }
  return 0;
}

void *tr_model_input(int i) {
  return (interpreter != nullptr && i >= 0 && i < kNumInputs) ? interpreter->input(i)->data.raw : nullptr;
}
size_t tr_model_input_bytes(int i) { return (i >= 0 && i < kNumInputs) ? input_bytes[i] : 0; }
tr_dtype_t tr_model_input_dtype(int i) { return input_dtypes[(i >= 0 && i < kNumInputs) ? i : 0]; }

int tr_model_invoke(void) {
  if (interpreter == nullptr) return 1;
  return interpreter->Invoke() == kTfLiteOk ? 0 : 2;
}

const void *tr_model_output(int i) {
  return (interpreter != nullptr && i >= 0 && i < kNumOutputs) ? interpreter->output(i)->data.raw : nullptr;
}
size_t tr_model_output_bytes(int i) { return (i >= 0 && i < kNumOutputs) ? output_bytes[i] : 0; }
tr_dtype_t tr_model_output_dtype(int i) { return output_dtypes[(i >= 0 && i < kNumOutputs) ? i : 0]; }

uint32_t tr_model_heap_bytes(void) { return 0; }

/* Bytes of the arena TFLM actually used (after tr_model_init), for reports. */
uint32_t tr_tflm_arena_used_bytes(void) {
  return interpreter != nullptr ? static_cast<uint32_t>(interpreter->arena_used_bytes()) : 0;
}

}  // extern "C"
${profiled ? tflmProfilerSource(graph.ops.length) : ''}`;
  return {
    files: { 'tr_model_tflm.cc': cc, 'tr_model_data.cc': data },
    arenaBytes, resolverOps: ops, activationBytes, overheadBytes, offlinePlanned, includeDirs: [KERNEL_INCLUDE_DIR],
  };
}
