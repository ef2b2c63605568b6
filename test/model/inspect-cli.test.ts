import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readModel } from '../../firmware/model/reader.ts';
import { modelBytes } from './patch.ts';
import { modelPath } from '../../firmware/model-set/index.ts';

const BYTES: Record<string, number> = { float32: 4, int32: 4, int8: 1, uint8: 1, int16: 2, int64: 8, bool: 1 };
const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);

function tinyrack(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/tinyrack.mjs', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Total MACs from the model's shapes: conv outH*outW*outC*kH*kW*inC, depthwise without inC, FC out*in. */
function macsFromShapes(name: string): number {
  const g = readModel(modelBytes(name));
  let total = 0;
  for (const op of g.ops) {
    const out = g.tensors[op.outputs[0]!]!.shape;
    const w = g.tensors[op.inputs[1] ?? -1]?.shape ?? [];
    const [, oh = 1, ow = 1, oc = 1] = out;
    if (op.kind === 'CONV_2D') total += oh * ow * oc * w[1]! * w[2]! * w[3]!;
    else if (op.kind === 'DEPTHWISE_CONV_2D') total += oh * ow * oc * w[1]! * w[2]!;
    else if (op.kind === 'FULLY_CONNECTED') total += w[0]! * w[1]! * (prod(out) / w[0]!);
  }
  return total;
}

test('tinyrack inspect aww --json: ops, total MACs, weight and activation bytes', () => {
  const r = tinyrack('inspect', 'aww', '--json');
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.model, 'aww');
  assert.equal(s.path, modelPath('aww'));
  assert.equal(s.totalMacs, macsFromShapes('aww'));
  assert.equal(s.ops.length, 13);
  assert.equal(s.ops.reduce((n: number, o: { macs: number }) => n + o.macs, 0), s.totalMacs);
  assert.deepEqual(s.opCounts, { CONV_2D: 5, DEPTHWISE_CONV_2D: 4, AVERAGE_POOL_2D: 1, RESHAPE: 1, FULLY_CONNECTED: 1, SOFTMAX: 1 });
  const g = readModel(modelBytes('aww'));
  const constBytes = g.tensors.filter((t) => t.data).reduce((n, t) => n + prod(t.shape) * BYTES[t.dtype]!, 0);
  assert.equal(s.weightBytes, constBytes);
  const acts = g.tensors.map((t, id) => ({ t, id })).filter(({ t }) => !t.data);
  assert.deepEqual(s.activations.map((a: { id: number; bytes: number }) => [a.id, a.bytes]), acts.map(({ t, id }) => [id, prod(t.shape) * BYTES[t.dtype]!]));
  assert.deepEqual(s.inputs[0].shape, [1, 49, 10, 1]);
  assert.deepEqual(s.ops[0].outputs[0].shape, [1, 25, 5, 64]);
});

test('tinyrack inspect prints a table with the totals; errors exit 1 with one clear line', () => {
  const r = tinyrack('inspect', 'resnet');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`total MACs: ${macsFromShapes('resnet').toLocaleString('en-US')}\\b`));
  assert.match(r.stdout, /CONV_2D/);
  assert.match(r.stdout, /ops: 16 \(/);
  const missing = tinyrack('inspect', 'no_such_model');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^tinyrack: no model "no_such_model" in the model set/);
  const help = tinyrack('inspect', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--json/);
});
