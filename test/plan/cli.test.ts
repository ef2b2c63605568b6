// `tinyrack plan` end to end through the real entry point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { verifyPlan } from '../../firmware/plan/verify.ts';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/tinyrack.mjs', 'plan', ...args], { encoding: 'utf8' });

test('plan vww --json: the documented fields, a valid layout, TFLM figure beside it', () => {
  const r = run('vww', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const k of ['model', 'peakBytes', 'planner', 'lowerBound', 'order', 'buffers']) assert.ok(k in j, `missing ${k}`);
  assert.equal(j.model, 'vww');
  assert.equal(j.planner, 'greedy');
  assert.equal(j.peakBytes, 73728);
  assert.equal(j.lowerBound, 55296);
  assert.equal(j.tflmPlannerBytes, 73728);
  const g = loadModel(modelPath('vww'));
  assert.deepEqual(j.order, g.ops.map((_: unknown, i: number) => i));
  for (const b of j.buffers) {
    for (const k of ['tensor', 'name', 'offset', 'size', 'firstOp', 'lastOp']) assert.ok(k in b, `buffer missing ${k}`);
    assert.equal(b.name, g.tensors[b.tensor].name);
  }
  verifyPlan(j.buffers.map((b: { size: number; firstOp: number; lastOp: number }, id: number) => ({ ...b, id, kind: 'activation' })),
    j.buffers.map((b: { offset: number }) => b.offset));
});

test('plan vww --planner optimal --order optimized: text summary reaches the bound', () => {
  const r = run('vww', '--planner', 'optimal', '--order', 'optimized');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /arena bytes: 55,296 {3}lower bound: 55,296 \(reached\)/);
  assert.match(r.stdout, /TFLite-Micro planner: 73,728 bytes \(18,432 less here\)/);
});

test('bad planner, bad time limit and unknown model fail with a clear message', () => {
  const a = run('vww', '--planner', 'nope');
  assert.notEqual(a.status, 0);
  assert.match(a.stderr, /Allowed choices are greedy, heuristic, optimal, linear/);
  const b = run('vww', '--planner', 'optimal', '--time-limit', 'soon');
  assert.equal(b.status, 1);
  assert.match(b.stderr, /--time-limit must be a number/);
  const c = run('no_such_model');
  assert.equal(c.status, 1);
  assert.match(c.stderr, /no model "no_such_model"/);
});
