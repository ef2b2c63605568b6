// Restarts: the daemon process killed (SIGKILL) in the middle of a suite loses no job and
// completes none twice; InfluxDB down while results arrive (and the daemon restarted meanwhile)
// still gets every point exactly once when it returns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join, resolve } from 'node:path';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { runSuite } from '../../daemon/client.ts';
import type { JobRecord } from '../../daemon/jobs/job-store.ts';
import { startMosquitto, type TestBroker as TestMosquitto } from '../../tools/mosquitto.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { labConfig, startDaemon, tempDir, waitFor } from './support.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
let mq: TestMosquitto;
let influx: TestInfluxdb;
before(async () => { [mq, influx] = await Promise.all([startMosquitto(), startInfluxdb()]); });
after(async () => { await Promise.all([mq?.dispose(), influx?.dispose()]); });

const MATRIX = 'suites:\n  full:\n    models: [aww, vww, resnet, toycar, micro_speech, sine_model]\n    boards: [qemu-mps2-an386]\n    tilings: [none, fdt]\n    reps: 1\n';
const CELLS = 12;

function spawnDaemon(configPath: string, db: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(REPO, 'bin/tinyrack.mjs'), 'daemon', '--config', configPath, '--broker', mq.url,
    '--influx', influx.url, '--influx-db', db, '--client-id', 'd-killed'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); if (err.includes('tinyrack daemon: broker')) resolvePromise(child); });
    child.once('exit', (code) => reject(new Error(`daemon exited early (${code}): ${err}`)));
    setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`daemon did not start within 60 s: ${err}`)); }, 60_000).unref();
  });
}

/** The jobs as the daemon's database holds them (read-only: the daemon process may be writing):
 * the record, with the state, attempt and result columns over it (daemon/jobs/job-store.ts: a
 * dispatch and a result write those columns, not the record). */
function journal(dataDir: string): Map<string, JobRecord> {
  const db = new Database(join(dataDir, 'lab.db'), { readonly: true, fileMustExist: true });
  try {
    const m = new Map<string, JobRecord>();
    const rows = db.prepare('SELECT record, state, attempt, result FROM jobs').all() as Array<{ record: string; state: JobRecord['state']; attempt: number | null; result: string | null }>;
    for (const row of rows) {
      const r = JSON.parse(row.record) as JobRecord;
      r.state = row.state;
      if (row.attempt !== null) r.attempt = row.attempt;
      if (row.result !== null) r.result = JSON.parse(row.result) as JobRecord['result'];
      m.set(r.jobId, r);
    }
    return m;
  } finally { db.close(); }
}

test('daemon killed mid-suite: after a restart every job completes exactly once', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const configPath = join(dir, 'lab.yaml');
  writeFileSync(configPath, `daemon:\n  dataDir: ${JSON.stringify(join(dir, 'data'))}\n${MATRIX}`);
  const DB = 'restart_db';
  const agent = new SimAgent({ brokerUrl: mq.url, agentId: 'rk', boards: [{ boardId: 'rk0', kind: 'qemu-mps2-an386' }, { boardId: 'rk1', kind: 'qemu-mps2-an386' }], jobMs: 150 });
  await agent.start();
  let daemon = await spawnDaemon(configPath, DB);
  const replies = await runSuite(mq.url, 'full', { timeoutMs: 20_000, waitFinished: false });
  assert.equal(replies[0]!.type, 'started');
  const runId = (replies[0] as { runId: string }).runId;
  await waitFor('a few results', () => agent.results.length >= 3);
  daemon.kill('SIGKILL');
  await new Promise((r) => daemon.once('exit', r));
  const atKill = journal(join(dir, 'data'));
  const doneAtKill = [...atKill.values()].filter((j) => j.state === 'done').length;
  assert.ok(doneAtKill < CELLS, 'killed before the suite finished');
  // Jobs out on boards finish while the daemon is down; their results wait at the broker.
  await waitFor('boards drained', () => agent.received.length === agent.results.length, 5000);
  daemon = await spawnDaemon(configPath, DB);
  try {
    await waitFor('suite finished after restart', () => {
      const j = journal(join(dir, 'data'));
      const mine = [...j.values()].filter((r) => r.tags?.suiteRun === runId);
      return mine.length === CELLS && mine.every((r) => r.state === 'done');
    }, 30_000);
    const jobs = [...journal(join(dir, 'data')).values()].filter((r) => r.tags?.suiteRun === runId);
    assert.equal(jobs.length, CELLS, 'no job lost');
    for (const j of jobs) assert.equal(j.result!.attempt, j.attempt, 'the accepted result is the current attempt\'s');
    // InfluxDB holds exactly one result point per job.
    const rows = await waitFor('all points in InfluxDB', async () => {
      const q = await influx.query(DB, `SELECT job_id, "count" FROM results WHERE suite = 'full'`);
      const v = q.results[0]?.series?.[0]?.values ?? [];
      return v.length >= CELLS ? v : undefined;
    }, 20_000);
    assert.equal(rows.length, CELLS);
    assert.equal(new Set(rows.map((r) => r[1])).size, CELLS, 'no job completed twice');
    assert.deepEqual(new Set(rows.map((r) => r[1])), new Set(jobs.map((j) => j.jobId)));
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    await agent.stop();
  }
});

test('InfluxDB down while results arrive (and the daemon restarted meanwhile): every point arrives once', { timeout: 120_000 }, async () => {
  const DB = 'down_db';
  const dataDir = tempDir();
  const config = labConfig(MATRIX, dataDir);
  const agent = new SimAgent({ brokerUrl: mq.url, agentId: 'dn', boards: [{ boardId: 'dn0', kind: 'qemu-mps2-an386' }], jobMs: 5 });
  await agent.start();
  let daemon = await startDaemon({ config, brokerUrl: mq.url, influx: { url: influx.url, database: DB }, clientId: 'd-down' });
  await waitFor('dn online', () => daemon.registry.agent('dn')?.online);
  await daemon.sink!.drain(5000);
  await influx.stop();
  const finished = new Promise<{ done: number }>((r) => daemon.once('suite-finished', r));
  daemon.fireSuite('full', 'manual');
  assert.equal((await finished).done, CELLS);
  assert.ok(daemon.sink!.backlog >= CELLS, 'points wait in the spool');
  await daemon.stop(); // cannot drain: InfluxDB is down, the spool stays on disk
  daemon = await startDaemon({ config, brokerUrl: mq.url, influx: { url: influx.url, database: DB }, clientId: 'd-down' });
  assert.ok(daemon.sink!.backlog >= CELLS, 'the spool survived the daemon restart');
  await influx.start();
  assert.equal(await daemon.sink!.drain(20_000), 0);
  const q = await influx.query(DB, `SELECT job_id FROM results WHERE suite = 'full'`);
  const rows = q.results[0]!.series![0]!.values;
  assert.equal(rows.length, CELLS);
  assert.equal(new Set(rows.map((r) => r[1])).size, CELLS);
  const ev = await influx.query(DB, `SELECT sum(jobs) FROM jobs WHERE "event" = 'done' AND suite = 'full'`);
  assert.equal(ev.results[0]!.series![0]!.values[0]![1], CELLS, 'job events arrived exactly once too');
  await agent.stop();
  await daemon.stop();
});
