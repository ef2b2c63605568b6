// Compiling and linking with a board's toolchain: execa with argument arrays (never a shell),
// a timeout per step, and an object cache keyed by everything that decides an object's bytes
// (compiler, flags, the source, every header it could include), so the kernels and the harness
// are compiled once per board configuration, not once per model.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, extname, join } from 'node:path';
import { execa } from 'execa';

export const COMPILE_TIMEOUT_MS = 180_000;

export class ToolchainMissingError extends Error {
  constructor(tool: string, hint: string) {
    super(`toolchain ${tool} not found on PATH (install: ${hint})`);
    this.name = 'ToolchainMissingError';
  }
}

const found = new Map<string, boolean>();

export async function hasTool(tool: string): Promise<boolean> {
  if (!found.has(tool)) {
    const r = await execa('which', [tool], { reject: false, timeout: 10_000 });
    found.set(tool, r.exitCode === 0);
  }
  return found.get(tool)!;
}

function sha(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) { h.update(p); h.update('\0'); }
  return h.digest('hex');
}

/** Hash of every header under the include directories (any change invalidates the objects). */
export function headersHash(dirs: readonly string[]): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(h|hpp|inc)$/.test(name)) { h.update(p); h.update(readFileSync(p)); }
    }
  };
  dirs.forEach(walk);
  return h.digest('hex');
}

/** Runs tasks with at most `limit` at a time; results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface CompileJob {
  compiler: string;
  flags: string[];
  source: string;
  /** Headers that decide the object besides the source itself. */
  headersKey: string;
  /** False for per-build sources (generated model, golden input): compiled into the build
   * folder, not kept in the shared object cache. */
  shared?: boolean;
}

export async function compileObjects(jobs: readonly CompileJob[], objectCache: string, outDir: string): Promise<string[]> {
  mkdirSync(objectCache, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  return pool(jobs, Math.max(1, availableParallelism()), async (job) => {
    const key = sha(job.compiler, job.flags.join(' '), readFileSync(job.source), job.headersKey);
    const shared = job.shared !== false;
    const target = shared ? join(objectCache, `${key}.o`) : join(outDir, `${basename(job.source, extname(job.source))}-${key.slice(0, 8)}.o`);
    if (existsSync(target)) {
      const now = new Date();
      utimesSync(target, now, now); // recently used: kept by pruneCache
      return target;
    }
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const r = await execa(job.compiler, [...job.flags, '-c', job.source, '-o', tmp],
      { reject: false, timeout: COMPILE_TIMEOUT_MS, all: true });
    if (r.timedOut) throw new Error(`compiling ${job.source} timed out after ${COMPILE_TIMEOUT_MS} ms`);
    if (r.exitCode !== 0) throw new Error(`compiling ${basename(job.source)} failed:\n${r.all}`);
    renameSync(tmp, target);
    return target;
  });
}

/** Keeps the newest `keep` entries of a cache folder (by modification time), deletes the rest. */
export function pruneCache(dir: string, keep: number): number {
  if (!existsSync(dir)) return 0;
  const entries = readdirSync(dir).filter((n) => !n.includes('.tmp')).map((n) => {
    const p = join(dir, n);
    try { return { p, t: statSync(p).mtimeMs }; } catch { return undefined; }
  }).filter((e): e is { p: string; t: number } => e !== undefined).sort((a, b) => b.t - a.t);
  let removed = 0;
  for (const e of entries.slice(keep)) {
    rmSync(e.p, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

export async function link(compiler: string, args: string[]): Promise<void> {
  const r = await execa(compiler, args, { reject: false, timeout: COMPILE_TIMEOUT_MS, all: true });
  if (r.timedOut) throw new Error(`linking timed out after ${COMPILE_TIMEOUT_MS} ms`);
  if (r.exitCode !== 0) {
    const overflow = /region [`']?(\w+)'? overflowed by (\d+) bytes/.exec(r.all ?? '');
    if (overflow) throw new Error(`firmware does not fit: ${overflow[1]} overflowed by ${overflow[2]} bytes`);
    throw new Error(`linking failed:\n${r.all}`);
  }
}
