// The MLPerf Tiny harness mode on QEMU, driven over the board's pty by the agent's own protocol
// client: name / profile / db load / infer / results, then every golden sample of toycar
// through the one firmware. Outputs must equal the TR1 harness's (same model, same sample) and
// the reference interpreter's for every sample; the m-results vector must be their dequantized
// values; the exact count per inference must be the TR1 harness's count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBoard } from '../../boards/index.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { runFirmware } from '../../firmware/runner/index.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { QemuBoard } from '../../boards/virtual/qemu.ts';
import { MlperfTinyClient, ProtocolError } from '../../agents/protocol/mlperf-tiny.ts';
import { expectedResults, validateOnDevice } from '../../agents/protocol/validate.ts';

const MODEL = 'toycar';

for (const boardId of ['qemu-mps2-an386', 'qemu-riscv32-virt']) {
  test(`mlperf-tiny harness on ${boardId}: protocol client, same outputs as TR1${boardId === 'qemu-riscv32-virt' ? ', every golden sample' : ''}`, async () => {
    const board = await getBoard(boardId);
    const tr1 = await buildFirmware({ model: MODEL, board: boardId, reps: 1, warmup: 1 });
    const ref = await runFirmware(board, tr1.elfPath, 60_000);
    assert.deepEqual(ref.report.problems, []);
    const fw = await buildFirmware({ model: MODEL, board: boardId, protocol: 'mlperf-tiny' });
    assert.equal(fw.protocol, 'mlperf-tiny');
    assert.notEqual(fw.firmwareHash, tr1.firmwareHash);

    const q = new QemuBoard(board, { timeoutMs: 120_000 });
    await q.start(fw.elfPath);
    try {
      const client = new MlperfTinyClient(q, { commandTimeoutMs: 30_000 });
      const boot = await client.waitReady();
      assert.deepEqual(boot, ['m-timestamp-mode-performance', `m-tr-fw-[${fw.firmwareHash}]`, 'm-init-done']);
      assert.equal(client.fwId, fw.firmwareHash);
      assert.equal(await client.name(), `tinyrack-${boardId}`);
      assert.deepEqual(await client.profile(), { profile: 'ULPMark for tinyML Firmware V0.0.1', model: MODEL });

      // Inference before any input: a clear error, and the firmware still answers afterwards.
      await assert.rejects(client.infer(1, 0), (e: Error) => e instanceof ProtocolError && /Input needs 640 bytes, the buffer holds 0/.test(e.message));
      await assert.rejects(client.command('frobnicate'), /Unknown command: frobnicate/);

      const graph = loadModel(modelPath(MODEL));
      const g0 = await (await import('../../firmware/build/golden.ts')).goldenFor(MODEL, graph, 0, 'reference');
      await client.load(Buffer.from(g0.inputs[0]!));
      const r = await client.infer(2, 1);
      // Same bytes as the TR1 harness and as the reference interpreter.
      assert.deepEqual(r.outputsHex, ref.report.outputs.map((x) => x.hex));
      assert.deepEqual(r.outputsHex, tr1.expectedOutputs.map((x) => x.hex));
      assert.deepEqual(r.results, expectedResults(graph, r.outputsHex!));
      assert.equal(r.results.length, 640);
      // The timed invocations' own count: two inferences, each the TR1 harness's count (SysTick
      // counts to 40 instructions on mps2; minstret is exact).
      const tr1Count = ref.report.inferences[0]!.count;
      assert.equal(r.count?.kind, board.counter.kind);
      const slack = boardId === 'qemu-mps2-an386' ? 2 * 40 : 0;
      assert.ok(Math.abs(r.count!.total - 2 * tr1Count) <= slack, `count ${r.count!.total} vs 2 x ${tr1Count}`);
      // m-lap-us: the board's microseconds, at least the counted work at the board clock.
      assert.ok(r.elapsedUs! >= Math.floor((r.count!.total * 1e6) / board.clockHz), `elapsed ${r.elapsedUs} us`);
      const again = await client.results();
      assert.deepEqual(again.outputsHex, r.outputsHex);

      // Every golden sample through the same flashed firmware (one board is enough here: the
      // validation job in test/agents/byo-firmware-e2e.test.ts runs it on mps2 through the lab).
      if (boardId !== 'qemu-riscv32-virt') return;
      const v = await validateOnDevice(client, MODEL, graph, 'reference');
      assert.equal(v.samples, 10);
      assert.deepEqual(v.verdicts.filter((x) => !x.match), []);
      assert.equal(v.agreed, 10);
      // minstret is exact: each sample's count is its own, repeatable figure.
      assert.ok(v.verdicts.every((x) => x.count !== undefined && x.count > 0));
    } finally {
      await q.stop();
    }
  });
}

test('mlperf-tiny energy mode on qemu-mps2-an386: no m-lap-us (the pin timestamps), same outputs and count as performance mode', async () => {
  const board = await getBoard('qemu-mps2-an386');
  const perf = await buildFirmware({ model: MODEL, board: board.id, protocol: 'mlperf-tiny' });
  const energy = await buildFirmware({ model: MODEL, board: board.id, protocol: 'mlperf-tiny', timestampMode: 'energy' });
  assert.equal(energy.timestampMode, 'energy');
  assert.notEqual(energy.firmwareHash, perf.firmwareHash);
  await assert.rejects(buildFirmware({ model: MODEL, board: board.id, timestampMode: 'energy' }), /needs --protocol mlperf-tiny/);
  const graph = loadModel(modelPath(MODEL));
  const input = Buffer.from((await (await import('../../firmware/build/golden.ts')).goldenFor(MODEL, graph, 5, 'reference')).inputs[0]!);
  const answers: Awaited<ReturnType<MlperfTinyClient['infer']>>[] = [];
  for (const fw of [perf, energy]) {
    const q = new QemuBoard(board, { timeoutMs: 60_000 });
    await q.start(fw.elfPath);
    try {
      const client = new MlperfTinyClient(q);
      const boot = await client.waitReady();
      assert.equal(boot[0], fw === energy ? 'm-timestamp-mode-energy' : 'm-timestamp-mode-performance');
      await client.load(input);
      answers.push(await client.infer(1, 0));
      // `timestamp` answers only m-ready in energy mode (the pulse is on the pin).
      const ts = await client.command('timestamp');
      if (fw === energy) assert.deepEqual(ts, []);
      else assert.match(ts.join('|'), /^m-lap-us-\d+$/);
    } finally {
      await q.stop();
    }
  }
  const [p, e] = answers;
  assert.ok(p!.lapUs);
  assert.equal(e!.lapUs, undefined);
  assert.deepEqual(e!.outputsHex, p!.outputsHex);
  assert.ok(Math.abs(e!.count!.total - p!.count!.total) <= 40, `${e!.count!.total} vs ${p!.count!.total}`);
});
