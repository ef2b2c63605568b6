// The build pipeline: model (model-set name or .tflite) -> reader -> tiling (tileGraph) ->
// memory plan -> code generator -> + harness + board startup/port/UART + kernels -> the
// board's toolchain -> ELF, with static sizes. Builds are content-addressed, in two levels:
// .cache/tinyrack/specs/<spec key>.json (model bytes + board definition + backend + tiling +
// options + every source file that can change the result) answers a repeated request without
// even reading the model; .cache/tinyrack/builds/<content key>/ (exactly what is compiled)
// lets requests that generate the same code share one ELF. Both are pruned to the most
// recently used entries; compiled kernels/harness objects are shared in .cache/tinyrack/objects.
// A model the board cannot hold is refused before anything is compiled.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BOARDS_DIR, getBoard } from '../../boards/index.ts';
import { ESTIMATED_CODE_BYTES, ESTIMATED_STATIC_RAM_BYTES, type BoardDefinition } from '../../boards/types.ts';
import { isActivation, tensorBytes, type Graph } from '../ir/graph.ts';
import { graphMacs } from '../ir/macs.ts';
import { resolveModel } from '../models/model-set.ts';
import { AOT_ARITHMETICS, FIRMWARE_DIR, RUNTIME_INCLUDE, kernelFiles, loadGenerator, type AotArithmetic, type BackendName } from './backends.ts';
import { compileObjects, hasTool, headersHash, link, pruneCache, ToolchainMissingError, type CompileJob } from './compile.ts';
import { elfSizes, type SectionSize } from './elf-sizes.ts';
import { goldenFor, type ExpectedOutput, type ReferenceKind } from './golden.ts';
import { memoryPlanFromTiled, type TiledPlanLike } from './plan-adapter.ts';
import type { MemoryPlan } from '../plan/types.ts';
import { arithmeticFitsBackend, tflmArithmeticNote, BACKENDS, isTflmBackend, TILING_MODES, type TilingMode } from '../../wire/vocabulary.ts';
import { DEFAULT_OPTIMIZE, OPTIMIZE_GOALS, type OptimizeGoal } from '../../wire/vocabulary.ts';

export type { ExpectedOutput, ReferenceKind } from './golden.ts';
export type { AotArithmetic } from './backends.ts';
export { AOT_ARITHMETICS } from './backends.ts';
export { TILING_MODES, BACKENDS, type TilingMode } from '../../wire/vocabulary.ts';

const REPO_ROOT = resolve(FIRMWARE_DIR, '..');
const HARNESS_DIR = join(FIRMWARE_DIR, 'harness');
const REPORT_SOURCE = join(FIRMWARE_DIR, 'runtime', 'tr_report.c');

/** Cache bounds (most recently used kept); override with TINYRACK_CACHE_BUILDS / _OBJECTS. */
const MAX_CACHED_BUILDS = Number(process.env.TINYRACK_CACHE_BUILDS ?? 300);
const MAX_CACHED_OBJECTS = Number(process.env.TINYRACK_CACHE_OBJECTS ?? 3000);
const MAX_CACHED_SPECS = 3000;

export function cacheRoot(): string {
  return process.env.TINYRACK_CACHE ?? join(REPO_ROOT, '.cache', 'tinyrack');
}

/** A model given as ready C sources (tests, external generators): skips reader/tiling/codegen. */
export interface PreparedModel {
  name: string;
  /** Relative path -> contents (a tr_model.h implementation). */
  files: Record<string, string>;
  arenaBytes: number;
  /** Constant bytes the model keeps in flash (for the fit check). */
  weightsBytes: number;
  inputs: Uint8Array[];
  expectedOutputs: ExpectedOutput[];
  /** Extra C sources (absolute paths, e.g. the kernel library), include dirs and flags. */
  sources?: string[];
  includeDirs?: string[];
  cFlags?: string[];
}

export interface BuildSpec {
  /** Model-set name or path to a .tflite (or `prepared`). */
  model?: string;
  prepared?: PreparedModel;
  board: string;
  backend?: BackendName;
  tiling?: TilingMode;
  /** Timed inferences (default 3) and untimed warm-up runs before them (default 1). */
  reps?: number;
  warmup?: number;
  /** Golden sample index compiled in (default 0). */
  sample?: number;
  /** AoT int8 arithmetic (default 'reference'); 'xnnpack' is refused for tflm. */
  arithmetic?: AotArithmetic;
  /** AoT kernel selection (default 'speed': weights laid out for the fastest kernels). */
  optimize?: OptimizeGoal;
}

export interface BuildResult {
  elfPath: string;
  /** Content hash of what was compiled (first 16 hex digits); also the firmware id in its BOOT record. */
  firmwareHash: string;
  romBytes: number;
  ramBytes: number;
  sections: SectionSize[];
  arenaBytes: number;
  /** The memory plan's peak (the generator rounds the arena up to its alignment). */
  plannedArenaBytes: number;
  expectedOutputs: ExpectedOutput[];
  /** What the expected outputs are: 'interpreter:<arithmetic>' = firmware/interp in the
   * arithmetic the firmware implements; 'given': a PreparedModel's own. */
  reference: ReferenceKind;
  /** The int8 arithmetic compiled in ('reference' for tflm, which has only TFLite-Micro's). */
  arithmetic: AotArithmetic;
  /** True when the build came from the cache. */
  cached: boolean;
  board: string;
  model: string;
  backend: BackendName;
  tiling: TilingMode;
  reps: number;
  warmup: number;
  /** Multiply-accumulates per inference of the graph that was compiled (after tiling). */
  macs?: number;
  /** Static fit figures checked before building. */
  fit: FitFigures;
  buildDir: string;
}

export interface FitFigures {
  arenaBytes: number;
  stackBytes: number;
  weightsBytes: number;
  estimatedCodeBytes: number;
  ramNeeded: number;
  flashNeeded: number;
  ramAvailable: number;
  flashAvailable: number;
}

export class FitError extends Error {
  constructor(readonly board: string, readonly model: string, readonly figures: FitFigures) {
    const f = figures;
    const parts: string[] = [];
    if (f.ramNeeded > f.ramAvailable) {
      parts.push(`RAM: arena ${f.arenaBytes} + stack ${f.stackBytes} (estimated) = ${f.ramNeeded} bytes > ${f.ramAvailable} bytes`);
    }
    if (f.flashNeeded > f.flashAvailable) {
      parts.push(`flash: weights ${f.weightsBytes} + code ${f.estimatedCodeBytes} (estimated) = ${f.flashNeeded} bytes > ${f.flashAvailable} bytes`);
    }
    super(`model ${model} does not fit board ${board}: ${parts.join('; ')}`);
    this.name = 'FitError';
  }
}

export function fitFigures(board: BoardDefinition, arenaBytes: number, weightsBytes: number): FitFigures {
  return {
    arenaBytes, stackBytes: board.stackBytes, weightsBytes, estimatedCodeBytes: ESTIMATED_CODE_BYTES,
    ramNeeded: arenaBytes + board.stackBytes, flashNeeded: weightsBytes + ESTIMATED_CODE_BYTES,
    ramAvailable: board.memory.ram.size, flashAvailable: board.memory.flash.size,
  };
}

export function checkFit(board: BoardDefinition, model: string, f: FitFigures): void {
  if (f.ramNeeded > f.ramAvailable || f.flashNeeded > f.flashAvailable) throw new FitError(board.id, model, f);
}

export function weightsBytes(graph: Graph): number {
  return graph.tensors.filter((t) => !isActivation(t)).reduce((a, t) => a + (t.data?.byteLength ?? tensorBytes(t)), 0);
}

// ---------------------------------------------------------------------------------------------
// Content hash of the sources

const SOURCE_DIRS = ['harness', 'runtime', 'codegen', 'tiling', 'plan', 'model', 'ir', 'build', 'interp', 'models'];
let treeHash: string | undefined;

function sourceTreeHash(): string {
  if (treeHash) return treeHash;
  const h = createHash('sha256');
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.(c|cc|cpp|h|hpp|S|s|ld|ts)$/.test(name)) { h.update(p.slice(REPO_ROOT.length)); h.update(readFileSync(p)); }
    }
  };
  for (const d of SOURCE_DIRS) walk(join(FIRMWARE_DIR, d));
  walk(BOARDS_DIR);
  treeHash = h.digest('hex');
  return treeHash;
}

// ---------------------------------------------------------------------------------------------

function cDefines(defs: Record<string, string>): string[] {
  return Object.entries(defs).map(([k, v]) => (v === '' ? `-D${k}` : `-D${k}=${v}`));
}

function cStr(s: string): string {
  return `"${s.replace(/[^A-Za-z0-9_.:+-]/g, '_')}"`;
}

function goldenSource(inputs: Uint8Array[]): string {
  const arrays = inputs.map((b, i) => {
    const body: string[] = [];
    for (let o = 0; o < b.length; o += 24) body.push(`  ${Array.from(b.subarray(o, o + 24)).join(',')},`);
    return `static const uint8_t in${i}[${Math.max(1, b.length)}] __attribute__((aligned(16))) = {\n${body.join('\n')}\n};`;
  });
  return [
    '/* Generated by firmware/build: the golden input compiled into this firmware. */',
    '#include "tr_golden.h"',
    ...arrays,
    `const int TR_GOLDEN_NUM_INPUTS_VAR = ${inputs.length};`,
    `const uint8_t *const tr_golden_inputs[] = {${inputs.map((_, i) => `in${i}`).join(', ')}};`,
    `const size_t tr_golden_input_bytes[] = {${inputs.map((b) => b.length).join(', ')}};`,
    '',
  ].join('\n');
}

function memoryScript(board: BoardDefinition): string {
  const hexn = (n: number) => `0x${n.toString(16)}`;
  return [
    `/* Generated from boards/defs/${board.id}.ts */`,
    'MEMORY',
    '{',
    `  FLASH (rx) : ORIGIN = ${hexn(board.memory.flash.origin)}, LENGTH = ${hexn(board.memory.flash.size)}`,
    `  RAM (rwx) : ORIGIN = ${hexn(board.memory.ram.origin)}, LENGTH = ${hexn(board.memory.ram.size)}`,
    '}',
    `__stack_size = ${hexn(board.stackBytes)};`,
    '',
  ].join('\n');
}

interface ModelStage {
  name: string;
  files: Record<string, string>;
  arenaBytes: number;
  plannedArenaBytes: number;
  inputs: Uint8Array[];
  expectedOutputs: ExpectedOutput[];
  reference: BuildResult['reference'];
  extraSources: string[];
  includeDirs: string[];
  /** Flags the generated code and kernels need (from the generator). */
  cFlags: string[];
  /** Extra flags for C++ sources (the TFLM runtime). */
  cxxFlags: string[];
  macs?: number;
  fit: FitFigures;
}

/** Reader -> tiling -> plan -> fit check -> golden data -> generator. */
async function prepareModel(path: string, name: string, board: BoardDefinition, backend: BackendName,
  tiling: TilingMode, sample: number, arithmetic: AotArithmetic, optimize: OptimizeGoal = DEFAULT_OPTIMIZE): Promise<ModelStage> {
  const { loadModel } = (await import('../model/reader.ts')) as { loadModel(p: string): Graph };
  const graph = loadModel(path);
  let compiled: Graph;
  let plan: MemoryPlan;
  if (tiling === 'none') {
    const { planGraph } = await import('../plan/plan-graph.ts');
    compiled = graph;
    plan = planGraph(graph);
  } else {
    const { tileGraph } = (await import('../tiling/index.ts')) as unknown as {
      tileGraph(g: Graph, o: { mode: TilingMode; ramBudget?: number; partialSums?: boolean; aliasReshape?: boolean; streaming?: boolean }):
        { graph: Graph; plan: TiledPlanLike };
    };
    // Partial-sum endings, aliased reshapes and streaming overlaps need our AoT kernels:
    // TFLite-Micro has neither the internal partial-sum ops nor zero-copy RESHAPE, and its
    // kernels' write order is not part of our contract, so its builds tile without them.
    const engine = backend === 'aot' ? { partialSums: true, aliasReshape: true, streaming: true } : {};
    let tiled = tileGraph(graph, { mode: tiling, ...engine });
    // 'auto' aims at the board: when its default result does not fit, ask the tiling engine for
    // the cheapest tiling whose arena fits the board's RAM (minus stack and static data).
    const budget = board.memory.ram.size - board.stackBytes - ESTIMATED_STATIC_RAM_BYTES;
    if (tiling === 'auto' && tiled.plan.peakBytes > budget && budget > 0) {
      try {
        tiled = tileGraph(graph, { mode: tiling, ramBudget: budget, ...engine });
      } catch {
        // Cannot fit at any allowed overhead: the fit check below refuses with the numbers.
      }
    }
    compiled = tiled.graph;
    plan = memoryPlanFromTiled(compiled, tiled.plan);
  }
  const fit = fitFigures(board, plan.peakBytes, weightsBytes(compiled));
  checkFit(board, name, fit);
  const golden = await goldenFor(name, graph, sample, isTflmBackend(backend) ? 'tflm' : arithmetic);
  const { generate, module } = await loadGenerator(backend);
  const gen = await generate(compiled, plan, { modelName: name, boardFeatures: board.features, arithmetic, optimize });
  const k = await kernelFiles(module, gen, backend);
  return {
    name, files: gen.files, arenaBytes: gen.arenaBytes, plannedArenaBytes: plan.peakBytes, inputs: golden.inputs,
    expectedOutputs: golden.expectedOutputs, reference: golden.reference,
    extraSources: k.sources, includeDirs: k.includeDirs, cFlags: gen.cFlags ?? [], cxxFlags: k.cxxFlags, macs: graphMacs(compiled),
    fit: { ...fit, arenaBytes: gen.arenaBytes, ramNeeded: gen.arenaBytes + board.stackBytes },
  };
}

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
  if (!AOT_ARITHMETICS.includes(arithmetic)) throw new Error(`unknown arithmetic "${arithmetic}" (use ${AOT_ARITHMETICS.join('|')})`);
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
    modelKey = createHash('sha256').update(JSON.stringify(spec.prepared, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))).digest('hex');
  } else if (spec.model) {
    const m = resolveModel(spec.model);
    modelName = m.name;
    modelPath = m.path;
    modelKey = createHash('sha256').update(readFileSync(m.path)).digest('hex');
  } else {
    throw new Error('build needs a model (model-set name or .tflite path)');
  }

  // Two levels of cache. The spec key (model bytes, board, options, sources) finds a finished
  // build without reading the model; the content key (exactly what is compiled) lets specs that
  // generate the same code — e.g. a tiling mode that leaves the graph unchanged — share one ELF.
  const specKey = sha256(JSON.stringify({
    v: 3, modelKey, modelName, board, backend, tiling, reps, warmup, sample, arithmetic, optimize, tree: sourceTreeHash(),
  }));
  const specFile = join(cacheRoot(), 'specs', `${specKey}.json`);
  if (existsSync(specFile)) {
    const r = JSON.parse(readFileSync(specFile, 'utf8')) as BuildResult;
    if (existsSync(r.elfPath)) {
      const now = new Date();
      try { utimesSync(specFile, now, now); utimesSync(r.buildDir, now, now); } catch { /* pruned meanwhile */ }
      return { ...r, cached: true };
    }
  }
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
          cFlags: spec.prepared.cFlags ?? [], cxxFlags: [], fit,
        };
      })()
      : await prepareModel(modelPath!, modelName, board, backend, tiling, sample, arithmetic, optimize);
    const contentKey = sha256(JSON.stringify({
      v: 3, board, backend, arithmetic, reps, warmup, files: stage.files, inputs: stage.inputs.map((b) => Buffer.from(b).toString('hex')),
      extra: stage.extraSources.map((f) => [f, sha256(readFileSync(f))]), includeDirs: stage.includeDirs,
      cFlags: stage.cFlags, cxxFlags: stage.cxxFlags, arena: stage.arenaBytes, tree: sourceTreeHash(),
    }));
    const dir = join(cacheRoot(), 'builds', contentKey);
    const meta = join(dir, 'build.json');
    let built: BuildResult;
    if (existsSync(meta) && existsSync(join(dir, 'firmware.elf'))) {
      built = { ...(JSON.parse(readFileSync(meta, 'utf8')) as BuildResult), cached: true };
      const now = new Date();
      utimesSync(dir, now, now);
    } else {
      const compiling = inFlight.get(contentKey) ?? compileStage(board, stage, { key: contentKey, firmwareHash: contentKey.slice(0, 16), dir, backend, tiling, reps, warmup, arithmetic });
      inFlight.set(contentKey, compiling);
      try { built = await compiling; } finally { inFlight.delete(contentKey); }
    }
    // This spec's view of the (possibly shared) firmware.
    const result: BuildResult = {
      ...built, model: stage.name, backend, tiling, arithmetic, arenaBytes: stage.arenaBytes, plannedArenaBytes: stage.plannedArenaBytes,
      expectedOutputs: stage.expectedOutputs, reference: stage.reference, fit: stage.fit,
      ...(stage.macs !== undefined ? { macs: stage.macs } : {}),
    };
    mkdirSync(dirname(specFile), { recursive: true });
    const tmp = `${specFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...result, cached: false }, null, 1));
    renameSync(tmp, specFile);
    pruneCache(dirname(specFile), MAX_CACHED_SPECS);
    return result;
  })();
  inFlight.set(specKey, p);
  try {
    return await p;
  } finally {
    inFlight.delete(specKey);
  }
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function compileStage(board: BoardDefinition, stage: ModelStage,
  o: { key: string; firmwareHash: string; dir: string; backend: BackendName; tiling: TilingMode; reps: number; warmup: number; arithmetic: AotArithmetic }): Promise<BuildResult> {
  const tmp = `${o.dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const src = join(tmp, 'src');
  mkdirSync(src, { recursive: true });
  try {
    for (const [rel, text] of Object.entries(stage.files)) {
      const p = join(src, rel);
      if (!p.startsWith(src)) throw new Error(`generated file path escapes the build folder: ${rel}`);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    writeFileSync(join(src, 'tr_golden.c'), goldenSource(stage.inputs));
    writeFileSync(join(tmp, 'tr_memory.ld'), memoryScript(board));

    const tc = board.toolchain;
    const boardDefines: Record<string, string> = {
      TR_BOARD_ID: cStr(board.id),
      TR_CLOCK_HZ: `${board.clockHz}u`,
      TR_BAUD: `${board.serial.baud || 115200}u`,
      TR_COUNTER_KIND: cStr(board.counter.kind),
      ...(board.exit === 'semihosting' ? { TR_EXIT_SEMIHOSTING: '' } : {}),
      ...board.defines,
    };
    const genDirs = [...new Set(Object.keys(stage.files).map((f) => dirname(join(src, f))))];
    const includeDirs = [HARNESS_DIR, RUNTIME_INCLUDE, ...stage.includeDirs, src, ...genDirs];
    const incFlags = [...new Set(includeDirs)].flatMap((d) => ['-I', d]);
    const baseFlags = [...tc.cflags, ...cDefines(boardDefines), ...incFlags];
    const headersKey = headersHash([HARNESS_DIR, RUNTIME_INCLUDE, ...stage.includeDirs]);
    const cc = `${tc.prefix}gcc`;
    const cxx = `${tc.prefix}g++`;
    const isCxx = (f: string) => /\.(cc|cpp)$/.test(f);
    const compilerFor = (f: string) => (isCxx(f) ? cxx : cc);
    // The generator's flags (e.g. -std=c99 -ffp-contract=off) apply to its code and kernels; a
    // C standard flag is not given to C++ files.
    const flagsFor = (f: string) => [...stage.cFlags.filter((x) => !(isCxx(f) && /^-std=c\d/.test(x))), ...(isCxx(f) ? stage.cxxFlags : [])];
    const generated = Object.keys(stage.files).filter((f) => /\.(c|cc|cpp)$/.test(f)).map((f) => join(src, f));
    const jobs: CompileJob[] = [
      // Only the harness carries per-build values; everything else is shared between builds.
      {
        compiler: cc, source: join(HARNESS_DIR, 'main.c'), headersKey,
        flags: [...baseFlags, ...cDefines({ TR_FW_ID: cStr(o.firmwareHash), TR_REPS: `${o.reps}`, TR_WARMUP: `${o.warmup}` })],
      },
      { compiler: cc, source: REPORT_SOURCE, headersKey, flags: baseFlags },
      ...board.sources.map((s) => ({ compiler: cc, source: join(BOARDS_DIR, s), headersKey, flags: baseFlags })),
      ...stage.extraSources.map((s) => ({ compiler: compilerFor(s), source: s, headersKey, flags: [...baseFlags, ...flagsFor(s)] })),
      ...[...generated, join(src, 'tr_golden.c')].map((s) => ({ compiler: compilerFor(s), source: s, headersKey, flags: [...baseFlags, ...flagsFor(s)], shared: false })),
    ];
    const objects = await compileObjects(jobs, join(cacheRoot(), 'objects'), join(tmp, 'obj'));
    const elf = join(tmp, 'firmware.elf');
    const linker = jobs.some((j) => j.compiler === cxx) ? cxx : cc;
    const script = board.linkerScript ? ['-T', join(BOARDS_DIR, board.linkerScript), '-L', tmp] : [];
    await link(linker, [...tc.cflags, ...tc.ldflags, ...script, ...objects, ...tc.libs,
      `-Wl,-Map=${join(tmp, 'firmware.map')}`, '-o', elf]);
    const sizes = elfSizes(elf);
    const result: BuildResult = {
      elfPath: join(o.dir, 'firmware.elf'), firmwareHash: o.firmwareHash,
      romBytes: sizes.romBytes, ramBytes: sizes.ramBytes, sections: sizes.sections,
      arenaBytes: stage.arenaBytes, plannedArenaBytes: stage.plannedArenaBytes, expectedOutputs: stage.expectedOutputs, reference: stage.reference,
      cached: false, board: board.id, model: stage.name, backend: o.backend, tiling: o.tiling, arithmetic: o.arithmetic,
      reps: o.reps, warmup: o.warmup, ...(stage.macs !== undefined ? { macs: stage.macs } : {}),
      fit: stage.fit, buildDir: o.dir,
    };
    writeFileSync(join(tmp, 'build.json'), JSON.stringify(result, null, 1));
    rmSync(join(tmp, 'obj'), { recursive: true, force: true }); // per-build objects: linked, not needed
    try {
      renameSync(tmp, o.dir);
    } catch {
      // Another process finished the same build first: theirs is identical, keep it.
      rmSync(tmp, { recursive: true, force: true });
    }
    // Bounded cache: the most recently used builds and objects stay.
    pruneCache(join(cacheRoot(), 'builds'), MAX_CACHED_BUILDS);
    pruneCache(join(cacheRoot(), 'objects'), MAX_CACHED_OBJECTS);
    return result;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
