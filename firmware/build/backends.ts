// Local adapter to the code generators (firmware/codegen/{aot,tflm}, owned by the codegen
// engineer). Loaded lazily by path so the build pipeline works (and typechecks) whether or not
// a backend has landed; a missing backend is a clear error naming the file.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Graph } from '../ir/graph.ts';

export const FIRMWARE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RUNTIME_INCLUDE = join(FIRMWARE_DIR, 'runtime', 'include');
export const KERNELS_DIR = join(FIRMWARE_DIR, 'runtime', 'kernels');

export type { Backend as BackendName } from '../../wire/vocabulary.ts';
import type { Backend as BackendName, Arithmetic } from '../../wire/vocabulary.ts';

export interface GeneratorOutput {
  /** Relative path -> contents; .c/.cc/.cpp files are compiled, headers are on the include path. */
  files: Record<string, string>;
  arenaBytes: number;
  /** Extra sources (absolute) and include dirs the generated code needs, when the generator says. */
  sources?: string[];
  includeDirs?: string[];
  /** Flags the generated code and the kernels must be compiled with. */
  cFlags?: string[];
}

export interface GenerateOptions {
  modelName: string;
  boardFeatures: { dsp: boolean; fpu: boolean };
  /** AoT only: 'reference' (TFLite fixed point = TFLite-Micro, default) or 'xnnpack' (float32
   * requantization like TFLite's XNNPACK delegate, which made the golden files). */
  arithmetic?: AotArithmetic;
  /** AoT only: kernel selection goal (wire/vocabulary.ts OPTIMIZE_GOALS). */
  optimize?: OptimizeGoal;
}

export type AotArithmetic = Arithmetic;
type OptimizeGoal = import('../../wire/vocabulary.ts').OptimizeGoal;
export { ARITHMETICS as AOT_ARITHMETICS } from '../../wire/vocabulary.ts';

type Generate = (graph: Graph, plan: unknown, opts: GenerateOptions) => GeneratorOutput | Promise<GeneratorOutput>;

const ENTRY: Partial<Record<BackendName, { file: string; fn: string }>> = {
  aot: { file: join(FIRMWARE_DIR, 'codegen', 'aot', 'index.ts'), fn: 'generateAot' },
  tflm: { file: join(FIRMWARE_DIR, 'codegen', 'tflm', 'index.ts'), fn: 'generateTflm' },
};

export async function loadGenerator(backend: BackendName): Promise<{ generate: Generate; module: Record<string, unknown> }> {
  const e = ENTRY[backend];
  if (!e) throw new Error(`unknown backend "${backend}" (use aot or tflm)`);
  if (!existsSync(e.file)) throw new Error(`the ${backend} backend is not available yet (${e.file} missing)`);
  const module = (await import(pathToFileURL(e.file).href)) as Record<string, unknown>;
  const generate = module[e.fn];
  if (typeof generate !== 'function') throw new Error(`${e.file} does not export ${e.fn}()`);
  return { generate: generate as Generate, module };
}

/** Kernel sources and include dirs for the generated code: what the backend module reports
 * (kernelSources()/kernelIncludeDirs() or KERNEL_SOURCES/KERNEL_INCLUDE_DIRS), else every
 * kernel in firmware/runtime/kernels (unused ones are dropped by --gc-sections). */
export async function kernelFiles(module: Record<string, unknown>, out: GeneratorOutput, backend: BackendName = 'aot'):
  Promise<{ sources: string[]; includeDirs: string[]; cxxFlags: string[] }> {
  if (backend === 'tflm') {
    // TFLite Micro is compiled from a source tree (env TFLM_DIR), listed by the tflm backend.
    const dir = process.env.TFLM_DIR;
    if (!dir) throw new Error('the tflm backend needs a tflite-micro source tree: set TFLM_DIR to its folder');
    const sources = (module.tflmSources as (d: string) => string[])(dir);
    const inc = (module.tflmIncludeDirs as (d: string) => string[])(dir);
    return { sources, includeDirs: [...(out.includeDirs ?? []), ...inc, RUNTIME_INCLUDE], cxxFlags: (module.TFLM_CXXFLAGS as string[]) ?? [] };
  }
  const pick = async (fnName: string, constName: string): Promise<string[] | undefined> => {
    const f = module[fnName];
    if (typeof f === 'function') return (await (f as () => string[] | Promise<string[]>)()) ?? undefined;
    const c = module[constName];
    if (Array.isArray(c)) return c as string[];
    if (typeof c === 'string') return [c];
    return undefined;
  };
  let sources = out.sources ?? await pick('kernelSources', 'KERNEL_SOURCES');
  if (!sources && existsSync(KERNELS_DIR)) {
    sources = readdirSync(KERNELS_DIR).filter((f) => /\.(c|cc|cpp)$/.test(f)).sort().map((f) => join(KERNELS_DIR, f));
  }
  const includeDirs = out.includeDirs ?? await pick('kernelIncludeDirs', 'KERNEL_INCLUDE_DIRS') ?? await pick('kernelIncludeDir', 'KERNEL_INCLUDE_DIR') ?? [];
  return { sources: sources ?? [], includeDirs: [...includeDirs, RUNTIME_INCLUDE, KERNELS_DIR], cxxFlags: [] };
}
