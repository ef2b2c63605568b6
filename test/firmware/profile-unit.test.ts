// The per-op profile off the board: PROF/PROFOP records into a report, the join with the op
// table (firmware/runner/profile.ts), the bounded wire form (wire/profile.ts), the op_profile
// points and the regression detector naming the ops that moved. Pure functions, no board.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRecord, type RecordType } from '../../wire/serial.ts';
import { assembleReportFromLines } from '../../wire/report.ts';
import { buildProfile, counterResolution } from '../../firmware/runner/profile.ts';
import type { OpInfo } from '../../firmware/ir/op-table.ts';
import { profileErrors, MAX_PROFILE_OPS } from '../../wire/profile.ts';
import { validateJobResult, type JobResult } from '../../wire/mqtt.ts';
import { regressionPoint } from '../../daemon/influx/schema.ts';
import { opProfilePoints } from '../../daemon/influx/op-profile.ts';
import { RegressionDetector } from '../../daemon/regressions.ts';

type Rec = [RecordType, Record<string, string>];
const lines = (recs: Rec[]) => recs.map(([type, fields], i) => `${formatRecord({ seq: i, type, fields })}\r\n`);
const HEAD: Rec[] = [
  ['BOOT', { fw: 'abc', board: 'qemu-mps2-an386', counter: 'instructions', hz: '25000000' }],
  ['MODEL', { name: 'm', backend: 'aot', arena: '32', warmup: '1', reps: '1' }],
  ['INF', { i: '0', count: '10400', stack: '96', heap: '0' }],
];
const PROF: Rec[] = [
  ['PROF', { ops: '3', reads: '32', cost: '720' }], // 22.5 per read
  ['PROFOP', { n: '0', op: '1', kind: 'CONV_2D', count: '8040' }],
  ['PROFOP', { n: '1', op: '0', kind: 'RESHAPE', count: '40' }],
  ['PROFOP', { n: '2', op: '2', kind: 'SOFTMAX', count: '2280' }],
];
const TAIL: Rec[] = [['OUT', { o: '0', dtype: 'int8', hex: '00' }], ['END', { status: '0' }]];
const OPS: OpInfo[] = [
  { op: 0, kind: 'RESHAPE', name: 'r', inputs: [[1, 8]], weights: [[2]], outputs: [[8]], macs: 0 },
  { op: 1, kind: 'CONV_2D', name: 'c', inputs: [[1, 4, 4, 2]], weights: [[4, 1, 1, 2], [4]], outputs: [[1, 4, 4, 4]], macs: 4000, macClass: 'conv' },
  { op: 2, kind: 'SOFTMAX', name: 's', inputs: [[1, 8]], weights: [], outputs: [[1, 8]], macs: 0 },
];
const M4 = { counter: { method: 'systick-instructions' as const, kind: 'instructions' as const }, clockHz: 25_000_000 };

test('PROF and PROFOP records assemble into the report, and a missing PROFOP makes it incomplete', () => {
  const full = assembleReportFromLines(lines([...HEAD, ...PROF, ...TAIL]));
  assert.equal(full.complete, true, full.problems.join('; '));
  assert.deepEqual(full.profile, { opsAnnounced: 3, readCost: 22.5, ops: [
    { n: 0, op: 1, kind: 'CONV_2D', count: 8040 }, { n: 1, op: 0, kind: 'RESHAPE', count: 40 }, { n: 2, op: 2, kind: 'SOFTMAX', count: 2280 }] });
  const lost = assembleReportFromLines(lines([...HEAD, ...PROF.slice(0, 3), ...TAIL]));
  assert.equal(lost.complete, false);
  assert.ok(lost.problems.some((p) => p.includes('2 of 3 PROFOP')), lost.problems.join('; '));
  const orphan = assembleReportFromLines(lines([...HEAD, PROF[1]!, ...TAIL]));
  assert.ok(orphan.problems.some((p) => p.includes('before any PROF')), orphan.problems.join('; '));
  const none = assembleReportFromLines(lines([...HEAD, ...TAIL]));
  assert.equal(none.profile, undefined);
  assert.equal(none.complete, true);
});

test('the join takes the read cost off each op, classes and shares add up, resolution per counter', () => {
  const fw = assembleReportFromLines(lines([...HEAD, ...PROF, ...TAIL])).profile!;
  const p = buildProfile(fw, OPS, M4);
  assert.equal(p.resolution, 40);
  assert.equal(counterResolution({ counter: { method: 'minstret', kind: 'instructions' }, clockHz: 1e8 }), 1);
  assert.deepEqual(p.ops.map((o) => [o.op, o.kind, o.count]), [[1, 'CONV_2D', 8018], [0, 'RESHAPE', 18], [2, 'SOFTMAX', 2258]]);
  assert.equal(p.total, 8018 + 18 + 2258);
  assert.equal(p.ops[0]!.perMac, 2.005);
  assert.equal(p.ops[1]!.perMac, undefined);
  assert.deepEqual(p.byClass.conv, { ops: 1, count: 8018, macs: 4000, perMac: 2.005 });
  assert.deepEqual(p.byClass.other, { ops: 2, count: 18 + 2258, macs: 0 });
  assert.ok(Math.abs(p.ops.reduce((a, o) => a + o.share, 0) - 1) < 1e-5);
  // Counts that do not describe the compiled graph are refused, with the op named.
  assert.throws(() => buildProfile({ ...fw, ops: fw.ops.map((o) => (o.op === 2 ? { ...o, kind: 'TANH' } : o)) }, OPS, M4), /op 2 as TANH.*SOFTMAX/);
  assert.throws(() => buildProfile({ ...fw, ops: fw.ops.slice(0, 2) }, OPS, M4), /profiled 2 ops, the compiled graph has 3/);
  assert.throws(() => buildProfile({ ...fw, ops: fw.ops.map((o) => (o.n === 1 ? { ...o, op: 1, kind: 'CONV_2D' } : o)) }, OPS, M4), /op 1 twice/);
});

const result = (count: number, ops: Array<[number, string, number, number]>, jobId: string): JobResult => ({
  v: 1, jobId, agentId: 'a', boardId: 'b', boardKind: 'qemu-mps2-an386', model: 'aww', backend: 'aot', tiling: 'none', ok: true,
  metrics: { counter: 'instructions', count, counts: [count], latencyUs: 1, stackBytes: 1, heapBytes: 0, arenaBytes: 1, romBytes: 1, ramBytes: 1, outputsMatch: true,
    profile: { resolution: 40, ops: ops.map(([op, kind, macs, c]) => ({ op, kind, macs, count: c })) } },
  attempt: 1, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z',
});

test('the wire profile is validated and bounded', () => {
  const ok = result(100, [[0, 'CONV_2D', 10, 60], [1, 'SOFTMAX', 0, 40]], 'j');
  assert.equal(validateJobResult(ok).ok, true);
  assert.deepEqual(profileErrors({ resolution: 0, ops: [{ op: -1, kind: 'conv 2d', macs: 1.5, count: -3 }] }, 'p'), [
    'p.resolution must be an integer in [1, 1e9]', 'p.ops[0].op must be an integer in [0, 16384]',
    'p.ops[0].kind must match /^[A-Z][A-Z0-9_]{0,47}$/', 'p.ops[0].macs must be a non-negative integer', 'p.ops[0].count must be a non-negative integer']);
  assert.match(profileErrors({ resolution: 1, ops: [{ op: 1, kind: 'ADD', macs: 0, count: 1 }, { op: 1, kind: 'ADD', macs: 0, count: 1 }] }, 'p')[0]!, /appears twice/);
  const big = { resolution: 1, ops: Array.from({ length: MAX_PROFILE_OPS + 1 }, (_, i) => ({ op: i, kind: 'ADD', macs: 0, count: 1 })) };
  assert.match(profileErrors(big, 'p')[0]!, /at most 1024/);
  const bad = validateJobResult({ ...ok, metrics: { ...ok.metrics, profile: { resolution: 1, ops: 'x' } } });
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && bad.errors.includes('payload.metrics.profile.ops must be an array'));
});

test('op_profile points: one per op with the lab tags; a count regression names the ops that moved', () => {
  const ops = (a: number, b: number): Array<[number, string, number, number]> => [[0, 'CONV_2D', 1000, a], [1, 'DEPTHWISE_CONV_2D', 500, b], [2, 'SOFTMAX', 0, 1000]];
  const pts = opProfilePoints(result(12000, ops(8000, 3000), 'j1'), 'nightly');
  assert.equal(pts.length, 3);
  assert.equal(pts[0]!.measurement, 'op_profile');
  assert.deepEqual(pts[1]!.tags, { model: 'aww', board_kind: 'qemu-mps2-an386', backend: 'aot', tiling: 'none', arithmetic: 'reference', op: '1', op_kind: 'DEPTHWISE_CONV_2D', suite: 'nightly', counter: 'instructions' });
  assert.equal(pts[1]!.fields!.per_mac, 6);
  assert.equal(pts[2]!.fields!.per_mac, undefined);
  assert.equal(pts[0]!.fields!.share, 8000 / 12000);

  const d = new RegressionDetector();
  assert.deepEqual(d.check(result(12000, ops(8000, 3000), 'j1')), []);
  // The depthwise op got 400 slower, the conv 40 faster (one SysTick step: within resolution).
  const evs = d.check(result(12360, ops(7960, 3400), 'j2'));
  const ev = evs.find((e) => e.metric === 'instructions')!;
  assert.deepEqual(ev.ops, [{ op: 1, kind: 'DEPTHWISE_CONV_2D', baseline: 3000, value: 3400, changePct: 13.333 }]);
  assert.match(String(regressionPoint(ev).fields!.text), /\(ops: 1 DEPTHWISE_CONV_2D 3000 -> 3400\)$/);
  // A result without a profile still gets its count event, with no ops named.
  const plain = result(13000, [], 'j3');
  delete plain.metrics!.profile;
  const e3 = d.check(plain).find((e) => e.metric === 'instructions')!;
  assert.equal(e3.ops, undefined);
});
