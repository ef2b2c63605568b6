// A flattened TFLite-Micro tree, as TFLM's own project generator
// (tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py, run by
// provisioning/fetch-tflm.sh) writes it: the library's sources and headers under tensorflow/
// (and signal/ where TFLM has it), third-party code under third_party/. The generator copies
// exactly what TFLM's Makefile lists for the chosen kernels, so the tree IS the compile list:
// every .c/.cc/.cpp file in it is compiled, none is named here (file locations move between
// TFLM commits — error_reporter.cc and schema_utils.cc moved to tensorflow/compiler/mlir/lite/).
//
// Where a tree is found: TFLM_DIR (reference kernels) / TFLM_CMSIS_NN_DIR (CMSIS-NN kernels),
// else the cache folder fetch-tflm.sh fills (TINYRACK_TFLM_TREES, default .cache/tflm/).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './paths.ts';

/** Which kernels a tree was generated with: TFLM's reference kernels or
 * OPTIMIZED_KERNEL_DIR=cmsis_nn. */
export type TflmKernels = 'reference' | 'cmsis_nn';

export const TFLM_TREE_ENV: Record<TflmKernels, string> = { reference: 'TFLM_DIR', cmsis_nn: 'TFLM_CMSIS_NN_DIR' };

/** Folder fetch-tflm.sh fills: <root>/reference and <root>/cmsis_nn. */
export function tflmTreesRoot(): string {
  return process.env.TINYRACK_TFLM_TREES ?? join(REPO_ROOT, '.cache', 'tflm');
}

/** TFLM's release build (its BUILD_TYPE=release): assertions and debug checks compiled out.
 * Without -DNDEBUG the reference inner loops keep TFLM's checks: aww ran 200,081,240
 * instructions instead of 43,116,080 (issue 10). */
export const TFLM_RELEASE_DEFINES = ['-DNDEBUG', '-DTF_LITE_STATIC_MEMORY'];
/** TFLM's C++ dialect and its no-exceptions/no-RTTI embedded flags (tools/make/Makefile). */
export const TFLM_CXX_FLAGS = ['-std=c++17', '-fno-rtti', '-fno-exceptions', '-fno-threadsafe-statics', '-fno-unwind-tables'];
/** CMSIS-NN kernels: TFLM's kernels/cmsis_nn/*.cc select CMSIS-NN calls under this define. */
export const TFLM_CMSIS_NN_DEFINES = ['-DCMSIS_NN'];

// Include roots of the generated tree, as TFLM's project-generation Makefile lists them
// (tools/project_generation/Makefile): the tree root and the third-party roots; CMSIS-NN adds
// its own root, its Include folder and CMSIS Core's. Only the ones present are used.
const INCLUDE_ROOTS = ['.', 'third_party/gemmlowp', 'third_party/flatbuffers/include', 'third_party/kissfft', 'third_party/ruy'];
const CMSIS_NN_INCLUDE_ROOTS = ['third_party/cmsis_nn', 'third_party/cmsis_nn/Include', 'third_party/cmsis/CMSIS/Core/Include', 'third_party/cmsis'];

/** Folders in a tree that are not the library: examples copied with `-e`, the project
 * Makefile's output, version-control data. */
const NOT_LIBRARY = new Set(['examples', 'gen', '.git']);

export interface TflmTree {
  dir: string;
  kernels: TflmKernels;
  /** Translation units, relative to dir, sorted. */
  sources: string[];
  includeDirs: string[];
  /** Defines and flags every file of the library and the generated model is compiled with. */
  defines: string[];
  /** What fetch-tflm.sh recorded about the tree (commit, generator options), if present. */
  stamp?: Record<string, unknown>;
}

export class TflmTreeMissing extends Error {
  constructor(readonly backend: string, message: string) {
    super(message);
    this.name = 'TflmTreeMissing';
  }
}

function walk(dir: string, root: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (dir === root && NOT_LIBRARY.has(name)) continue;
      if (name.startsWith('.')) continue;
      walk(p, root, out);
    } else if (/\.(c|cc|cpp)$/.test(name)) {
      out.push(relative(root, p));
    }
  }
}

/** Reads a tree: checks it is a TFLM tree of the expected kernels and lists what to compile. */
export function readTflmTree(dir: string, kernels: TflmKernels, backend: string): TflmTree {
  const abs = resolve(dir);
  const how = `run provisioning/fetch-tflm.sh (needs network access to github.com) or set ${TFLM_TREE_ENV[kernels]}`;
  if (!existsSync(join(abs, 'tensorflow', 'lite', 'micro', 'micro_interpreter.cc'))) {
    throw new TflmTreeMissing(backend, `${abs} is not a flattened TFLite-Micro tree (no tensorflow/lite/micro/micro_interpreter.cc): ${how}`);
  }
  const sources: string[] = [];
  walk(abs, abs, sources);
  const cmsisKernels = sources.some((s) => s.startsWith('tensorflow/lite/micro/kernels/cmsis_nn/'));
  if (kernels === 'cmsis_nn' && !cmsisKernels) {
    throw new TflmTreeMissing(backend, `${abs} was generated with reference kernels, ${backend} needs OPTIMIZED_KERNEL_DIR=cmsis_nn: ${how}`);
  }
  if (kernels === 'reference' && cmsisKernels) {
    throw new TflmTreeMissing(backend, `${abs} was generated with CMSIS-NN kernels, ${backend} needs TFLM's reference kernels: ${how}`);
  }
  const roots = kernels === 'cmsis_nn' ? [...INCLUDE_ROOTS, ...CMSIS_NN_INCLUDE_ROOTS] : INCLUDE_ROOTS;
  const includeDirs = roots.map((r) => join(abs, r)).filter((d) => existsSync(d));
  const stampFile = join(abs, 'TINYRACK_TREE.json');
  let stamp: Record<string, unknown> | undefined;
  if (existsSync(stampFile)) {
    try { stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as Record<string, unknown>; } catch { /* a broken stamp only loses provenance */ }
  }
  return {
    dir: abs, kernels, sources, includeDirs,
    defines: [...TFLM_RELEASE_DEFINES, ...(kernels === 'cmsis_nn' ? TFLM_CMSIS_NN_DEFINES : [])],
    ...(stamp ? { stamp } : {}),
  };
}

/** Finds the tree for a kernel kind (env override, else the fetch-tflm.sh cache) or throws one
 * clear error saying how to get one. */
export function findTflmTree(kernels: TflmKernels, backend: string): TflmTree {
  const env = process.env[TFLM_TREE_ENV[kernels]];
  if (env) return readTflmTree(env, kernels, backend);
  const cached = join(tflmTreesRoot(), kernels);
  if (!existsSync(cached)) {
    throw new TflmTreeMissing(backend, `the ${backend} backend needs a TFLite-Micro source tree (${kernels === 'cmsis_nn' ? 'CMSIS-NN' : 'reference'} kernels) and none is here: run provisioning/fetch-tflm.sh (needs network access to github.com; fills ${cached}) or set ${TFLM_TREE_ENV[kernels]} to a tree made by TFLM's create_tflm_tree.py`);
  }
  return readTflmTree(cached, kernels, backend);
}
