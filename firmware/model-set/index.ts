// The model set (../shared/models beside the checkout, or $TINYRACK_MODELS): names, paths and
// golden input/output samples decoded into each model's own tensor dtype, following
// manifest.json (the encodings differ per model; see that folder's README).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function modelSetDir(): string {
  const dir = process.env.TINYRACK_MODELS ?? resolve(REPO_ROOT, '..', 'shared', 'models');
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`model set not found at ${dir} (set TINYRACK_MODELS to the folder holding manifest.json)`);
  }
  return dir;
}

interface ManifestEntry {
  dtype: 'int8' | 'float32';
  input: { file: string; encoding: string; quantize?: { scale: number; zero_point: number }; shape: number[] };
  output: { file: string; encoding: string; dequantize?: { scale: number; zero_point: number }; shape: number[] };
  samples: number;
}

export function manifest(): Record<string, ManifestEntry> {
  return JSON.parse(readFileSync(join(modelSetDir(), 'manifest.json'), 'utf8'));
}

export function modelNames(): string[] {
  return Object.keys(manifest()).sort();
}

export function modelPath(name: string): string {
  const p = join(modelSetDir(), name, `${name}.tflite`);
  if (!existsSync(p)) throw new Error(`no model "${name}" in the model set (have: ${modelNames().join(', ')})`);
  return p;
}

/** A model argument is either a path to a .tflite or the name of a model in the set. */
export function resolveModel(arg: string): { name: string; path: string } {
  if (arg.endsWith('.tflite') || arg.includes('/')) {
    if (!existsSync(arg)) throw new Error(`model file not found: ${arg}`);
    const base = arg.split('/').pop()!.replace(/\.tflite$/, '');
    return { name: base, path: arg };
  }
  return { name: arg, path: modelPath(arg) };
}

export interface GoldenSample {
  index: number;
  /** The model input in its own dtype: Int8Array for int8 models, Float32Array for float. */
  input: Int8Array | Float32Array;
  /** The expected output in the model's output dtype (int8 re-quantized from the float file). */
  output: Int8Array | Float32Array;
}

function floats(buf: Buffer): Float32Array {
  const copy = new Uint8Array(buf); // aligned copy
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

function clampI8(x: number): number { return Math.max(-128, Math.min(127, x)); }

export function goldenSamples(name: string): GoldenSample[] {
  const m = manifest()[name];
  if (!m) throw new Error(`no model "${name}" in manifest.json`);
  const dir = join(modelSetDir(), name);
  const out: GoldenSample[] = [];
  const inDir = join(dir, dirname(m.input.file));
  const outDir = join(dir, dirname(m.output.file));
  const count = readdirSync(inDir).filter((f) => f.endsWith('.bin')).length;
  for (let i = 0; i < Math.min(m.samples, count); i++) {
    const rawIn = readFileSync(join(inDir, `${i}.bin`));
    const rawOut = readFileSync(join(outDir, `${i}.bin`));
    let input: Int8Array | Float32Array;
    let output: Int8Array | Float32Array;
    if (m.dtype === 'float32') {
      input = floats(rawIn);
      output = floats(rawOut);
    } else {
      const enc = m.input.encoding;
      if (enc === 'float32') {
        const q = m.input.quantize!;
        input = Int8Array.from(floats(rawIn), (x) => clampI8(Math.round(x / q.scale) + q.zero_point));
      } else if (enc.startsWith('uint8')) {
        input = Int8Array.from(rawIn, (b) => b - 128);
      } else if (enc === 'int8') {
        input = new Int8Array(rawIn.buffer.slice(rawIn.byteOffset, rawIn.byteOffset + rawIn.byteLength));
      } else {
        throw new Error(`unknown input encoding "${enc}" for ${name}`);
      }
      const dq = m.output.dequantize;
      if (m.output.encoding === 'float32-dequantized' && dq) {
        output = Int8Array.from(floats(rawOut), (x) => clampI8(Math.round(x / dq.scale) + dq.zero_point));
      } else if (m.output.encoding === 'int8') {
        output = new Int8Array(rawOut.buffer.slice(rawOut.byteOffset, rawOut.byteOffset + rawOut.byteLength));
      } else {
        throw new Error(`unknown output encoding "${m.output.encoding}" for ${name}`);
      }
    }
    out.push({ index: i, input, output });
  }
  return out;
}
