// Real TensorFlow Lite (the C++ runtime compiled to WebAssembly, shipped in the npm package
// @tensorflow/tfjs-tflite) for tests: any .tflite — including our rewritten, tiled ones — is run
// here and compared with our interpreter and firmware.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

interface TfliteTensor { data(): Int8Array | Uint8Array | Float32Array | Int32Array; dataType: string; shape: string }
interface Vec<T> { size(): number; get(i: number): T }
interface Runner { GetInputs(): Vec<TfliteTensor>; GetOutputs(): Vec<TfliteTensor>; Infer(): boolean; delete(): void }
interface TfliteModule {
  _malloc(n: number): number; _free(p: number): void; HEAPU8: Uint8Array;
  TFLiteWebModelRunner: { CreateFromBufferAndOptions(ptr: number, len: number, opts: object): { value(): Runner } | Runner };
}

let modulePromise: Promise<TfliteModule> | undefined;

export function loadTflite(): Promise<TfliteModule> {
  if (!modulePromise) {
    const dir = join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
    const factory = require(join(dir, 'tflite_web_api_cc.js'));
    modulePromise = (factory.default ?? factory)({ wasmBinary: readFileSync(join(dir, 'tflite_web_api_cc.wasm')) });
  }
  return modulePromise!;
}

export type TypedOut = Int8Array | Uint8Array | Float32Array | Int32Array;

/** Runs a .tflite once per input set; each input set lists one typed array per model input. */
export async function runTflite(model: Uint8Array, inputSets: ArrayLike<number>[][]): Promise<TypedOut[][]> {
  const mod = await loadTflite();
  const ptr = mod._malloc(model.byteLength);
  mod.HEAPU8.set(model, ptr);
  const created = mod.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, model.byteLength,
    { numThreads: 1, enableProfiling: false, maxProfilingBufferEntries: 0 });
  const runner: Runner = typeof (created as { value?: unknown }).value === 'function'
    ? (created as { value(): Runner }).value() : created as Runner;
  try {
    const results: TypedOut[][] = [];
    for (const inputs of inputSets) {
      const ins = runner.GetInputs();
      if (ins.size() !== inputs.length) throw new Error(`model has ${ins.size()} inputs, got ${inputs.length}`);
      for (let i = 0; i < inputs.length; i++) ins.get(i).data().set(inputs[i]!);
      if (!runner.Infer()) throw new Error('TFLite Infer() failed');
      const outs = runner.GetOutputs();
      const row: TypedOut[] = [];
      for (let i = 0; i < outs.size(); i++) row.push(outs.get(i).data().slice());
      results.push(row);
    }
    return results;
  } finally {
    runner.delete();
    mod._free(ptr);
  }
}
