// wire/report.ts, the one report path of `tinyrack run` and the agent: completeness, sequence
// gaps, reboots, corrupt and noise lines, lost records, the output comparator, the verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRecord, type RecordType } from '../../wire/serial.ts';
import { assembleReportFromLines, compareOutputs, judgeRun, medianCount } from '../../wire/report.ts';

function lines(recs: Array<[RecordType, Record<string, string>]>, start = 0): string[] {
  return recs.map(([type, fields], i) => `${formatRecord({ seq: start + i, type, fields })}\r\n`);
}

const RUN: Array<[RecordType, Record<string, string>]> = [
  ['BOOT', { fw: 'abc', board: 'qemu-mps2-an386', counter: 'instructions', hz: '25000000' }],
  ['MODEL', { name: 'm', backend: 'aot', arena: '32', warmup: '1', reps: '2' }],
  ['MARK', { what: 'start', i: '0' }], ['MARK', { what: 'stop', i: '0' }],
  ['INF', { i: '0', count: '120', stack: '96', heap: '0' }],
  ['MARK', { what: 'start', i: '1' }], ['MARK', { what: 'stop', i: '1' }],
  ['INF', { i: '1', count: '80', stack: '100', heap: '0' }],
  ['OUT', { o: '0', dtype: 'int8', hex: '00ff' }],
  ['END', { status: '0' }],
];

test('a full run assembles into a complete report', () => {
  const r = assembleReportFromLines(['boot noise\r\n', ...lines(RUN)]);
  assert.deepEqual(r.problems, []);
  assert.equal(r.complete, true);
  assert.equal(r.noiseLines, 1);
  assert.equal(r.marks, 4);
  assert.deepEqual(r.inferences.map((x) => x.count), [120, 80]);
  assert.equal(medianCount(r.inferences), 100);
  assert.deepEqual(r.outputs, [{ o: 0, dtype: 'int8', hex: '00ff' }]);
  assert.equal(r.boot?.hz, 25_000_000);
});

test('a lost line is a sequence gap and makes the report incomplete', () => {
  const l = lines(RUN);
  l.splice(4, 1); // drop INF 0
  const r = assembleReportFromLines(l);
  assert.equal(r.seqGaps, 1);
  assert.equal(r.complete, false);
  assert.ok(r.problems.includes('1 of 2 INF records'));
});

test('a corrupted line is counted and not used', () => {
  const l = lines(RUN);
  l[7] = l[7]!.replace('count=80', 'count=81');
  const r = assembleReportFromLines(l);
  assert.equal(r.corruptLines, 1);
  assert.equal(r.complete, false);
});

test('a reboot mid-run fails the run (one rule for `run` and the agent); the records after it are not used', () => {
  const r = assembleReportFromLines([...lines(RUN.slice(0, 5)), ...lines(RUN)]);
  assert.equal(r.resets, 1);
  assert.equal(r.complete, false);
  assert.equal(r.usable, false);
  assert.ok(r.problems.includes('board rebooted mid-run: second BOOT (seq 0) after 5 records'), r.problems.join('; '));
  assert.equal(r.inferences.length, 1);
});

test('records before the first BOOT are an earlier run\'s tail: noise, not a reboot', () => {
  const r = assembleReportFromLines([...lines(RUN.slice(4, 9), 4), ...lines(RUN)]);
  assert.equal(r.resets, 0);
  assert.equal(r.complete, true);
  assert.equal(r.noiseLines, 5);
});

test('a record lost on the line leaves the report usable; the same record never printed fails it', () => {
  const l = lines(RUN);
  l[7] = l[7]!.replace('count=80', 'count=81'); // INF 1 corrupt: a loss the line shows
  const lost = assembleReportFromLines(l);
  assert.equal(lost.complete, false);
  assert.equal(lost.usable, true);
  assert.deepEqual(lost.problems, ['1 of 2 INF records', '1 record(s) lost (sequence gaps)']);
  // The firmware printed one INF for reps=2, every sequence number present: its own fault.
  const short = RUN.filter((_, i) => i !== 7);
  const missing = assembleReportFromLines(lines(short));
  assert.equal(missing.seqGaps, 0);
  assert.equal(missing.usable, false);
  assert.deepEqual(missing.problems, ['1 of 2 INF records']);
});

test('malformed numbers and an unknown counter are problems, never figures', () => {
  const bad = RUN.map(([t, f]): [RecordType, Record<string, string>] => (t === 'BOOT' ? [t, { ...f, counter: 'ticks' }] : t === 'INF' ? [t, { ...f, stack: '-4' }] : [t, f]));
  const r = assembleReportFromLines(lines(bad));
  assert.equal(r.usable, false);
  assert.deepEqual(r.problems, ['unknown counter "ticks"', 'malformed INF stack "-4"']);
});

test('outputs: integers byte for byte, float32 within 1e-4 relative plus a 1e-6 floor, dtype and count checked', () => {
  const f32 = (...xs: number[]): string => Buffer.from(new Float32Array(xs).buffer).toString('hex');
  const want = [{ dtype: 'float32', hex: f32(1000, 0, -2) }];
  assert.deepEqual(compareOutputs(want, [{ o: 0, dtype: 'float32', hex: f32(1000.09, 9e-7, -2.0001) }]), { match: true });
  assert.equal(compareOutputs(want, [{ o: 0, dtype: 'float32', hex: f32(1000.2, 0, -2) }]).match, false);
  assert.equal(compareOutputs(want, [{ o: 0, dtype: 'float32', hex: f32(1000, 2e-6, -2) }]).match, false);
  assert.equal(compareOutputs(want, [{ o: 0, dtype: 'float32', hex: f32(NaN, 0, -2) }]).match, false);
  assert.deepEqual(compareOutputs([{ dtype: 'int8', hex: '00ff' }], [{ o: 0, dtype: 'int8', hex: '00FF' }]), { match: true });
  assert.deepEqual(compareOutputs([{ dtype: 'int8', hex: '00ff' }], [{ o: 0, dtype: 'int8', hex: '00fe' }]), { match: false, detail: 'output 0 byte 1 = 254, expected 255' });
  assert.deepEqual(compareOutputs([{ dtype: 'int8', hex: '00ff' }], [{ o: 0, dtype: 'uint8', hex: '00ff' }]), { match: false, detail: 'output 0: dtype uint8, expected int8' });
  assert.equal(compareOutputs([{ dtype: 'int8', hex: '00' }], [{ o: 0, dtype: 'int8', hex: '00' }, { o: 1, dtype: 'int8', hex: '00' }]).match, false);
  assert.deepEqual(compareOutputs([], []), { match: false, detail: 'no reference outputs' });
});

test('the verdict: figures from the BOOT clock, arena checked against the build', () => {
  const r = assembleReportFromLines(lines(RUN));
  const expect = { expectedOutputs: [{ dtype: 'int8', hex: '00ff' }], arenaBytes: 32, clockHz: 1 };
  const v = judgeRun(r, expect);
  assert.equal(v.error, undefined);
  assert.deepEqual(v.outputs, { match: true });
  assert.deepEqual(v.figures, { counter: 'instructions', count: 100, counts: [120, 80], latencyUs: 100 / 25_000_000 * 1e6, stackBytes: 100, heapBytes: 0 });
  assert.equal(judgeRun(r, { ...expect, arenaBytes: 64 }).error, 'firmware reports arena 32 bytes, the build planned 64');
});

test('a firmware error is a problem with its message', () => {
  const r = assembleReportFromLines(lines([...RUN.slice(0, 2), ['ERR', { code: '4', msg: 'invoke_failed' }], ['END', { status: '4' }]]));
  assert.equal(r.complete, false);
  assert.ok(r.problems.includes('firmware error 4: invoke failed'));
  assert.ok(r.problems.includes('END status 4'));
});

test('a run without END is incomplete', () => {
  const r = assembleReportFromLines(lines(RUN.slice(0, 8)));
  assert.ok(r.problems.includes('no END record'));
});
