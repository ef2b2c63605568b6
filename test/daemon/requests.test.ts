// Flash requests over MQTT, end to end through a real Mosquitto and a real InfluxDB: accepted,
// dispatched to a board of the right kind, the agent's exact numbers land as a point in
// InfluxDB and come back on the reply topic; malformed requests are each rejected with a reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startMosquitto, type TestBroker as TestMosquitto } from '../../tools/mosquitto.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { flash, rawRequest } from '../../daemon/client.ts';
import type { Daemon } from '../../daemon/daemon.ts';
import { labConfig, startDaemon, waitFor } from './support.ts';

let mq: TestMosquitto;
let influx: TestInfluxdb;
let daemon: Daemon;
let agent: SimAgent;
const DB = 'req_test';

before(async () => {
  [mq, influx] = await Promise.all([startMosquitto(), startInfluxdb()]);
  daemon = await startDaemon({ config: labConfig('  requests:\n    maxUploadBytes: 2048\n'), brokerUrl: mq.url, influx: { url: influx.url, database: DB }, clientId: 'daemon-req' });
  agent = new SimAgent({ brokerUrl: mq.url, agentId: 'rack-a', boards: [{ boardId: 'a-an386-0', kind: 'qemu-mps2-an386' }, { boardId: 'a-sifive-0', kind: 'qemu-sifive-e' }] });
  await agent.start();
  await waitFor('agent registered', () => daemon.registry.boards().length === 2 && daemon.registry.agent('rack-a')?.online);
});

after(async () => {
  await agent?.stop();
  await daemon?.stop();
  await Promise.all([mq?.dispose(), influx?.dispose()]);
});

test('a flash request ends as a point in InfluxDB with the agent\'s exact numbers', async () => {
  const phases: string[] = [];
  const out = await flash(mq.url, { model: { name: 'aww' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'fdt', reps: 3 },
    { timeoutMs: 20_000, onReply: (r) => { if (r.type === 'progress') phases.push(r.phase); } });
  assert.equal(out.rejected, undefined);
  assert.ok(out.result, 'a result reply');
  const sent = agent.results.find((r) => r.jobId === out.jobId)!;
  assert.deepEqual(out.result, sent, 'the reply carries the agent\'s result unchanged');
  assert.equal(sent.boardId, 'a-sifive-0', 'dispatched to the board of the requested kind');
  assert.ok(phases.includes('accepted'));
  await daemon.sink!.drain(10_000);
  const res = await influx.query(DB, `SELECT * FROM results WHERE job_id = '${out.jobId}'`);
  const series = res.results[0]!.series!;
  assert.equal(series.length, 1);
  assert.equal(series[0]!.values.length, 1, 'exactly one point');
  const row = Object.fromEntries(series[0]!.columns.map((c, i) => [c, series[0]!.values[0]![i]]));
  const m = sent.metrics!;
  assert.equal(row.count, m.count);
  assert.equal(row.arena_bytes, m.arenaBytes);
  assert.equal(row.rom_bytes, m.romBytes);
  assert.equal(row.ram_bytes, m.ramBytes);
  assert.equal(row.stack_bytes, m.stackBytes);
  assert.equal(row.latency_us, m.latencyUs);
  assert.equal(row.outputs_match, true);
  assert.equal(row.board, 'a-sifive-0');
  assert.equal(row.board_kind, 'qemu-sifive-e');
  assert.equal(row.model, 'aww');
  assert.equal(row.tiling, 'fdt');
  assert.equal(row.arithmetic, 'reference', 'a request without arithmetic is reference, and the point says so');
  assert.equal(agent.received.find((j) => j.jobId === out.jobId)!.arithmetic, 'reference');
  assert.equal(row.counter, 'instructions');
  assert.equal(row.suite, 'adhoc');
  // Integer fields really are integers in InfluxDB (declared schema).
  const types = await influx.query(DB, 'SHOW FIELD KEYS FROM results');
  const ft = Object.fromEntries(types.results[0]!.series![0]!.values as [string, string][]);
  assert.equal(ft.count, 'integer');
  assert.equal(ft.arena_bytes, 'integer');
  assert.equal(ft.latency_us, 'float');
});

test('a request for xnnpack arithmetic reaches the agent, is echoed in the result and tagged on its point', async () => {
  const out = await flash(mq.url, { model: { name: 'aww' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', arithmetic: 'xnnpack', reps: 1 }, { timeoutMs: 20_000 });
  assert.equal(out.rejected, undefined);
  assert.equal(agent.received.find((j) => j.jobId === out.jobId)!.arithmetic, 'xnnpack');
  assert.equal(out.result?.ok, true);
  assert.equal(out.result?.arithmetic, 'xnnpack');
  const ref = await flash(mq.url, { model: { name: 'aww' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', arithmetic: 'reference', reps: 1 }, { timeoutMs: 20_000 });
  assert.notEqual(ref.result!.metrics!.count, out.result!.metrics!.count, 'the simulated agent gives each arithmetic its own figures');
  assert.equal(daemon.stats().regressions, 0, 'different arithmetics never make a regression of each other');
  await daemon.sink!.drain(10_000);
  const res = await influx.query(DB, `SELECT "count", job_id FROM results WHERE model = 'aww' AND board_kind = 'qemu-mps2-an386' GROUP BY arithmetic`);
  const byArithmetic = Object.fromEntries(res.results[0]!.series!.map((x) => [x.tags!.arithmetic, x.values.map((v) => [v[1], v[2]])]));
  assert.deepEqual(byArithmetic, {
    reference: [[ref.result!.metrics!.count, ref.jobId]],
    xnnpack: [[out.result!.metrics!.count, out.jobId]],
  });
  // queued/started/done are counted points (no job id: daemon/influx/job-event-counts.ts); this
  // is the only xnnpack job of the file, so each event counts it once.
  const ev = await influx.query(DB, `SELECT sum(jobs) FROM jobs WHERE arithmetic = 'xnnpack' GROUP BY "event"`);
  assert.deepEqual(Object.fromEntries(ev.results[0]!.series!.map((x) => [x.tags!.event, x.values[0]![1]])), { done: 1, queued: 1, started: 1 },
    'queued, started and done events carry the tag too');
});

test('a request for a specific board goes to that board', async () => {
  const out = await flash(mq.url, { model: { name: 'toycar' }, board: { id: 'a-an386-0' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000 });
  assert.equal(out.result?.boardId, 'a-an386-0');
});

test('a repeated request id is answered again, not run twice', async () => {
  const requestId = randomUUID();
  const first = await flash(mq.url, { requestId, model: { name: 'toycar' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000 });
  const again = await flash(mq.url, { requestId, model: { name: 'toycar' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000 });
  assert.equal(again.jobId, first.jobId);
  assert.equal(agent.received.filter((s) => s.jobId === first.jobId).length, 1);
});

test('malformed requests are each rejected with a reason on the reply topic', async () => {
  const tiny = Buffer.alloc(64); tiny.write('TFL3', 4, 'latin1');
  const big = Buffer.alloc(4096); big.write('TFL3', 4, 'latin1');
  const base = { v: 1, model: { name: 'aww' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'none', reps: 1 };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown model', { model: { name: 'nosuchmodel' } }, /unknown model "nosuchmodel"/],
    ['unknown board kind', { board: { kind: 'esp99' } }, /unknown board kind "esp99".*qemu-mps2-an386/],
    ['unknown board id', { board: { id: 'nope-0' } }, /unknown board "nope-0"/],
    ['both kind and id', { board: { kind: 'qemu-sifive-e', id: 'a-sifive-0' } }, /exactly one of kind or id/],
    ['bad backend', { backend: 'tvm' }, /payload\.backend must be one of aot, tflm/],
    ['bad tiling', { tiling: 'max' }, /payload\.tiling must be one of/],
    ['bad arithmetic', { arithmetic: 'fixed' }, /^invalid request: payload\.arithmetic must be one of reference, xnnpack$/],
    ['xnnpack with tflm', { backend: 'tflm', arithmetic: 'xnnpack' }, /^invalid request: payload\.arithmetic xnnpack needs backend aot \(tflm computes TFLite-Micro's fixed-point reference arithmetic only\)$/],
    ['reps zero', { reps: 0 }, /payload\.reps must be an integer in \[1, 1000\]/],
    ['wrong version', { v: 2 }, /payload\.v must be 1/],
    ['unknown field', { priority: 'x'.repeat(1000) }, /^invalid request: payload\.priority is not a known field$/],
    ['too-large upload', { model: { name: 'mine', tfliteBase64: big.toString('base64') } }, /more than the limit of 2048 bytes/],
    ['not a tflite', { model: { name: 'mine', tfliteBase64: Buffer.from('hello world!').toString('base64') } }, /not a \.tflite flatbuffer/],
    ['wrong sha256', { model: { name: 'mine', tfliteBase64: tiny.toString('base64'), sha256: '00'.repeat(32) } }, /sha256 is [0-9a-f]{64}, request says/],
    ['bad base64', { model: { name: 'mine', tfliteBase64: '***' } }, /not valid base64/],
  ];
  const before = daemon.stats().rejectedRequests;
  for (const [label, patch, reason] of cases) {
    const requestId = randomUUID();
    const replyTo = `tinyrack/replies/anonymous/${requestId}`;
    const replies = await rawRequest(mq.url, JSON.stringify({ ...base, ...patch, requestId, replyTo }), replyTo, 1, 10_000);
    assert.equal(replies.length, 1, `${label}: one reply`);
    const r = replies[0]!;
    assert.equal(r.type, 'rejected', label);
    assert.equal(r.requestId, requestId);
    assert.match((r as { reason: string }).reason, reason, label);
  }
  // Not JSON at all: nobody to answer, but the daemon counts it and keeps going.
  // Not JSON at all: answered once on the requester's fallback reply topic, counted, and the
  // daemon keeps going.
  const notJson = await rawRequest(mq.url, '{not json', 'tinyrack/replies/anonymous/rejected', 1, 10_000);
  assert.equal(notJson.length, 1);
  assert.match((notJson[0] as { reason: string }).reason, /^invalid request: payload is not JSON/);
  await waitFor('all rejections counted', () => daemon.stats().rejectedRequests === before + cases.length + 1);
  const jobsBefore = daemon.store.all().length;
  const out = await flash(mq.url, { model: { name: 'sine_model' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000 });
  assert.ok(out.result, 'the daemon still serves valid requests');
  assert.equal(daemon.store.all().length, jobsBefore + 1, 'no job was created for any rejected request');
});

test('an agent\'s failed result is returned to the requester and recorded as a failed job, not a result point', async () => {
  const failing = new SimAgent({ brokerUrl: mq.url, agentId: 'rack-f', boards: [{ boardId: 'f-stm-0', kind: 'qemu-stm32f405' }], outcome: () => ({ ok: false, error: 'model vww does not fit board qemu-stm32f405: RAM' }) });
  await failing.start();
  await waitFor('rack-f online', () => daemon.registry.agent('rack-f')?.online);
  const out = await flash(mq.url, { model: { name: 'vww' }, board: { kind: 'qemu-stm32f405' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000 });
  assert.equal(out.result?.ok, false);
  assert.match(out.result!.error!, /does not fit/);
  const job = daemon.store.get(out.jobId!)!;
  assert.equal(job.state, 'failed');
  assert.equal(job.attempt, 1, 'a reported failure is final, not retried');
  await daemon.sink!.drain(10_000);
  const pts = await influx.query(DB, `SELECT count(*) FROM results WHERE job_id = '${out.jobId}'`);
  assert.equal(pts.results[0]!.series, undefined, 'no result point for a failed job');
  const ev = await influx.query(DB, `SELECT error FROM jobs WHERE "event" = 'failed' AND job_id = '${out.jobId}'`);
  assert.match(String(ev.results[0]!.series![0]!.values[0]![1]), /does not fit/);
  await failing.stop();
});
