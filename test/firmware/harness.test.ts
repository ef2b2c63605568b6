// The firmware harness on every virtual board with the hand-written tiny model: exact outputs,
// the planned arena, a complete report, repeatable instruction counts; plus a hung firmware
// (timeout error, not a hang), the build cache, and refusal of a model that cannot fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBoard, listBoards } from '../../boards/index.ts';
import { buildFirmware, FitError } from '../../firmware/build/index.ts';
import { runFirmware, runOne } from '../../firmware/runner/index.ts';
import { compareOutputs } from '../../wire/report.ts';
import { QemuBoard } from '../../boards/virtual/qemu.ts';
import { hangModel, TINY_INPUT, tinyExpected, tinyModel } from './tiny-model.ts';

const REPS = 3;

const virtualBoards = (await listBoards()).filter((b) => b.virtual);

test('there are QEMU boards and the host board to test on', () => {
  const ids = virtualBoards.map((b) => b.id);
  for (const id of ['qemu-stm32f405', 'qemu-mps2-an386', 'qemu-sifive-e', 'qemu-riscv32-virt', 'host']) assert.ok(ids.includes(id), id);
});

for (const board of virtualBoards) {
  test(`harness on ${board.id}: exact outputs, planned arena, complete report, stable counts`, async () => {
    const prepared = tinyModel(TINY_INPUT);
    const build = await buildFirmware({ prepared, board: board.id, reps: REPS, warmup: 1 });
    const first = await runFirmware(board, build.elfPath, 60_000);
    const r = first.report;
    assert.deepEqual(r.problems, []);
    assert.equal(first.exitCode, 0);
    assert.equal(r.boot?.fw, build.firmwareHash);
    assert.equal(r.boot?.board, board.id);
    assert.equal(r.boot?.counter, board.counter.kind);
    assert.equal(r.boot?.hz, board.clockHz);
    assert.equal(r.model?.arena, 32);
    assert.equal(r.model?.arena, build.arenaBytes);
    assert.equal(r.inferences.length, REPS);
    assert.equal(r.marks, 2 * REPS);
    assert.equal(r.noiseLines + r.corruptLines + r.seqGaps, 0);
    const want = tinyExpected(TINY_INPUT);
    assert.equal(r.outputs[0]?.hex, Buffer.from(want.buffer).toString('hex'));
    assert.deepEqual(compareOutputs(build.expectedOutputs, r.outputs), { match: true });
    for (const inf of r.inferences) {
      assert.ok(inf.count > 0, 'count > 0');
      assert.ok(inf.stack > 0 && inf.stack <= board.stackBytes, `stack ${inf.stack} within ${board.stackBytes}`);
      assert.equal(inf.heap, 0);
    }
    if (board.arch !== 'host') {
      // QEMU with -icount shift=0 is deterministic: the same firmware gives the same counts.
      const second = await runFirmware(board, build.elfPath, 60_000);
      assert.deepEqual(second.report.inferences.map((x) => x.count), r.inferences.map((x) => x.count));
    }
  });
}

// Boards with an exact instruction counter (RISC-V minstret, the 1 GHz STM32 TIM2 on QEMU)
// count every repetition of the same inference the same; SysTick-based ones only to 40 (their
// repetitions count the same too: test/firmware/stack-watermark.test.ts).
for (const id of ['qemu-riscv32-virt', 'qemu-sifive-e', 'qemu-stm32f405']) {
  test(`${id} counts instructions exactly: every repetition counts the same`, async () => {
    const board = await getBoard(id);
    const build = await buildFirmware({ prepared: tinyModel(TINY_INPUT), board: board.id, reps: REPS, warmup: 1 });
    const { report } = await runFirmware(board, build.elfPath, 60_000);
    assert.equal(report.inferences.length, REPS);
    assert.equal(new Set(report.inferences.map((x) => x.count)).size, 1);
  });
}

test('a firmware that hangs ends in a timeout error, not a hang', async () => {
  const board = await getBoard('qemu-mps2-an386');
  const build = await buildFirmware({ prepared: hangModel(), board: board.id, reps: 1, warmup: 0 });
  const q = new QemuBoard(board, { timeoutMs: 3000 });
  await q.start(build.elfPath);
  const lines: string[] = [];
  for await (const l of q.lines()) lines.push(l);
  const exit = await q.wait();
  assert.equal(exit.timedOut, true);
  assert.equal(exit.exitCode, null);
  assert.ok(lines.some((l) => l.includes('MARK what=start')), 'the run got as far as the first inference');
  const row = await runOne({ model: 'hang', board: board.id, backend: 'aot', tiling: 'none', reps: 1, warmup: 0 }, { timeoutMs: 3000 }, hangModel());
  assert.equal(row.ok, false);
  assert.match(row.error ?? '', /timed out after 3000 ms/);
});

test('the second identical build comes from the cache', async () => {
  const prepared = tinyModel(TINY_INPUT, `cache-test ${process.pid} ${Date.now()}`);
  const a = await buildFirmware({ prepared, board: 'qemu-stm32f405' });
  const b = await buildFirmware({ prepared, board: 'qemu-stm32f405' });
  assert.equal(a.cached, false);
  assert.equal(b.cached, true);
  assert.equal(b.firmwareHash, a.firmwareHash);
  assert.equal(b.elfPath, a.elfPath);
  assert.equal(b.romBytes, a.romBytes);
  const c = await buildFirmware({ prepared, board: 'qemu-stm32f405', reps: 5 });
  assert.notEqual(c.firmwareHash, a.firmwareHash, 'other options, other build');
  assert.equal(c.cached, false);
});

test('a model that does not fit qemu-sifive-e is refused before building, with the numbers', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'tr-cache-'));
  const saved = process.env.TINYRACK_CACHE;
  process.env.TINYRACK_CACHE = cache;
  try {
    await assert.rejects(buildFirmware({ model: 'aww', board: 'qemu-sifive-e' }), (err: unknown) => {
      assert.ok(err instanceof FitError);
      // aww's arena is 16000 bytes (TFLM's planner figure, ../shared/models/README.md).
      assert.equal(err.figures.arenaBytes, 16000);
      assert.equal(err.figures.ramAvailable, 16 * 1024);
      assert.match(err.message, /does not fit board qemu-sifive-e: RAM: arena 16000 \+ stack 2048 \(estimated\) = 18048 bytes > 16384 bytes/);
      return true;
    });
    // Nothing was compiled: no build and no object in the cache.
    for (const d of ['builds', 'objects']) assert.ok(!existsSync(join(cache, d)) || readdirSync(join(cache, d)).length === 0, d);
  } finally {
    if (saved === undefined) delete process.env.TINYRACK_CACHE; else process.env.TINYRACK_CACHE = saved;
    rmSync(cache, { recursive: true, force: true });
  }
});
