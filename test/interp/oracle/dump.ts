// Cross-check of the interpreter against TensorFlow for Python (optional; not part of `npm test`,
// which uses the TFLite runtime shipped in npm). Step 1 of 3: writes the random one-op cases of
// ../cases.ts and the model-set golden inputs as .tflite + raw input files.
//
//   node --import tsx test/interp/oracle/dump.ts /tmp/oracle 30
//   python3 test/interp/oracle/run.py /tmp/oracle        # needs `tensorflow` (2.x) importable
//   node --import tsx test/interp/oracle/compare.ts /tmp/oracle
//
// run.py executes every case with TFLite's three kernel sets (BUILTIN_REF reference kernels,
// BUILTIN_WITHOUT_DEFAULT_DELEGATES optimized kernels, BUILTIN with XNNPACK); compare.ts prints,
// per op and model, how many cases each interpreter arithmetic reproduces exactly.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeModel } from '../../../firmware/model/writer.ts';
import { goldenSamples, modelNames, modelPath } from '../../../firmware/model-set/index.ts';
import { CASES } from '../cases.ts';
import { prng } from '../one-op.ts';
import { dirName, SEED_STRIDE } from './shared.ts';


const root = process.argv[2];
const runs = Number(process.argv[3] ?? 30);
if (!root) throw new Error('usage: dump.ts <dir> [runs per op]');
rmSync(root, { recursive: true, force: true });

function put(dir: string, model: Uint8Array, inputs: ArrayBufferView[], meta: object): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.tflite'), model);
  inputs.forEach((x, i) => writeFileSync(join(dir, `in${i}.bin`), new Uint8Array(x.buffer, x.byteOffset, x.byteLength)));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

for (const [name, gen] of Object.entries(CASES)) {
  for (let seed = 1; seed <= runs; seed++) {
    const c = gen(prng(seed * SEED_STRIDE));
    put(join(root, 'ops', dirName(name), String(seed)), writeModel(c.graph), c.inputs, { kind: 'op', name, seed, label: c.label });
  }
}
for (const name of modelNames()) {
  const model = new Uint8Array(readFileSync(modelPath(name)));
  goldenSamples(name).forEach((s, i) => put(join(root, 'models', name, String(i)), model, [s.input], { kind: 'model', name, seed: i }));
}
