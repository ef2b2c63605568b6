// The first cache level: a finished build found by its spec key (model bytes, board, options,
// sources) without reading the model. Entries point at a build folder of the second level
// (builds/<content key>/); a pruned build folder makes the entry a miss.
import { existsSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pruneCache } from './compile.ts';
import { cacheRoot } from './paths.ts';
import type { BuildResult } from './types.ts';

const MAX_CACHED_SPECS = 3000;

function specFile(key: string): string {
  return join(cacheRoot(), 'specs', `${key}.json`);
}

/** The cached result for a spec key, marked `cached`, or undefined. */
export function readSpec(key: string): BuildResult | undefined {
  const file = specFile(key);
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, 'utf8')) as BuildResult;
  if (!existsSync(r.elfPath)) return undefined;
  const now = new Date();
  try { utimesSync(file, now, now); utimesSync(r.buildDir, now, now); } catch { /* pruned meanwhile */ }
  return { ...r, cached: true };
}

/** Records a spec's result (atomically) and keeps the most recently used entries. */
export function writeSpec(key: string, result: BuildResult): void {
  const file = specFile(key);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...result, cached: false }, null, 1));
  renameSync(tmp, file);
  pruneCache(dirname(file), MAX_CACHED_SPECS);
}
