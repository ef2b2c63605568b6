// Step 3 of 3 of the TensorFlow cross-check (see dump.ts): for every op and model, how many cases
// each interpreter arithmetic reproduces exactly (float32: within 1e-4 relative) per TFLite
// kernel set, as "exact/off-by-one/worse[/errors]".
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runGraph, type Arithmetic, type TensorData } from '../../../firmware/interp/interpreter.ts';
import { loadModel } from '../../../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../../../firmware/model-set/index.ts';
import { CASES } from '../cases.ts';
import { floatClose, prng } from '../one-op.ts';
import { SEED_STRIDE } from './shared.ts';

const root = process.argv[2];
if (!root) throw new Error('usage: compare.ts <dir>');
const TAGS = ['ref', 'opt', 'xnn'] as const;
const ARITHMETICS: Arithmetic[] = ['xnnpack', 'reference'];

function distance(mine: TensorData, raw: Uint8Array): number {
  const Ctor = mine.constructor as new (b: ArrayBuffer) => TensorData;
  const want = new Ctor(raw.slice().buffer) as ArrayLike<number | bigint>;
  if (mine instanceof Float32Array) return floatClose(mine, want as Float32Array) < 0 ? 0 : Infinity;
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(Number(mine[i]!) - Number(want[i]!)));
  return d;
}

function report(group: string, cases: { dir: string; run: (a: Arithmetic) => TensorData[] }[]): void {
  const cells: string[] = [];
  for (const arithmetic of ARITHMETICS) {
    const outs = cases.map((c) => c.run(arithmetic));
    for (const tag of TAGS) {
      let exact = 0; let one = 0; let worse = 0; let errors = 0;
      cases.forEach((c, k) => {
        if (!existsSync(join(c.dir, `${tag}_out0.bin`))) { errors++; return; }
        const d = Math.max(...outs[k]!.map((o, j) => distance(o, new Uint8Array(readFileSync(join(c.dir, `${tag}_out${j}.bin`))))));
        if (d === 0) exact++; else if (d === 1) one++; else worse++;
      });
      cells.push(`${arithmetic}~${tag} ${exact}/${one}/${worse}${errors ? `/e${errors}` : ''}`);
    }
  }
  process.stdout.write(`${group.padEnd(28)} ${cells.join('  ')}\n`);
}

for (const opDir of readdirSync(join(root, 'ops')).sort()) {
  const dirs = readdirSync(join(root, 'ops', opDir)).map((s) => join(root, 'ops', opDir, s));
  const metas = dirs.map((d) => JSON.parse(readFileSync(join(d, 'meta.json'), 'utf8')) as { name: string; seed: number });
  report(metas[0]!.name, dirs.map((dir, k) => {
    const c = CASES[metas[k]!.name]!(prng(metas[k]!.seed * SEED_STRIDE));
    return { dir, run: (a: Arithmetic) => runGraph(c.graph, c.inputs, { arithmetic: a }) };
  }));
}
for (const name of readdirSync(join(root, 'models')).sort()) {
  const graph = loadModel(modelPath(name));
  const samples = goldenSamples(name);
  report(`model ${name}`, samples.map((s, i) => ({ dir: join(root, 'models', name, String(i)), run: (a: Arithmetic) => runGraph(graph, [s.input], { arithmetic: a }) })));
}
