// The lab database: a data folder written by the JSON-lines journal and spool (fixture made by the
// previous daemon code, torn last line included) is migrated on start and its jobs and points
// carry on; a job's state change and its points commit together or not at all; results that do
// not answer the lease — another agent, another board, another spec — are refused and never reach
// InfluxDB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { openLabDb } from '../../daemon/jobs/lab-db.ts';
import { JobStore } from '../../daemon/jobs/job-store.ts';
import { PointQueue } from '../../daemon/influx/point-queue.ts';
import { UnitOfWork, type Outgoing } from '../../daemon/unit-of-work.ts';
import { jobEventPoint } from '../../daemon/influx/schema.ts';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { encode, topics, type JobResult } from '../../wire/mqtt.ts';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { labConfig, startDaemon, tempDir, waitFor } from './support.ts';

const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'jsonl-data-dir');
let mq: TestBroker;
let influx: TestInfluxdb;
before(async () => { [mq, influx] = await Promise.all([startMosquitto(), startInfluxdb()]); });
after(async () => { await Promise.all([mq?.dispose(), influx?.dispose()]); });

test('a state change and its points are one transaction: a failure inside leaves neither, and sends nothing', () => {
  const lab = openLabDb(join(tempDir(), 'lab.db'));
  const store = new JobStore(lab);
  const queue = new PointQueue(lab);
  const sent: Outgoing[] = [];
  const work = new UnitOfWork(lab, queue, (m) => sent.push(m), () => {});
  const newJob = { model: { name: 'aww' }, boardKind: 'k', backend: 'aot' as const, tiling: 'none' as const, reps: 1 };
  assert.throws(() => work.run(() => {
    const j = store.enqueue(newJob);
    work.point(jobEventPoint({ event: 'queued', jobId: j.jobId, at: 1 }));
    work.publish('t/x', 'hello');
    throw new Error('crash between the state change and the rest');
  }), /crash between/);
  assert.equal(store.count('queued'), 0);
  assert.equal(store.all().length, 0);
  assert.equal(queue.backlog, 0);
  assert.deepEqual(sent, [], 'a rolled-back unit says nothing');
  const j = work.run(() => {
    const job = store.enqueue(newJob);
    work.point(jobEventPoint({ event: 'queued', jobId: job.jobId, at: 1 }));
    work.publish('t/x', 'hello');
    assert.deepEqual(sent, [], 'messages wait for the commit');
    return job;
  });
  assert.deepEqual((sent as Outgoing[]).map((m) => m.topic), ['t/x']);
  lab.close();
  // Both survive reopening.
  const again = openLabDb(lab.path);
  assert.equal(new JobStore(again).get(j.jobId)!.state, 'queued');
  assert.equal(new PointQueue(again).backlog, 1);
  again.close();
});

test('group commit: the units of a burst commit together after it; a failing unit is undone alone; the hooks bracket the group', async () => {
  const lab = openLabDb(join(tempDir(), 'lab.db'));
  const store = new JobStore(lab);
  const queue = new PointQueue(lab);
  const sent: Outgoing[] = [];
  const events: string[] = [];
  const work = new UnitOfWork(lab, queue, (m) => sent.push(m), (n) => events.push(`committed ${n} points`), {
    log: () => {}, opened: () => events.push('opened'), closed: (ok) => events.push(`closed ${ok}`),
  });
  const newJob = { model: { name: 'aww' }, boardKind: 'k', backend: 'aot' as const, tiling: 'none' as const, reps: 1 };
  const unit = (topic: string, fail = false) => work.run(() => {
    const j = store.enqueue(newJob);
    work.point(jobEventPoint({ event: 'queued', jobId: j.jobId, at: 1 }));
    work.publish(topic, 'x');
    if (fail) throw new Error('bad unit');
    return j;
  });
  const a = unit('t/a');
  assert.throws(() => unit('t/b', true), /bad unit/);
  const c = unit('t/c');
  assert.deepEqual(events, ['opened'], 'one group, still open');
  assert.deepEqual(sent, [], 'nothing said before the commit');
  const outside = new Database(lab.path, { readonly: true });
  assert.equal(outside.prepare('SELECT count(*) FROM jobs').pluck().get(), 0, 'nothing visible outside before the commit');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, ['opened', 'closed true', 'committed 2 points']);
  assert.deepEqual((sent as Outgoing[]).map((m) => m.topic), ['t/a', 't/c']);
  assert.deepEqual(store.all().map((j) => j.jobId).sort(), [a.jobId, c.jobId].sort());
  assert.equal(outside.prepare('SELECT count(*) FROM jobs').pluck().get(), 2);
  assert.equal(queue.backlog, 2);
  outside.close();
  lab.close();
});

test('a data folder from the JSON-lines daemon is migrated: jobs carry on, spooled points reach InfluxDB, once', { timeout: 60_000 }, async () => {
  const dataDir = tempDir();
  cpSync(FIXTURE, dataDir, { recursive: true });
  const DB = 'migrated';
  const log: string[] = [];
  const config = labConfig('', dataDir);
  const agent = new SimAgent({ brokerUrl: mq.url, agentId: 'new-agent', boards: [{ boardId: 'nb0', kind: 'qemu-mps2-an386' }], jobMs: 5 });
  await agent.start();
  let daemon = await startDaemon({ config, brokerUrl: mq.url, influx: { url: influx.url, database: DB }, clientId: 'd-migrate', log: (l) => log.push(l) });
  try {
    assert.ok(log.some((l) => /migrated .*jobs\.jsonl.* 4 jobs, 3 pending InfluxDB points \(1 torn lines dropped\)/.test(l)), log.join('\n'));
    assert.ok(existsSync(join(dataDir, 'jobs.jsonl.migrated')) && !existsSync(join(dataDir, 'jobs.jsonl')));
    assert.ok(existsSync(join(dataDir, 'influx-spool.jsonl.migrated')) && !existsSync(join(dataDir, 'influx-spool.jsonl')));
    const done = daemon.store.get('legacy-done')!;
    assert.equal(done.state, 'done');
    assert.equal(done.result!.metrics!.count, 1234567);
    assert.equal(daemon.store.get('legacy-failed')!.state, 'failed');
    assert.equal(daemon.store.get('torn'), undefined);
    // The old dispatched job's deadline (Dec 1) has passed: re-queued; both it and the queued one run here.
    await waitFor('legacy jobs done', () => daemon.store.get('legacy-queued')?.state === 'done' && daemon.store.get('legacy-dispatched')?.state === 'done');
    assert.equal(daemon.store.get('legacy-dispatched')!.attempt, 2);
    assert.match(daemon.store.get('legacy-dispatched')!.history![0]!, /attempt 1 on old-b-toycar: deadline passed/);
    assert.equal(await daemon.sink!.drain(10_000), 0);
    const q = await influx.query(DB, `SELECT "count", job_id FROM results WHERE suite = 'nightly'`);
    assert.deepEqual(q.results[0]!.series![0]!.values.map((v) => [v[1], v[2]]), [[1234567, 'legacy-done']], 'the spooled result point arrived');
    const ev = await influx.query(DB, `SELECT job_id FROM jobs WHERE suite = 'nightly' AND ("event" = 'done' OR "event" = 'failed')`);
    assert.deepEqual(ev.results[0]!.series![0]!.values.map((v) => v[1]).sort(), ['legacy-done', 'legacy-failed']);
    await daemon.stop();
    // A second start finds nothing to migrate and the same jobs.
    log.length = 0;
    daemon = await startDaemon({ config, brokerUrl: mq.url, influx: { url: influx.url, database: DB }, clientId: 'd-migrate', log: (l) => log.push(l) });
    assert.equal(log.filter((l) => l.includes('migrated')).length, 0);
    assert.equal(daemon.store.all().length, 4);
  } finally {
    await daemon.stop();
    await agent.stop();
  }
});

test('a forged result (another agent, another board, another spec) is refused and never reaches InfluxDB', { timeout: 60_000 }, async () => {
  const DB = 'forged';
  const daemon = await startDaemon({ config: labConfig(''), brokerUrl: mq.url, influx: { url: influx.url, database: DB }, clientId: 'd-forged' });
  const honest = new SimAgent({ brokerUrl: mq.url, agentId: 'honest', boards: [{ boardId: 'h0', kind: 'kind-f' }, { boardId: 'h1', kind: 'kind-f' }], silent: true });
  await honest.start();
  const forger = await mqtt.connectAsync(mq.url, { clientId: 'forger' });
  try {
    await waitFor('honest online', () => daemon.registry.agent('honest')?.online);
    const job = daemon.enqueue({ model: { name: 'aww' }, boardKind: 'kind-f', backend: 'aot', tiling: 'none', reps: 1 });
    await waitFor('job out on honest', () => honest.received.length === 1);
    const spec = honest.received[0]!;
    const t = new Date().toISOString();
    const real: JobResult = {
      v: 1, jobId: job.jobId, agentId: 'honest', boardId: spec.boardId!, boardKind: 'kind-f', model: 'aww', backend: 'aot', tiling: 'none', arithmetic: 'reference', ok: true,
      metrics: { counter: 'cycles', count: 1000, counts: [1000], latencyUs: 1, stackBytes: 1, heapBytes: 0, arenaBytes: 1, romBytes: 1, ramBytes: 1, outputsMatch: true },
      attempt: 1, startedAt: t, finishedAt: t,
    };
    const forged = (over: Partial<JobResult>) => ({ ...real, metrics: { ...real.metrics!, count: 666, counts: [666] }, ...over });
    const otherBoard = spec.boardId === 'h0' ? 'h1' : 'h0';
    const ignored: string[] = [];
    daemon.on('ignored-result', (e: { reason: string }) => ignored.push(e.reason));
    await forger.publishAsync(topics.agentResults('mallory'), encode(forged({ agentId: 'mallory' })), { qos: 1 });
    await forger.publishAsync(topics.agentResults('honest'), encode(forged({ boardId: otherBoard })), { qos: 1 });
    await forger.publishAsync(topics.agentResults('honest'), encode(forged({ model: 'vww' })), { qos: 1 });
    await forger.publishAsync(topics.agentResults('honest'), encode(forged({ tiling: 'fdt' })), { qos: 1 });
    await waitFor('four refusals', () => ignored.length === 4);
    assert.deepEqual(ignored, ['wrong-agent', 'wrong-board', 'wrong-spec', 'wrong-spec']);
    assert.equal(daemon.store.get(job.jobId)!.state, 'dispatched', 'the lease still stands');
    await honest.publishResult(real);
    await waitFor('the real result accepted', () => daemon.store.get(job.jobId)!.state === 'done');
    assert.equal(await daemon.sink!.drain(10_000), 0);
    const q = await influx.query(DB, 'SELECT "count", agent, board FROM results');
    assert.deepEqual(q.results[0]!.series![0]!.values.map((v) => v.slice(1)), [[1000, 'honest', spec.boardId]]);
  } finally {
    await forger.endAsync();
    await honest.stop();
    await daemon.stop();
  }
});
