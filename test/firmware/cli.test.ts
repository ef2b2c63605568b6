// `tinyrack build` and `tinyrack run` as a user calls them (the real CLI process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tinyrack.mjs');
const tinyrack = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, timeout: 300_000 });

test('tinyrack build --json gives the ELF and its sizes', async () => {
  const r = await tinyrack(['build', '--model', 'sine_model', '--board', 'qemu-riscv32-virt', '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const b = JSON.parse(r.stdout);
  assert.ok(existsSync(b.elfPath));
  assert.match(b.firmwareHash, /^[0-9a-f]{16}$/);
  assert.ok(b.romBytes > 0 && b.ramBytes >= b.arenaBytes);
  assert.ok(b.sections.some((s: { name: string }) => s.name === '.text'));
});

test('tinyrack run --json: several configurations in one call, one row each, outputs checked', async () => {
  const r = await tinyrack(['run', '--model', 'sine_model,micro_speech', '--board', 'qemu-stm32f405,host', '--reps', '2', '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  assert.equal(rows.length, 4);
  for (const row of rows) {
    assert.equal(row.ok, true, String(row.error));
    assert.equal(row.outputsMatch, true);
    assert.equal((row.counts as number[]).length, 2);
    for (const k of ['latencyUs', 'stackBytes', 'heapBytes', 'arenaBytes', 'romBytes', 'ramBytes']) assert.equal(typeof row[k], 'number', k);
    if (row.board === 'qemu-stm32f405') assert.equal(row.instructions, row.count);
  }
});

test('tinyrack run --csv prints a header and one line per configuration', async () => {
  const r = await tinyrack(['run', '--model', 'sine_model', '--board', 'qemu-riscv32-virt', '--tiling', 'none,fdt', '--reps', '1', '--csv']);
  assert.equal(r.exitCode, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^model,board,backend,tiling,arithmetic,ok,counter,count,instructions,cycles,latencyUs/);
});

test('user errors: a physical board for run, an unknown tiling, a model that does not fit', async () => {
  const phys = await tinyrack(['run', '--model', 'sine_model', '--board', 'nucleo-f446re']);
  assert.equal(phys.exitCode, 1);
  assert.match(phys.stderr, /board nucleo-f446re is physical/);
  const tiling = await tinyrack(['run', '--model', 'sine_model', '--board', 'host', '--tiling', 'zigzag']);
  assert.equal(tiling.exitCode, 1);
  assert.match(tiling.stderr, /unknown tiling "zigzag"/);
  const fit = await tinyrack(['build', '--model', 'vww', '--board', 'qemu-sifive-e']);
  assert.equal(fit.exitCode, 1);
  assert.match(fit.stderr, /model vww does not fit board qemu-sifive-e: RAM: arena \d+ \+ stack 2048 \(estimated\) = \d+ bytes > 16384 bytes/);
});
