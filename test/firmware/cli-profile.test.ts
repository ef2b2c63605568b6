// `tinyrack run --profile` as a user calls it: the text table per op and the JSON row's
// profile, on qemu-stm32f405 (TIM2 at 1 GHz: an exact instruction counter, resolution 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execa } from 'execa';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tinyrack.mjs');
const tinyrack = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 300_000 });
const ARGS = ['run', '--model', 'toycar', '--board', 'qemu-stm32f405', '--reps', '1', '--profile'];

test('run --profile --json: the row carries every op with its count, MACs, per-MAC figure and share', async () => {
  const r = await tinyrack([...ARGS, '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const [row] = JSON.parse(r.stdout) as Array<{ ok: boolean; count: number; macs: number; profile: {
    resolution: number; total: number; macs: number; ops: Array<{ op: number; kind: string; macs: number; count: number; perMac: number; share: number; outputs: number[][] }>;
    byClass: Record<string, { ops: number; count: number }> } }>;
  assert.equal(row!.ok, true);
  const p = row!.profile;
  assert.equal(p.resolution, 1);
  assert.equal(p.ops.length, 10);
  assert.deepEqual(p.ops.map((o) => o.kind), Array(10).fill('FULLY_CONNECTED'));
  assert.equal(p.macs, row!.macs);
  assert.deepEqual(p.ops[0]!.outputs, [[1, 128]]);
  for (const o of p.ops) assert.equal(o.perMac, Math.round((o.count / o.macs) * 1000) / 1000);
  assert.equal(p.byClass.fully_connected!.count, p.total);
  // The profiled inference = per-op counts + one counter read per op + the call around them.
  const rest = row!.count - p.total;
  assert.ok(rest > 0 && rest < p.ops.length * 40 + 64, `count ${row!.count} - sum ${p.total} = ${rest}`);
});

test('run --profile prints one line per op under the result table', async () => {
  const r = await tinyrack(ARGS);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /toycar on qemu-stm32f405 \(aot, tiling none, reference\): [\d,]+ instructions over 10 ops, 264,192 MACs/);
  assert.match(r.stdout, /#\s+op\s+kind\s+inputs -> outputs \(weights\)\s+MACs\s+instructions\s+instructions\/MAC\s+share/);
  assert.equal(r.stdout.split('\n').filter((l) => /^\s*\d+\s+\d+\s+FULLY_CONNECTED\s/.test(l)).length, 10);
});
