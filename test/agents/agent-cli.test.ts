import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';

const tinyrack = (args: string[]) => execa(process.execPath, ['bin/tinyrack.mjs', ...args], { reject: false });

test('`tinyrack agent --list --json` reports configured boards, matches, missing boards and unknown devices', async () => {
  const r = await tinyrack(['agent', '--config', 'provisioning/examples/physical-rack.yaml', '--list', '--json', '--devices', 'test/agents/fixtures/lab-rack-1-unplugged.json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.agentId, 'lab-rack-1');
  assert.deepEqual(out.boards.map((b: { boardId: string; state: string }) => `${b.boardId}:${b.state}`),
    ['lab-rack-1-qemu-mps2-an386-0:idle', 'lab-rack-1-qemu-mps2-an386-1:idle', 'f446-a:idle', 'f446-b:missing', 'c3-a:idle']);
  assert.deepEqual(out.missing.map((m: { boardId: string }) => m.boardId), ['f446-b']);
  assert.deepEqual(out.unknown.map((u: { vid: string; pid: string }) => `${u.vid}:${u.pid}`), ['1a86:7523']);
});

test('`tinyrack agent` with a broken rack file exits 1 with the line and field', async () => {
  const r = await tinyrack(['agent', '--config', 'test/agents/fixtures/bad-rack.yaml', '--list']);
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /^tinyrack: .*bad-rack\.yaml:4: virtual\[0\]\.count must be an integer from 0 to 16 \(got "two"\)/);
});

test('`tinyrack agent --help` documents the options', async () => {
  const r = await tinyrack(['agent', '--help']);
  assert.equal(r.exitCode, 0);
  for (const o of ['--config', '--list', '--json', '--devices']) assert.ok(r.stdout.includes(o), o);
});
