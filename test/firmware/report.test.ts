// assembleReport: completeness, sequence gaps, reboots, corrupt and noise lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRecord, type RecordType } from '../../wire/serial.ts';
import { assembleReportFromLines, medianCount } from '../../wire/report.ts';

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

test('a reboot mid-run keeps only the last boot', () => {
  const r = assembleReportFromLines([...lines(RUN.slice(0, 5)), ...lines(RUN)]);
  assert.equal(r.resets, 1);
  assert.equal(r.complete, true);
  assert.equal(r.inferences.length, 2);
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
