// Builds generated AoT models for the host with gcc and runs them on input samples: the kernel
// library is compiled once per flag set into a static archive, each model is one more file.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AOT_CFLAGS, KERNEL_INCLUDE_DIR, kernelSources } from '../../../firmware/codegen/aot/index.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const HOST_MAIN = join(HERE, 'host_main.c');

let workDir: string | undefined;
function work(): string {
  if (!workDir) {
    workDir = mkdtempSync(join(tmpdir(), 'tr-codegen-'));
    process.on('exit', () => { try { rmSync(workDir!, { recursive: true, force: true }); } catch { /* best effort */ } });
  }
  return workDir;
}

const libs = new Map<string, Promise<string>>();

/** Static archive of every kernel, compiled with the given extra flags (cached per flag set). */
export function kernelLibrary(extraFlags: string[] = []): Promise<string> {
  const key = extraFlags.join(' ');
  let lib = libs.get(key);
  if (!lib) {
    lib = (async () => {
      const dir = join(work(), `lib${libs.size}`);
      mkdirSync(dir, { recursive: true });
      const objs: string[] = [];
      // Two at a time: the machine has two cores shared with other work.
      const srcs = kernelSources();
      for (let k = 0; k < srcs.length; k += 2) {
        await Promise.all(srcs.slice(k, k + 2).map(async (src) => {
          const obj = join(dir, basename(src).replace(/\.c$/, '.o'));
          await execa('gcc', [...AOT_CFLAGS, '-O2', '-Wall', '-Wextra', '-Werror', ...extraFlags, '-I', KERNEL_INCLUDE_DIR, '-c', src, '-o', obj]);
          objs.push(obj);
        }));
      }
      const archive = join(dir, 'libtrkernels.a');
      await execa('ar', ['rcs', archive, ...objs.sort()]);
      return archive;
    })();
    libs.set(key, lib);
  }
  return lib;
}

let counter = 0;

/** Writes the generated files, compiles them with the host driver, returns the executable. */
export async function buildHostModel(files: Record<string, string>, extraFlags: string[] = []): Promise<string> {
  const dir = join(work(), `model${counter++}`);
  mkdirSync(dir, { recursive: true });
  const sources: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    if (name.endsWith('.c')) sources.push(join(dir, name));
  }
  const lib = await kernelLibrary(extraFlags);
  const exe = join(dir, 'model');
  await execa('gcc', [...AOT_CFLAGS, '-O1', '-Wall', '-Werror', ...extraFlags, '-I', KERNEL_INCLUDE_DIR, ...sources, HOST_MAIN, lib, '-lm', '-o', exe]);
  return exe;
}

/** Runs the model on `count` samples (inputs back to back), returns all outputs back to back. */
export async function runHostModel(exe: string, input: Uint8Array, count: number): Promise<Uint8Array> {
  const inPath = `${exe}.in`; const outPath = `${exe}.out`;
  writeFileSync(inPath, input);
  await execa(exe, [inPath, outPath, String(count)]);
  if (!existsSync(outPath)) throw new Error('model wrote no output');
  return new Uint8Array(readFileSync(outPath));
}

export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.byteLength; }
  return out;
}

/** The kernel builds a host test runs generated C with: the reference kernels, the optimized
 * ones with the DSP instructions emulated, and the optimized ones without a DSP (the scalar
 * multiply-accumulate path RISC-V and Cortex-M0 run). */
export const HOST_KERNEL_VARIANTS = [
  { name: 'reference kernels', kernels: 'reference' as const, flags: [] as string[] },
  { name: 'optimized kernels (DSP emulated)', kernels: 'optimized' as const, flags: ['-DTR_DSP_EMULATE'] },
  { name: 'optimized kernels (scalar, as without a DSP extension)', kernels: 'optimized' as const, flags: [] as string[] },
];
