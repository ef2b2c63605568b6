// The stack watermark (INF stack, `stackBytes`) is a figure labs compare across runs, so it must
// be a function of the firmware alone. On Cortex-M the counter's SysTick interrupt lands on the
// measured stack (an exception frame below the interrupted code); before each timed inference
// the port restarts its period (tr_board_count_align), so it lands at the same points of every
// inference, whatever ran before it. Without that the watermark moved with how long the report
// lines, the warm-up and the earlier repetitions took.
//
// The fixture shortens the SysTick period to 64 ticks so the interrupt lands many times in each
// inference of a call-frame staircase: where the frames land decides the watermark. QEMU with
// -icount is deterministic, so the test needs no timing: every inference of two builds with
// different histories (warm-up 0 and 3) must report the same watermark and the same count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBoard } from '../../boards/index.ts';
import { buildFirmware, type PreparedModel } from '../../firmware/build/index.ts';
import { runFirmware } from '../../firmware/runner/index.ts';
import { compareOutputs } from '../../wire/report.ts';
import { tinyModel, TINY_INPUT } from './tiny-model.ts';

const REPS = 6;
const INPUT = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 5) & 0xff);

function irqDepthModel(): PreparedModel {
  return {
    name: 'irq_depth',
    files: { 'irq_depth_model.c': readFileSync(join(import.meta.dirname, 'fixtures', 'irq_depth_model.c'), 'utf8') },
    arenaBytes: 32, weightsBytes: 0, inputs: [INPUT],
    expectedOutputs: [{ dtype: 'int8', hex: Buffer.from(INPUT).toString('hex') }],
  };
}

for (const id of ['qemu-stm32f405', 'qemu-mps2-an386']) {
  test(`${id}: the watermark under the counter's interrupt is the same for every inference, whatever ran before`, async () => {
    const board = await getBoard(id);
    const rows: Array<{ warmup: number; i: number; stack: number; count: number }> = [];
    for (const warmup of [0, 3]) {
      const build = await buildFirmware({ prepared: irqDepthModel(), board: id, reps: REPS, warmup });
      const { report, exitCode } = await runFirmware(board, build.elfPath, 60_000);
      assert.equal(exitCode, 0);
      assert.deepEqual(report.problems, []);
      assert.deepEqual(compareOutputs(build.expectedOutputs, report.outputs), { match: true });
      assert.equal(report.inferences.length, REPS);
      for (const inf of report.inferences) rows.push({ warmup, i: inf.i, stack: inf.stack, count: inf.count });
    }
    const stacks = new Set(rows.map((r) => r.stack));
    assert.equal(stacks.size, 1, `one watermark for every inference: ${JSON.stringify(rows)}`);
    // The count includes the handler's instructions, so it is the same only if the interrupt
    // landed the same number of times: the check that it did land at the same points.
    assert.equal(new Set(rows.map((r) => r.count)).size, 1, `one count for every inference: ${JSON.stringify(rows)}`);
  });
}

// mps2-an386 counts with SysTick itself (one tick per 40 instructions): restarted at each
// inference, every repetition starts at the same phase of a tick, so it counts the same.
test('qemu-mps2-an386: every repetition of the same inference counts the same', async () => {
  const board = await getBoard('qemu-mps2-an386');
  const build = await buildFirmware({ prepared: tinyModel(TINY_INPUT), board: board.id, reps: REPS, warmup: 1 });
  const { report } = await runFirmware(board, build.elfPath, 60_000);
  assert.equal(report.inferences.length, REPS);
  assert.equal(new Set(report.inferences.map((x) => x.count)).size, 1, JSON.stringify(report.inferences.map((x) => x.count)));
});
