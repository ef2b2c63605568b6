// What the throughput work must not give up, asserted on behaviour: results that arrive together
// are committed in one transaction (not one per result) and every one of them reaches InfluxDB;
// a board freed by a result gets its next job in that same transaction; the point table holds
// the points of a group in few rows and a version-1 database (one point per row) still drains;
// an upload is stored once by content hash, not in every job row, and still reaches the agent;
// job events are counted per commit group; the job table has no index a state change must move;
// a result writes the finished job's columns, not its whole record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { openLabDb } from '../../daemon/jobs/lab-db.ts';
import { JobStore } from '../../daemon/jobs/job-store.ts';
import { PointQueue } from '../../daemon/influx/point-queue.ts';
import { jobEventPoint } from '../../daemon/influx/schema.ts';
import { validateJobResult, type JobResult } from '../../wire/mqtt.ts';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { labConfig, startDaemon, tempDir, waitFor } from './support.ts';

let mq: TestBroker;
let influx: TestInfluxdb;
before(async () => { [mq, influx] = await Promise.all([startMosquitto({ persistence: false }), startInfluxdb()]); });
after(async () => { await Promise.all([mq?.dispose(), influx?.dispose()]); });

/** The job_id field of a stored line. */
const jobIdOf = (line: string) => /[ ,]job_id="([^"]*)"/.exec(line)?.[1];

async function countInflux(db: string, q: string): Promise<number> {
  const res = await fetch(`${influx.url}/query?db=${db}&q=${encodeURIComponent(q)}`);
  const body = await res.json() as { results: Array<{ series?: Array<{ values: number[][] }> }> };
  return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

test('results that arrive together commit in one transaction, with the freed boards\' next jobs, and all reach InfluxDB', { timeout: 90_000 }, async () => {
  const DB = 'batching';
  const BOARDS = 30;
  const daemon = await startDaemon({ config: labConfig(''), brokerUrl: mq.url, influx: { url: influx.url, database: DB }, tickMs: 60_000 });
  const sim = new SimAgent({ brokerUrl: mq.url, agentId: 'burst', jobMs: 0, progress: false, boards: Array.from({ length: BOARDS }, (_, i) => ({ boardId: `burst-b${i}`, kind: 'qemu-mps2-an386' })) });
  try {
    await sim.start();
    await waitFor('boards online', () => daemon.registry.idleBoards(new Set()).length === BOARDS);
    // Hold the daemon's input: the agent's results pile up in its socket, then arrive together.
    // The input is paused by the commit that puts the first wave out (its job specs leave after
    // it), so no result of the first wave can slip in before the pause — the agent answers at once.
    const stream = daemon['client']!.stream;
    const lab = daemon.store.lab;
    const commits: Array<{ done: number; dispatched: number }> = [];
    let phase: 'first wave' | 'held' | 'counting' = 'first wave';
    const commit = lab.commit.bind(lab);
    lab.commit = () => {
      commit();
      if (phase === 'first wave' && daemon.stats().dispatched === BOARDS) { stream.pause(); phase = 'held'; }
      // Count the store's commits and what each one held.
      if (phase === 'counting') commits.push({ done: daemon.stats().done, dispatched: daemon.stats().dispatched });
    };
    daemon.enqueueMany(Array.from({ length: 2 * BOARDS }, () => ({ model: { name: 'aww' }, boardKind: 'qemu-mps2-an386', backend: 'aot' as const, tiling: 'none' as const, reps: 1, tags: { suite: 'burst' } })));
    await waitFor('first wave out', () => phase === 'held');
    await waitFor('the first wave answered', () => sim.results.length === BOARDS);
    await new Promise((r) => setTimeout(r, 500)); // the broker forwards them into the paused socket
    phase = 'counting';
    stream.resume();
    await waitFor('every job done', () => daemon.stats().done === 2 * BOARDS, 30_000);
    const firstWave = commits.findIndex((c) => c.done >= 1);
    assert.ok(firstWave >= 0);
    assert.ok(commits.filter((c) => c.done > 0 && c.done < BOARDS).length < BOARDS / 3,
      `the ${BOARDS} results held back came in a few transactions, not one each: ${JSON.stringify(commits)}`);
    // The commit that made a result done also holds the freed board's next job (nothing queued
    // in between): after each commit of the first wave, every freed board is busy again.
    for (const c of commits.filter((c) => c.done > 0 && c.done <= BOARDS)) {
      assert.equal(c.dispatched, BOARDS, `boards freed by the commit's results were given their next jobs in it: ${JSON.stringify(c)}`);
    }
    assert.equal(await daemon.sink!.drain(20_000), 0);
    assert.equal(await countInflux(DB, `SELECT count(job_id) FROM results WHERE suite = 'burst'`), 2 * BOARDS, 'every result is in InfluxDB');
    // queued/started/done are counted, one point per commit group and tag set (daemon/influx/
    // job-event-counts.ts): every job is counted once, in as many points as commits made jobs done.
    assert.equal(await countInflux(DB, `SELECT sum(jobs) FROM jobs WHERE suite = 'burst' AND event = 'done'`), 2 * BOARDS);
    const doneCommits = commits.filter((c, i) => c.done > (i ? commits[i - 1]!.done : 0)).length;
    assert.equal(await countInflux(DB, `SELECT count(jobs) FROM jobs WHERE suite = 'burst' AND event = 'done'`), doneCommits,
      `one done point per commit that finished jobs: ${JSON.stringify(commits)}`);
    assert.equal(await countInflux(DB, `SELECT count(jobs) FROM jobs WHERE suite = 'burst' AND event = 'queued'`), 1, 'the jobs queued together are one point');
    assert.equal(await countInflux(DB, `SELECT sum(jobs) FROM jobs WHERE suite = 'burst' AND event = 'started'`), 2 * BOARDS);
  } finally {
    await sim.stop();
    await daemon.stop();
  }
});

test('the point table: a group of points is a few rows; a version-1 database (one point per row) migrates and drains in order', () => {
  const path = join(tempDir(), 'lab.db');
  // A lab database as the previous version wrote it: schema 1, one point object per row.
  const old = new Database(path);
  old.exec(`CREATE TABLE points (id INTEGER PRIMARY KEY AUTOINCREMENT, point TEXT NOT NULL);
    CREATE TABLE dead_points (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, reason TEXT NOT NULL, point TEXT NOT NULL);`);
  old.prepare('INSERT INTO points (point) VALUES (?)').run(JSON.stringify(jobEventPoint({ event: 'queued', jobId: 'old-1', at: 1 })));
  old.pragma('user_version = 1');
  old.close();
  const lab = openLabDb(path);
  const queue = new PointQueue(lab);
  assert.equal(queue.backlog, 1, 'the old row counts as one point');
  const fresh = Array.from({ length: 1200 }, (_, i) => jobEventPoint({ event: 'queued', jobId: `new-${i}`, at: 2 + i }));
  queue.add(fresh);
  assert.equal(queue.backlog, 1201);
  assert.equal(lab.db.prepare('SELECT count(*) FROM points').pluck().get(), 1 + 3, '1,200 points in 3 rows (500 a row)');
  const first = queue.peek(1)!;
  assert.deepEqual(first.lines.map(jobIdOf), ['old-1'], 'oldest first, whole rows (an old JSON row is read as its line)');
  queue.settle(first, []);
  const second = queue.peek(600)!;
  assert.equal(second.lines.length, 1000, 'whole rows until the batch size is reached');
  assert.deepEqual(second.lines.map(jobIdOf), fresh.slice(0, 1000).map((p) => p.fields!.job_id));
  queue.settle(second, [{ line: second.lines[3]!, reason: 'refused' }]);
  assert.equal(queue.backlog, 200);
  assert.equal(queue.deadLetters, 1);
  assert.deepEqual(queue.deadPoints().map((d) => [d.reason, jobIdOf(d.line!)]), [['refused', 'new-3']]);
  lab.close();
  const again = new PointQueue(openLabDb(path));
  assert.equal(again.backlog, 200, 'counts survive reopening');
  again.lab.close();
});

test('uploads are stored once by content hash, not in each job row, and go out whole in the job spec', () => {
  const lab = openLabDb(join(tempDir(), 'lab.db'));
  const store = new JobStore(lab);
  const tflite = Buffer.concat([Buffer.from([0x1c, 0, 0, 0]), Buffer.from('TFL3'), Buffer.alloc(4096, 7)]).toString('base64');
  const elf = Buffer.concat([Buffer.from([0x7f]), Buffer.from('ELF'), Buffer.alloc(8192, 9)]);
  const firmware = { name: 'acme-fw', elfBase64: elf.toString('base64'), sha256: 'unused-here' };
  const jobs = store.enqueueMany([1, 2, 3].map(() => ({
    model: { name: 'mine', tfliteBase64: tflite }, boardKind: 'k', backend: 'aot' as const, tiling: 'none' as const, reps: 1,
    byo: { protocol: 'mlperf-tiny' as const, firmware, submittedBy: 'alice' },
  })));
  assert.equal(store.uploads.size, 2, 'one model and one image, whatever the number of jobs');
  const rows = lab.db.prepare('SELECT record FROM jobs').pluck().all() as string[];
  assert.equal(rows.length, 3);
  for (const r of rows) {
    assert.ok(!r.includes(tflite.slice(0, 64)) && !r.includes(firmware.elfBase64.slice(0, 64)), 'no job row holds the content');
    assert.ok(r.length < 1000, `a job row stays small (${r.length} bytes)`);
  }
  assert.ok(!JSON.stringify(store.get(jobs[0]!.jobId)).includes(tflite.slice(0, 64)), 'nor does the job in memory');
  const spec = store.dispatch(jobs[0]!.jobId, 'a1', 'b1');
  assert.deepEqual(spec.model, { name: 'mine', tfliteBase64: tflite, sha256: store.get(jobs[0]!.jobId)!.uploads!.model!.sha256 });
  assert.equal(spec.firmware?.elfBase64, firmware.elfBase64, 'the agent gets the image byte for byte');
  assert.equal(spec.firmware?.name, 'acme-fw');
  assert.equal(spec.protocol, 'mlperf-tiny');
  assert.equal(spec.submittedBy, 'alice');
  // Uploads live as long as a job row names them.
  for (const j of jobs) store.fail(j.jobId, 'done with it');
  assert.equal(store.pruneFinished(-1), 3);
  assert.equal(store.uploads.size, 0, 'pruned with the last job that named them');
  lab.close();
});

test('a suite run\'s unfinished jobs are counted in step with the store (re-queue, failure, rollback, reopening)', () => {
  const lab = openLabDb(join(tempDir(), 'lab.db'));
  const store = new JobStore(lab);
  const job = { model: { name: 'aww' }, boardKind: 'k', backend: 'aot' as const, tiling: 'none' as const, reps: 1, tags: { suite: 's', suiteRun: 'run-1' } };
  const [a, b, c] = store.enqueueMany([job, job, job]);
  assert.equal(store.unfinishedInRun('run-1'), 3);
  store.dispatch(a!.jobId, 'ag', 'b1');
  store.requeue(a!.jobId, 'agent went away');
  assert.equal(store.unfinishedInRun('run-1'), 3, 're-queued is still unfinished');
  store.fail(b!.jobId, 'cannot be placed');
  assert.equal(store.unfinishedInRun('run-1'), 2);
  assert.throws(() => lab.tx(() => { store.fail(c!.jobId, 'x'); throw new Error('undone'); }), /undone/);
  assert.equal(store.unfinishedInRun('run-1'), 2, 'a rolled-back change is not counted');
  lab.close();
  const again = new JobStore(openLabDb(lab.path));
  assert.equal(again.unfinishedInRun('run-1'), 2, 'rebuilt on open');
  again.fail(a!.jobId, 'x');
  again.fail(c!.jobId, 'x');
  assert.equal(again.unfinishedInRun('run-1'), 0);
  again.lab.close();
});

test('a dispatch writes the lease columns alone, and the job reads back whole: reopened, re-queued, finished', () => {
  const path = join(tempDir(), 'lab.db');
  let lab = openLabDb(path);
  let store = new JobStore(lab, { attemptTimeoutMs: 60_000 }, () => 1_000);
  const [job] = store.enqueueMany([{ model: { name: 'aww' }, boardKind: 'k', backend: 'aot', tiling: 'none', reps: 1, tags: { suite: 's' } }]);
  const recordOf = () => lab.db.prepare('SELECT record FROM jobs WHERE job_id = ?').pluck().get(job!.jobId) as string;
  const queuedRecord = recordOf();
  store.dispatch(job!.jobId, 'agent-1', 'board-1');
  assert.equal(recordOf(), queuedRecord, 'the record is not rewritten by a dispatch');
  assert.deepEqual([...store.leasedBoards()], ['board-1']);
  const dispatched = store.get(job!.jobId)!;
  lab.close();
  lab = openLabDb(path);
  store = new JobStore(lab, { attemptTimeoutMs: 60_000 }, () => 2_000);
  assert.deepEqual(store.get(job!.jobId), dispatched, 'reopened: the lease is back (state, attempt, agent, board, deadline)');
  assert.deepEqual(store.inState('dispatched').map((j) => [j.jobId, j.attempt, j.agentId, j.boardId, j.deadline]), [[job!.jobId, 1, 'agent-1', 'board-1', 61_000]]);
  assert.deepEqual([...store.leasedBoards()], ['board-1'], 'reopened: the board is leased again');
  const requeued = store.requeue(job!.jobId, 'agent went away');
  assert.equal('boardId' in requeued, false);
  assert.deepEqual([...store.leasedBoards()], [], 'a re-queue frees the board');
  store.dispatch(job!.jobId, 'agent-2', 'board-2');
  assert.deepEqual([...store.leasedBoards()], ['board-2']);
  const verdict = store.complete({
    v: 1, jobId: job!.jobId, agentId: 'agent-2', boardId: 'board-2', boardKind: 'k', model: 'aww', backend: 'aot', tiling: 'none', arithmetic: 'reference',
    ok: false, error: 'it broke', attempt: 2, startedAt: new Date(2_000).toISOString(), finishedAt: new Date(2_000).toISOString(),
  });
  assert.ok(verdict.accepted);
  assert.deepEqual([...store.leasedBoards()], [], 'a result frees the board');
  lab.close();
  lab = openLabDb(path);
  store = new JobStore(lab);
  const done = store.get(job!.jobId)!;
  assert.deepEqual([done.state, done.attempt, done.agentId, done.boardId, done.error, done.history], ['failed', 2, 'agent-2', 'board-2', 'it broke', ['attempt 1 on board-1: agent went away']]);
  assert.equal(store.count('failed'), 1);
  lab.close();
});

test('schema 4: a database with the state indexes loses them on open and keeps its jobs; a suite\'s oldest unfinished job comes from memory', () => {
  const path = join(tempDir(), 'lab.db');
  const first = new JobStore(path);
  const [a, b, c] = first.enqueueMany([
    { model: { name: 'aww' }, boardKind: 'k', backend: 'aot', tiling: 'none', reps: 1, tags: { suite: 'nightly', suiteRun: 'r1' } },
    { model: { name: 'vww' }, boardKind: 'k', backend: 'aot', tiling: 'none', reps: 1, tags: { suite: 'nightly', suiteRun: 'r1' } },
    { model: { name: 'aww' }, boardKind: 'k', backend: 'aot', tiling: 'none', reps: 1, tags: { suite: 'other', suiteRun: 'r2' } },
  ]);
  first.close();
  // As schema 3 left it: the two indexes every state change had to move an entry in.
  const old = new Database(path);
  old.exec('CREATE INDEX jobs_by_state ON jobs(state, seq); CREATE INDEX jobs_by_suite ON jobs(suite, state) WHERE suite IS NOT NULL;');
  old.pragma('user_version = 3');
  old.close();
  const store = new JobStore(path);
  const indexes = store.lab.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL`).pluck().all();
  assert.deepEqual(indexes.sort(), ['jobs_by_request', 'jobs_by_suite_run']);
  assert.equal(store.lab.db.pragma('user_version', { simple: true }), 5);
  assert.deepEqual(store.inState('queued').map((j) => j.jobId), [a!.jobId, b!.jobId, c!.jobId]);
  assert.equal(store.unfinishedOfSuite('nightly')?.jobId, a!.jobId, 'the oldest unfinished job of the suite');
  const spec = store.dispatch(a!.jobId, 'ag', 'b0');
  assert.equal(store.unfinishedOfSuite('nightly')?.jobId, a!.jobId, 'a dispatched job is unfinished too');
  store.complete({ v: 1, jobId: a!.jobId, agentId: 'ag', boardId: 'b0', boardKind: 'k', model: 'aww', backend: 'aot', tiling: 'none', ok: false, error: 'x', attempt: spec.attempt, startedAt: '', finishedAt: '' });
  assert.equal(store.unfinishedOfSuite('nightly')?.jobId, b!.jobId, 'once it finished, the next one');
  store.fail(b!.jobId, 'cancelled');
  assert.equal(store.unfinishedOfSuite('nightly'), undefined, 'the suite has nothing unfinished');
  assert.equal(store.unfinishedOfSuite('other')?.jobId, c!.jobId);
  assert.deepEqual([store.count('queued'), store.count('failed')], [1, 2]);
  store.close();
});

test('schema 5: a result writes the state, result and error columns and leaves the record; the job reads back whole; a schema-4 database gains the columns and its finished rows read as before', () => {
  const path = join(tempDir(), 'lab.db');
  let store = new JobStore(path, { attemptTimeoutMs: 60_000 }, () => 1_000);
  const [good, bad, old] = store.enqueueMany(['aww', 'vww', 'toycar'].map((name) => ({ model: { name }, boardKind: 'k', backend: 'aot' as const, tiling: 'none' as const, reps: 1, tags: { suite: 's' } })));
  const row = (id: string) => store.lab.db.prepare('SELECT record, result, error FROM jobs WHERE job_id = ?').get(id) as { record: string; result: string | null; error: string | null };
  const queuedRecords = [good!, bad!, old!].map((j) => row(j.jobId).record);
  [good!, bad!, old!].forEach((j, i) => store.dispatch(j.jobId, 'ag', `b${i}`));
  const result = (jobId: string, boardId: string, model: string, ok: boolean): JobResult => ({
    v: 1, jobId, agentId: 'ag', boardId, boardKind: 'k', model, backend: 'aot', tiling: 'none', arithmetic: 'reference', ok, attempt: 1,
    startedAt: new Date(1_000).toISOString(), finishedAt: new Date(1_500).toISOString(),
    ...(ok ? { metrics: { counter: 'instructions', count: 4242, counts: [4242], latencyUs: 169.68, stackBytes: 700, heapBytes: 0, arenaBytes: 2048, romBytes: 30_000, ramBytes: 6144, energyUj: 0.056, energyEstimated: true, outputsMatch: true }, firmwareHash: 'f00d' } : { error: 'it broke' }),
  });
  const okResult = result(good!.jobId, 'b0', 'aww', true);
  const badResult = result(bad!.jobId, 'b1', 'vww', false);
  assert.ok(store.complete(okResult).accepted);
  assert.ok(store.complete(badResult).accepted);
  assert.ok(store.complete(result(old!.jobId, 'b2', 'toycar', true)).accepted);
  assert.deepEqual([good!, bad!].map((j) => row(j.jobId).record), queuedRecords.slice(0, 2), 'a result does not rewrite the record');
  assert.deepEqual(row(good!.jobId).result && JSON.parse(row(good!.jobId).result!), okResult);
  assert.deepEqual([row(good!.jobId).error, row(bad!.jobId).error], [null, 'it broke']);
  const finished = [store.get(good!.jobId)!, store.get(bad!.jobId)!];
  assert.deepEqual(finished.map((j) => [j.state, j.attempt, j.agentId, j.boardId, j.error]), [['done', 1, 'ag', 'b0', undefined], ['failed', 1, 'ag', 'b1', 'it broke']]);
  assert.deepEqual(finished.map((j) => j.result), [okResult, badResult]);
  store.close();
  store = new JobStore(path, { attemptTimeoutMs: 60_000 }, () => 2_000);
  assert.deepEqual([store.get(good!.jobId), store.get(bad!.jobId)], finished, 'reopened: the same jobs');
  assert.deepEqual(store.inState('done').map((j) => j.jobId), [good!.jobId, old!.jobId]);
  assert.deepEqual([store.count('done'), store.count('failed'), store.count('dispatched')], [2, 1, 0]);
  assert.deepEqual([store.complete(okResult), store.complete(badResult)].map((v) => v.accepted ? 'accepted' : v.reason), ['already-finished', 'already-finished']);
  // The finished rows as schema 4 wrote them: the whole job, result and error inside the record.
  const asSchema4 = [good!, bad!, old!].map((j) => ({ ...store.get(j.jobId)!, ...(j === old ? { error: 'kept in the record' } : {}) }));
  store.close();
  const db = new Database(path);
  for (const j of asSchema4) db.prepare('UPDATE jobs SET record = ? WHERE job_id = ?').run(JSON.stringify(j), j.jobId);
  db.exec('ALTER TABLE jobs DROP COLUMN result; ALTER TABLE jobs DROP COLUMN error;');
  db.pragma('user_version = 4');
  db.close();
  store = new JobStore(path, { attemptTimeoutMs: 60_000 }, () => 3_000);
  assert.equal(store.lab.db.pragma('user_version', { simple: true }), 5);
  assert.deepEqual(asSchema4.map((j) => store.get(j.jobId)), asSchema4, 'schema-4 finished rows read from their record');
  assert.deepEqual([store.count('done'), store.count('failed')], [2, 1]);
  store.close();
});

test('a result is stored as the payload text it came in, unless the validator or the store changed it (a replaced clock, another arithmetic)', () => {
  const t = Date.UTC(2031, 0, 2);
  const store = new JobStore(join(tempDir(), 'lab.db'), { attemptTimeoutMs: 60_000 }, () => t);
  const [same, clock, other] = store.enqueueMany([
    { model: { name: 'aww' }, boardKind: 'k', backend: 'aot', tiling: 'none', reps: 1 },
    { model: { name: 'vww' }, boardKind: 'k', backend: 'aot', tiling: 'none', reps: 1 },
    { model: { name: 'aww' }, boardKind: 'k', backend: 'aot', tiling: 'none', arithmetic: 'xnnpack', reps: 1 },
  ]);
  [same!, clock!, other!].forEach((j, i) => store.dispatch(j.jobId, 'ag', `b${i}`));
  const payload = (jobId: string, boardId: string, model: string, finishedAt: string) => Buffer.from(`{ "v": 1, "jobId": "${jobId}", "agentId": "ag", "boardId": "${boardId}",
    "boardKind": "k", "model": "${model}", "backend": "aot", "tiling": "none", "arithmetic": "reference", "ok": true, "attempt": 1,
    "startedAt": "${new Date(t).toISOString()}", "finishedAt": "${finishedAt}", "firmwareHash": "f00d",
    "metrics": { "counter": "instructions", "count": 7, "counts": [7], "latencyUs": 0.28, "stackBytes": 1, "heapBytes": 0, "arenaBytes": 2, "romBytes": 3, "ramBytes": 4, "outputsMatch": true } }`);
  const stored = (jobId: string) => store.lab.db.prepare('SELECT result FROM jobs WHERE job_id = ?').pluck().get(jobId) as string;
  const apply = (bytes: Buffer) => {
    const v = validateJobResult(bytes, { now: t, keepText: true });
    assert.ok(v.ok);
    assert.ok(store.complete(v.value, v.text).accepted);
    return v;
  };
  const asSent = payload(same!.jobId, 'b0', 'aww', new Date(t).toISOString());
  const v1 = apply(asSent);
  assert.equal(v1.ok && v1.text, asSent.toString(), 'the validator hands back the text it parsed');
  assert.deepEqual(validateJobResult(asSent, { now: t }), { ok: true, value: v1.ok && v1.value }, 'only when asked');
  assert.equal(stored(same!.jobId), asSent.toString(), 'stored as it came');
  assert.deepEqual(store.get(same!.jobId)!.result, v1.ok && v1.value);
  // A clock outside the window: the value is not the text any more, so the text is not kept.
  const v2 = apply(payload(clock!.jobId, 'b1', 'vww', '2001-01-01T00:00:00.000Z'));
  assert.ok(v2.ok && v2.notes?.length && v2.text === undefined);
  assert.equal(JSON.parse(stored(clock!.jobId)).finishedAt, new Date(t).toISOString());
  // Built in another arithmetic than the job asked for: the store's failure is what is stored.
  apply(payload(other!.jobId, 'b2', 'aww', new Date(t).toISOString()));
  assert.deepEqual([JSON.parse(stored(other!.jobId)).ok, store.get(other!.jobId)!.state], [false, 'failed']);
  assert.match(store.get(other!.jobId)!.result!.error!, /built arithmetic reference, the job asked for xnnpack/);
  store.close();
});
