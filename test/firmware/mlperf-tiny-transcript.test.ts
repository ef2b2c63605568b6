// Replays the exact bytes the MLPerf Tiny runner (mlcommons/tiny benchmark/runner) sends to a
// DUT — each command followed by '%' (SerialDevice's delimiter), the `db` payload in 31-byte
// (direct) or 26-byte (EnergyRunner IO manager) hex chunks, `infer N W` always with warm-ups —
// to the tinyrack mlperf-tiny firmware on QEMU, reads the answers the way the runner does
// (characters up to '\n', '\r' and NUL dropped, until a line containing "m-ready"), and checks
// each against the runner's own regular expressions, copied here from device_under_test.py and
// script.py (deliberately not imported from wire/mlperf-tiny.ts, so the module is checked too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBoard } from '../../boards/index.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { goldenFor } from '../../firmware/build/golden.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { QemuBoard } from '../../boards/virtual/qemu.ts';
import * as wire from '../../wire/mlperf-tiny.ts';

// The runner's patterns (device_under_test.py: _get_name, _get_profile; script.py:
// _gather_infer_results). Python reads `[^]]` as "not ']'"; in JavaScript `[^]` is "any
// character", so the same class is written `[^\]]` here.
const RUNNER = {
  name: /^m-(name)-dut-\[([^\]]+)]$/,
  profile: /^m-(model|profile)-\[([^\]]+)]$/,
  results: /^m-results-\[([^\]]+)\]$/,
  lap: /^m-lap-us-([0-9]+)$/,
};

test('runner transcript on qemu-mps2-an386: every answer matches the runner\'s patterns', async () => {
  // The module's patterns are the runner's.
  assert.equal(wire.NAME_RE.source, /^m-(name)-dut-\[([^\]]+)]$/.source);
  for (const s of ['m-name-dut-[x]', 'm-profile-[a b]', 'm-model-[vww01]', 'm-results-[0.1,2]', 'm-lap-us-12']) {
    const mine = [wire.NAME_RE, wire.PROFILE_RE, wire.RESULTS_RE, wire.LAP_US_RE].some((r) => r.test(s));
    const theirs = Object.values(RUNNER).some((r) => r.test(s));
    assert.equal(mine, theirs, s);
  }
  const board = await getBoard('qemu-mps2-an386');
  const fw = await buildFirmware({ model: 'toycar', board: board.id, protocol: 'mlperf-tiny' });
  const graph = loadModel(modelPath('toycar'));
  const sample = await goldenFor('toycar', graph, 3, 'reference');
  const input = Buffer.from(sample.inputs[0]!);

  const q = new QemuBoard(board, { timeoutMs: 120_000 });
  await q.start(fw.elfPath);
  try {
    const it = q.lines()[Symbol.asyncIterator]();
    // The runner's reader: drop '\r' and NUL, a line per '\n', until a line containing m-ready.
    const answer = async (): Promise<string[]> => {
      const lines: string[] = [];
      for (;;) {
        const r = await it.next();
        assert.ok(!r.done, `console closed; got ${JSON.stringify(lines)}`);
        const l = r.value.replace(/[\r\0]/g, '').replace(/\n$/, '');
        if (l) lines.push(l);
        if (l.includes('m-ready')) return lines;
      }
    };
    const send = async (cmd: string) => { await q.write(`${cmd}%`); return answer(); };
    assert.deepEqual((await answer()).at(-1), 'm-ready'); // boot: m-init-done, m-ready

    // The runner's port flush writes the bare delimiter: the firmware answers and stays in step.
    const flush = await send('');
    assert.deepEqual(flush, ['e-[Empty command]', 'm-ready']);

    const name = await send('name');
    assert.equal(name.length, 2);
    assert.match(name[0]!, RUNNER.name);
    assert.equal(RUNNER.name.exec(name[0]!)![2], 'tinyrack-qemu-mps2-an386');

    const profile = await send('profile');
    assert.equal(profile.length, 3);
    assert.deepEqual(profile.slice(0, 2).map((l) => RUNNER.profile.exec(l)?.slice(1)), [
      ['profile', 'ULPMark for tinyML Firmware V0.0.1'], ['model', 'toycar']]);

    for (const chunk of [31, 26]) {
      const cmds = wire.dbCommands(input, chunk);
      assert.equal(cmds.length, 1 + Math.ceil(640 / chunk));
      assert.deepEqual(await send(cmds[0]!), ['m-[Expecting 640 bytes]', 'm-ready']);
      for (const [i, c] of cmds.slice(1).entries()) {
        assert.ok(c.length <= 80, `db line of ${c.length} chars fits the firmware's 80`);
        const a = await send(c);
        assert.deepEqual(a, i === cmds.length - 2 ? ['m-load-done', 'm-ready'] : ['m-ready'], `chunk ${i}`);
      }
      const inf = await send('infer 3 1');
      assert.equal(inf.at(-1), 'm-ready');
      assert.equal(inf.filter((l) => l.startsWith('e-')).length, 0);
      const laps = inf.filter((l) => RUNNER.lap.test(l)).map((l) => Number(RUNNER.lap.exec(l)![1]));
      assert.equal(laps.length, 2);
      assert.ok(laps[1]! > laps[0]!);
      const res = inf.filter((l) => RUNNER.results.test(l));
      assert.equal(res.length, 1);
      const values = RUNNER.results.exec(res[0]!)![1]!.split(',').filter((x) => x.trim()).map(Number);
      assert.equal(values.length, 640);
      assert.ok(values.every(Number.isFinite));
      // The order the runner reads: warm-up, start stamp, done, results.
      const order = ['m-warmup-start-1', 'm-warmup-done', 'm-infer-start-3'];
      assert.deepEqual(inf.slice(0, 3), order);
      assert.match(inf[3]!, RUNNER.lap);
      assert.match(inf[4]!, RUNNER.lap);
      assert.equal(inf[5], 'm-infer-done');
      // The raw bytes equal the reference interpreter's for this sample.
      const hexLine = inf.find((l) => l.startsWith('m-tr-output-0-['));
      assert.equal(hexLine, `m-tr-output-0-[${sample.expectedOutputs[0]!.hex}]`);
    }
    const results = await send('results');
    assert.equal(results.filter((l) => RUNNER.results.test(l)).length, 1);

    // Bad input answers with an e- line and loses nothing: odd hex, bad digit, oversize buffer,
    // an overlong command; the next good command still works.
    assert.deepEqual(await send('db load 2'), ['m-[Expecting 2 bytes]', 'm-ready']);
    assert.deepEqual(await send('db abc'), ['e-[Insufficent number of hex digits]', 'm-ready']);
    assert.deepEqual(await send('db zz'), ['e-[Invalid hex digit]', 'm-ready']);
    assert.deepEqual(await send('db load 100000'), ['e-[Buffer of 100000 bytes exceeds the maximum of 640]', 'm-ready']);
    assert.deepEqual(await send('x'.repeat(100)), ['e-[Command longer than 80 characters]', 'm-ready']);
    assert.deepEqual(await send('infer 0 0'), ['e-[Inference iterations must be >0]', 'm-ready']);
    assert.match((await send('name'))[0]!, RUNNER.name);
  } finally {
    await q.stop();
  }
});
