// TFLite-Micro compiled once per (tree, toolchain, flags) into a static library under
// <cache>/libs/: every translation unit the tree holds (tflm-tree.ts), with the board's CPU
// flags and TFLM's release flags. Objects go through the shared object cache, so a changed
// flag recompiles only what it changes; the archive is what firmware links, so the linker
// takes only the members the interpreter and the model's kernels need.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { BoardDefinition } from '../../boards/types.ts';
import { compileObjects, headersHash, COMPILE_TIMEOUT_MS, type CompileJob } from './compile.ts';
import { cacheRoot } from './paths.ts';
import { TFLM_CXX_FLAGS, type TflmTree } from './tflm-tree.ts';

/** Flags a TFLM tree's C++ (and the generated model that includes its headers) is compiled with. */
export function tflmCxxFlags(tree: TflmTree): string[] {
  return [...TFLM_CXX_FLAGS, ...tree.defines];
}

/** Flags for the tree's C sources (CMSIS-NN, kissfft): the defines without the C++ dialect. */
export function tflmCFlags(tree: TflmTree): string[] {
  return ['-std=c11', ...tree.defines];
}

/** The compile job for each translation unit of the tree (exposed for tests and reports). */
export function tflmCompileJobs(tree: TflmTree, board: BoardDefinition, headersKey = ''): CompileJob[] {
  const tc = board.toolchain;
  const inc = tree.includeDirs.flatMap((d) => ['-I', d]);
  return tree.sources.map((rel) => {
    const cxx = /\.(cc|cpp)$/.test(rel);
    return {
      compiler: `${tc.prefix}${cxx ? 'g++' : 'gcc'}`,
      source: join(tree.dir, rel),
      flags: [...tc.cflags, ...(cxx ? tflmCxxFlags(tree) : tflmCFlags(tree)), ...inc],
      headersKey,
    };
  });
}

/** Identity of a tree's contents without reading every byte: path, size and mtime of each file. */
function treeIdentity(tree: TflmTree): string {
  const h = createHash('sha256');
  h.update(tree.dir);
  for (const rel of tree.sources) {
    const st = statSync(join(tree.dir, rel));
    h.update(`${rel}\0${st.size}\0${st.mtimeMs}\0`);
  }
  return h.digest('hex');
}

async function compilerVersion(compiler: string): Promise<string> {
  const r = await execa(compiler, ['--version'], { reject: false, timeout: 30_000 });
  return r.stdout.split('\n')[0] ?? compiler;
}

/** Cache key of the library for a tree on a board's toolchain. */
export async function tflmLibraryKey(tree: TflmTree, board: BoardDefinition): Promise<string> {
  const tc = board.toolchain;
  return createHash('sha256').update(JSON.stringify({
    v: 1, tree: treeIdentity(tree), cxx: await compilerVersion(`${tc.prefix}g++`), prefix: tc.prefix,
    cflags: tc.cflags, cxxFlags: tflmCxxFlags(tree), cFlags: tflmCFlags(tree), includeDirs: tree.includeDirs,
  })).digest('hex');
}

const building = new Map<string, Promise<string>>();

/** Path of the static library for `tree` on `board`'s toolchain, compiling it when missing. */
export async function tflmLibrary(tree: TflmTree, board: BoardDefinition): Promise<{ archive: string; key: string }> {
  const key = await tflmLibraryKey(tree, board);
  const archive = join(cacheRoot(), 'libs', `tflm-${key.slice(0, 24)}.a`);
  if (existsSync(archive)) return { archive, key };
  let p = building.get(key);
  if (!p) {
    p = (async () => {
      const tmpDir = join(cacheRoot(), 'libs', `tflm-${key.slice(0, 24)}.tmp-${process.pid}`);
      mkdirSync(tmpDir, { recursive: true });
      try {
        const jobs = tflmCompileJobs(tree, board, headersHash(tree.includeDirs));
        const objects = await compileObjects(jobs, join(cacheRoot(), 'objects'), join(tmpDir, 'obj'));
        const tmpArchive = join(tmpDir, 'libtflm.a');
        const r = await execa(`${board.toolchain.prefix}ar`, ['rcs', tmpArchive, ...objects], { reject: false, timeout: COMPILE_TIMEOUT_MS, all: true });
        if (r.exitCode !== 0) throw new Error(`archiving TFLite-Micro failed:\n${r.all}`);
        renameSync(tmpArchive, archive);
        return archive;
      } finally {
        rmSync(tmpDir, { recursive: true, force: true });
        building.delete(key);
      }
    })();
    building.set(key, p);
  }
  return { archive: await p, key };
}
