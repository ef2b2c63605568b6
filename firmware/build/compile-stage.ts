// A prepared model stage -> firmware ELF: writes the generated files, the golden input and the
// board's memory map into a fresh folder, compiles harness + board + backend sources (shared
// objects cached), links with the backend's archives, reads the sizes, and moves the folder
// into place atomically (a concurrent identical build keeps whichever finished first).
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BOARDS_DIR } from '../../boards/index.ts';
import type { BoardDefinition } from '../../boards/types.ts';
import type { Arithmetic, Backend, Protocol, TilingMode } from '../../wire/vocabulary.ts';
import { mlperfMetaSource } from './mlperf-meta.ts';
import { compileObjects, headersHash, link, pruneCache, type CompileJob } from './compile.ts';
import { elfSizes } from './elf-sizes.ts';
import { boardDefines, cDefines, cStr, goldenSource, memoryScript } from './firmware-sources.ts';
import { cacheRoot, HARNESS_DIR, REPORT_SOURCE, RUNTIME_INCLUDE } from './paths.ts';
import type { BuildResult, ModelStage } from './types.ts';

/** Cache bounds (most recently used kept); override with TINYRACK_CACHE_BUILDS / _OBJECTS. */
const MAX_CACHED_BUILDS = Number(process.env.TINYRACK_CACHE_BUILDS ?? 300);
const MAX_CACHED_OBJECTS = Number(process.env.TINYRACK_CACHE_OBJECTS ?? 3000);

export interface StageOptions {
  key: string; firmwareHash: string; dir: string; backend: Backend; tiling: TilingMode; reps: number; warmup: number; arithmetic: Arithmetic;
  protocol: Protocol; energyMode: boolean;
}

export async function compileStage(board: BoardDefinition, stage: ModelStage, o: StageOptions): Promise<BuildResult> {
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
    // The MLPerf Tiny mode takes its inputs from the host: its buffer, output scales and model
    // name are generated beside the golden input (which its harness does not use).
    const mlperf = o.protocol === 'mlperf-tiny';
    if (mlperf) {
      const quant = stage.outputQuant ?? stage.expectedOutputs.map(() => ({ scale: 1, zeroPoint: 0 }));
      writeFileSync(join(src, 'tr_mlperf_meta.c'), mlperfMetaSource(stage.name, quant, stage.inputs.reduce((a, b) => a + b.length, 0)));
    }
    writeFileSync(join(tmp, 'tr_memory.ld'), memoryScript(board));

    const tc = board.toolchain;
    const genDirs = [...new Set(Object.keys(stage.files).map((f) => dirname(join(src, f))))];
    const includeDirs = [HARNESS_DIR, RUNTIME_INCLUDE, ...stage.includeDirs, src, ...genDirs];
    const incFlags = [...new Set(includeDirs)].flatMap((d) => ['-I', d]);
    const baseFlags = [...tc.cflags, ...cDefines(boardDefines(board)), ...incFlags];
    // Board sources include headers from boards/ (common/, cortex-m/): part of the object key too.
    const headersKey = headersHash([HARNESS_DIR, RUNTIME_INCLUDE, BOARDS_DIR, ...stage.includeDirs]);
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
        compiler: cc, source: join(HARNESS_DIR, mlperf ? 'mlperf_tiny.c' : 'main.c'), headersKey,
        flags: [...baseFlags, ...cDefines({ TR_FW_ID: cStr(o.firmwareHash), TR_REPS: `${o.reps}`, TR_WARMUP: `${o.warmup}`, ...(o.energyMode ? { TR_MLPERF_ENERGY: '' } : {}) })],
      },
      { compiler: cc, source: REPORT_SOURCE, headersKey, flags: baseFlags },
      ...board.sources.map((s) => ({ compiler: cc, source: join(BOARDS_DIR, s), headersKey, flags: baseFlags })),
      ...stage.extraSources.map((s) => ({ compiler: compilerFor(s), source: s, headersKey, flags: [...baseFlags, ...flagsFor(s)] })),
      ...[...generated, join(src, mlperf ? 'tr_mlperf_meta.c' : 'tr_golden.c')].map((s) => ({ compiler: compilerFor(s), source: s, headersKey, flags: [...baseFlags, ...flagsFor(s)], shared: false })),
    ];
    const objects = await compileObjects(jobs, join(cacheRoot(), 'objects'), join(tmp, 'obj'));
    const elf = join(tmp, 'firmware.elf');
    const linker = jobs.some((j) => j.compiler === cxx) || stage.archives.length ? cxx : cc;
    const script = board.linkerScript ? ['-T', join(BOARDS_DIR, board.linkerScript), '-L', tmp] : [];
    await link(linker, [...tc.cflags, ...tc.ldflags, ...script, ...objects, ...stage.archives, ...tc.libs,
      `-Wl,-Map=${join(tmp, 'firmware.map')}`, '-o', elf]);
    const sizes = elfSizes(elf);
    const result: BuildResult = {
      elfPath: join(o.dir, 'firmware.elf'), firmwareHash: o.firmwareHash,
      romBytes: sizes.romBytes, ramBytes: sizes.ramBytes, sections: sizes.sections,
      arenaBytes: stage.arenaBytes, plannedArenaBytes: stage.plannedArenaBytes, expectedOutputs: stage.expectedOutputs, reference: stage.reference,
      cached: false, board: board.id, model: stage.name, backend: o.backend, tiling: o.tiling, arithmetic: o.arithmetic, protocol: o.protocol,
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
