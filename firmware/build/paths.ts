// Where the build finds its inputs (harness, runtime, kernels) and keeps its caches.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIRMWARE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(FIRMWARE_DIR, '..');
export const RUNTIME_INCLUDE = join(FIRMWARE_DIR, 'runtime', 'include');
export const KERNELS_DIR = join(FIRMWARE_DIR, 'runtime', 'kernels');
export const HARNESS_DIR = join(FIRMWARE_DIR, 'harness');
export const REPORT_SOURCE = join(FIRMWARE_DIR, 'runtime', 'tr_report.c');

/** Root of every build cache (specs, builds, objects, libraries); TINYRACK_CACHE overrides. */
export function cacheRoot(): string {
  return process.env.TINYRACK_CACHE ?? join(REPO_ROOT, '.cache', 'tinyrack');
}
