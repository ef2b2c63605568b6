// The build pipeline: model (model-set name or .tflite) -> reader -> tiling -> memory plan ->
// backend (backends/: aot, tflm, tflm-cmsis-nn) -> + harness + board startup/port/UART ->
// the board's toolchain -> ELF, with static sizes. One module per step: prepare.ts (reader to
// generated code, fit check), compile-stage.ts (compile and link), spec-cache.ts, fit.ts,
// source-hash.ts.
// Builds are content-addressed, in two levels: .cache/tinyrack/specs/<spec key>.json (model
// bytes + board definition + backend + tiling + options + every source file that can change
// the result) answers a repeated request without even reading the model;
// .cache/tinyrack/builds/<content key>/ (exactly what is compiled) lets requests that generate
// the same code share one ELF. Both are pruned to the most recently used entries; compiled
// objects are shared in .cache/tinyrack/objects, TFLite-Micro libraries in .cache/tinyrack/libs.
import { existsSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { getBoard } from '../../boards/index.ts';
import { resolveModel } from '../model-set/index.ts';
import { arithmeticFitsBackend, tflmArithmeticNote, ARITHMETICS, BACKENDS, DEFAULT_OPTIMIZE, DEFAULT_PROTOCOL, OPTIMIZE_GOALS, PROTOCOLS, TILING_MODES } from '../../wire/vocabulary.ts';
import { TIMESTAMP_MODES } from '../../wire/mlperf-tiny.ts';
import { compileStage } from './compile-stage.ts';
import { hasTool, ToolchainMissingError } from './compile.ts';
import { checkFit, fitFigures } from './fit.ts';
import { cacheRoot, RUNTIME_INCLUDE } from './paths.ts';
import { prepareModel } from './prepare.ts';
import { getBackend } from './backends/index.ts';
import { sha256, sourceTreeHash } from './source-hash.ts';
import { readSpec, writeSpec } from './spec-cache.ts';
import type { BuildResult, BuildSpec, ModelStage } from './types.ts';

export type { ExpectedOutput, ReferenceKind } from './golden.ts';
export type { BuildResult, BuildSpec, PreparedModel } from './types.ts';
export type { Arithmetic as AotArithmetic, Backend as BackendName } from '../../wire/vocabulary.ts';
export { ARITHMETICS as AOT_ARITHMETICS, TILING_MODES, BACKENDS, type TilingMode } from '../../wire/vocabulary.ts';
export { FitError, checkFit, fitFigures, weightsBytes, type FitFigures } from './fit.ts';
export { cacheRoot } from './paths.ts';
export { planForBackend, type BackendPlan } from './prepare.ts';
export { getBackend, registeredBackends } from './backends/index.ts';

const inFlight = new Map<string, Promise<BuildResult>>();

export async function buildFirmware(spec: BuildSpec): Promise<BuildResult> {
  const board = await getBoard(spec.board);
  const backend = spec.backend ?? 'aot';
  const tiling = spec.tiling ?? 'none';
  const reps = spec.reps ?? 3;
  const warmup = spec.warmup ?? 1;
  const sample = spec.sample ?? 0;
  const arithmetic = spec.arithmetic ?? 'reference';
  const optimize = spec.optimize ?? DEFAULT_OPTIMIZE;
  if (!OPTIMIZE_GOALS.includes(optimize)) throw new Error(`unknown optimize goal "${optimize}" (use ${OPTIMIZE_GOALS.join('|')})`);
  const protocol = spec.protocol ?? DEFAULT_PROTOCOL;
  if (!PROTOCOLS.includes(protocol)) throw new Error(`unknown protocol "${protocol}" (use ${PROTOCOLS.join('|')})`);
  const timestampMode = spec.timestampMode ?? 'performance';
  if (!TIMESTAMP_MODES.includes(timestampMode)) throw new Error(`unknown timestamp mode "${timestampMode}" (use ${TIMESTAMP_MODES.join('|')})`);
  if (timestampMode !== 'performance' && protocol !== 'mlperf-tiny') throw new Error('a timestamp mode needs --protocol mlperf-tiny');
  // Only a non-default protocol or mode enters the cache keys, so existing keys stay valid.
  const modeKey = timestampMode !== 'performance' ? { timestampMode } : {};
  const protocolKey = protocol !== DEFAULT_PROTOCOL ? { protocol } : {};
  if (!ARITHMETICS.includes(arithmetic)) throw new Error(`unknown arithmetic "${arithmetic}" (use ${ARITHMETICS.join('|')})`);
  // TFLite-Micro has only its fixed-point reference kernels; XNNPACK arithmetic is an AoT mode.
  if (!arithmeticFitsBackend(backend, arithmetic)) {
    throw new Error(`arithmetic "${arithmetic}" needs the aot backend: ${tflmArithmeticNote(backend)}`);
  }
  if (!BACKENDS.includes(backend)) throw new Error(`unknown backend "${backend}" (use ${BACKENDS.join('|')})`);
  if (!TILING_MODES.includes(tiling)) throw new Error(`unknown tiling "${tiling}" (use ${TILING_MODES.join('|')})`);
  if (!(Number.isInteger(reps) && reps >= 1 && reps <= 100000)) throw new Error(`reps must be an integer 1..100000 (got ${spec.reps})`);
  if (!(Number.isInteger(warmup) && warmup >= 0 && warmup <= 1000)) throw new Error(`warmup must be an integer 0..1000 (got ${spec.warmup})`);
  const cc = `${board.toolchain.prefix}gcc`;
  if (!(await hasTool(cc))) throw new ToolchainMissingError(cc, board.toolchain.installHint);

  let modelName: string;
  let modelKey: string;
  let modelPath: string | undefined;
  if (spec.prepared) {
    modelName = spec.prepared.name;
    modelKey = sha256(JSON.stringify(spec.prepared, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
  } else if (spec.model) {
    const m = resolveModel(spec.model);
    modelName = m.name;
    modelPath = m.path;
    modelKey = sha256(readFileSync(m.path));
  } else {
    throw new Error('build needs a model (model-set name or .tflite path)');
  }

  // Two levels of cache. The spec key (model bytes, board, options, sources) finds a finished
  // build without reading the model; the content key (exactly what is compiled) lets specs that
  // generate the same code — e.g. a tiling mode that leaves the graph unchanged — share one ELF.
  // A backend whose builds depend on more than our sources (a TFLM tree) names that too.
  const external = getBackend(backend).cacheIdentity?.();
  const specKey = sha256(JSON.stringify({
    v: 3, modelKey, modelName, board, backend, tiling, reps, warmup, sample, arithmetic, optimize, tree: sourceTreeHash(),
    ...(external !== undefined ? { external } : {}),
    ...(spec.profile ? { profile: true } : {}),
    ...protocolKey, ...modeKey,
  }));
  const hit = readSpec(specKey);
  if (hit) return hit;
  // Identical builds started together (parallel `run`) share one compile.
  const running = inFlight.get(specKey);
  if (running) return running;
  const p = (async () => {
    const stage: ModelStage = spec.prepared
      ? (() => {
        const fit = fitFigures(board, spec.prepared.arenaBytes, spec.prepared.weightsBytes);
        checkFit(board, modelName, fit);
        return {
          name: modelName, files: spec.prepared.files, arenaBytes: spec.prepared.arenaBytes, plannedArenaBytes: spec.prepared.arenaBytes,
          inputs: spec.prepared.inputs, expectedOutputs: spec.prepared.expectedOutputs, reference: 'given' as const,
          extraSources: spec.prepared.sources ?? [], includeDirs: [...(spec.prepared.includeDirs ?? []), RUNTIME_INCLUDE],
          cFlags: spec.prepared.cFlags ?? [], cxxFlags: [], archives: [], fit,
        };
      })()
      : await prepareModel(modelPath!, modelName, board, backend, tiling, sample, arithmetic, spec.profile ?? false, optimize);
    const contentKey = sha256(JSON.stringify({
      v: 3, board, backend, arithmetic, reps, warmup, files: stage.files, inputs: stage.inputs.map((b) => Buffer.from(b).toString('hex')),
      extra: stage.extraSources.map((f) => [f, sha256(readFileSync(f))]), includeDirs: stage.includeDirs,
      cFlags: stage.cFlags, cxxFlags: stage.cxxFlags, arena: stage.arenaBytes, tree: sourceTreeHash(),
      ...(stage.archives.length ? { archives: stage.archiveKey ?? stage.archives } : {}),
      ...(protocol !== DEFAULT_PROTOCOL ? { protocol, outputQuant: stage.outputQuant ?? [] } : {}), ...modeKey,
    }));
    const dir = join(cacheRoot(), 'builds', contentKey);
    const meta = join(dir, 'build.json');
    let built: BuildResult;
    if (existsSync(meta) && existsSync(join(dir, 'firmware.elf'))) {
      built = { ...(JSON.parse(readFileSync(meta, 'utf8')) as BuildResult), cached: true };
      const now = new Date();
      utimesSync(dir, now, now);
    } else {
      const compiling = inFlight.get(contentKey) ?? compileStage(board, stage, { key: contentKey, firmwareHash: contentKey.slice(0, 16), dir, backend, tiling, reps, warmup, arithmetic, protocol, energyMode: timestampMode === 'energy' });
      inFlight.set(contentKey, compiling);
      try { built = await compiling; } finally { inFlight.delete(contentKey); }
    }
    // This spec's view of the (possibly shared) firmware.
    const result: BuildResult = {
      ...built, model: stage.name, backend, tiling, arithmetic, arenaBytes: stage.arenaBytes, plannedArenaBytes: stage.plannedArenaBytes,
      expectedOutputs: stage.expectedOutputs, reference: stage.reference, fit: stage.fit, protocol, ...modeKey,
      ...(stage.macs !== undefined ? { macs: stage.macs } : {}),
      ...(stage.ops ? { ops: stage.ops } : {}),
    };
    writeSpec(specKey, result);
    return result;
  })();
  inFlight.set(specKey, p);
  try {
    return await p;
  } finally {
    inFlight.delete(specKey);
  }
}
