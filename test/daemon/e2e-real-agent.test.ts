// End to end with the real parts: Mosquitto, InfluxDB, the daemon, the real tinyrack agent (child
// process, `tinyrack agent`) with a QEMU board. A flash request ends as a point in InfluxDB with
// the firmware's exact numbers; a cron firing (driven by the test) gives one point per cell.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flash } from '../../daemon/client.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import type { Daemon } from '../../daemon/daemon.ts';
import { startMosquitto, type TestBroker as TestMosquitto } from '../../tools/mosquitto.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { labConfig, manualScheduler, startDaemon, tempDir, waitFor } from './support.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const DB = 'e2e';
let mq: TestMosquitto;
let influx: TestInfluxdb;
let daemon: Daemon;
let agent: ChildProcess;
let agentLog: string;
const cron = manualScheduler();

before(async () => {
  [mq, influx] = await Promise.all([startMosquitto(), startInfluxdb()]);
  const dir = tempDir();
  daemon = await startDaemon({
    config: labConfig('suites:\n  smoke:\n    cron: "0 4 * * *"\n    models: [sine_model, toycar]\n    boards: [qemu-mps2-an386]\n    tilings: [none, fdt]\n    reps: 2\n'),
    brokerUrl: mq.url, influx: { url: influx.url, database: DB }, scheduler: cron.scheduler, clientId: 'd-e2e',
  });
  const rack = join(dir, 'rack.yaml');
  writeFileSync(rack, `agentId: e2e-rack\nbroker:\n  url: ${mq.url}\nworkDir: ${join(dir, 'agent')}\nvirtual:\n  - kind: qemu-mps2-an386\n    count: 1\n`);
  agentLog = join(dir, 'agent.log');
  const fd = openSync(agentLog, 'w');
  agent = spawn(process.execPath, [join(REPO, 'bin/tinyrack.mjs'), 'agent', '--config', rack], { cwd: REPO, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  await waitFor('the real agent\'s board is online', () => daemon.registry.boards().some((b) => b.agentOnline && b.kind === 'qemu-mps2-an386'), 60_000);
}, { timeout: 120_000 });

after(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGTERM');
    // The agent finishes a running job before it exits; do not wait for that forever.
    const killer = setTimeout(() => agent.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
  await daemon?.stop();
  await Promise.all([mq?.dispose(), influx?.dispose()]);
});

test('real agent + QEMU: a flash request ends as a point in InfluxDB with the firmware\'s exact numbers', { timeout: 300_000 }, async () => {
  const out = await flash(mq.url, { model: { name: 'sine_model' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 3 }, { timeoutMs: 240_000 });
  assert.equal(out.rejected, undefined);
  const r = out.result;
  assert.ok(r, `a result (agent log: ${readFileSync(agentLog, 'utf8').slice(-2000)})`);
  assert.equal(r.ok, true, r.error);
  assert.equal(r.agentId, 'e2e-rack');
  const m = r.metrics!;
  assert.equal(m.counter, 'instructions', 'QEMU counts instructions');
  assert.equal(m.counts.length, 3);
  assert.ok(m.count > 0);
  assert.equal(m.outputsMatch, true, 'the firmware output matches TensorFlow Lite');
  await daemon.sink!.drain(10_000);
  const res = await influx.query(DB, `SELECT "count", arena_bytes, rom_bytes, ram_bytes, stack_bytes, latency_us, outputs_match, firmware_hash, board FROM results WHERE job_id = '${r.jobId}'`);
  const rows = res.results[0]!.series![0]!.values;
  assert.equal(rows.length, 1);
  const [, count, arena, rom, ram, stack, latency, match, hash, board] = rows[0]!;
  assert.deepEqual([count, arena, rom, ram, stack, latency, match, hash, board],
    [m.count, m.arenaBytes, m.romBytes, m.ramBytes, m.stackBytes, m.latencyUs, m.outputsMatch, r.firmwareHash, r.boardId]);
});

test('real agent + QEMU: a request for xnnpack arithmetic is built in xnnpack, echoed and tagged', { timeout: 300_000 }, async () => {
  const out = await flash(mq.url, { model: { name: 'sine_model' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', arithmetic: 'xnnpack', reps: 2 }, { timeoutMs: 240_000 });
  const r = out.result;
  assert.ok(r, `a result (agent log: ${readFileSync(agentLog, 'utf8').slice(-2000)})`);
  assert.equal(r.ok, true, r.error);
  assert.equal(r.arithmetic, 'xnnpack');
  assert.equal(r.metrics!.outputsMatch, true, 'the firmware output matches its xnnpack reference');
  // The agent really built the xnnpack firmware: the same content hash as building it here.
  const [xnn, ref] = await Promise.all(['xnnpack', 'reference'].map((arithmetic) => buildFirmware({
    model: 'sine_model', board: 'qemu-mps2-an386', backend: 'aot', tiling: 'none', reps: 2, arithmetic: arithmetic as 'xnnpack' | 'reference',
  })));
  assert.equal(r.firmwareHash, xnn!.firmwareHash);
  assert.notEqual(r.firmwareHash, ref!.firmwareHash);
  await daemon.sink!.drain(10_000);
  const res = await influx.query(DB, `SELECT "count" FROM results WHERE job_id = '${r.jobId}' GROUP BY arithmetic`);
  assert.equal(res.results[0]!.series![0]!.tags!.arithmetic, 'xnnpack');
  assert.equal(res.results[0]!.series![0]!.values[0]![1], r.metrics!.count);
});

test('real agent + QEMU: a cron firing gives one point per matrix cell', { timeout: 300_000 }, async () => {
  const finished = new Promise<{ runId: string; done: number; failed: number }>((res) => daemon.once('suite-finished', res));
  cron.fire('smoke');
  const fin = await finished;
  assert.equal(fin.failed, 0, readFileSync(agentLog, 'utf8').slice(-2000));
  assert.equal(fin.done, 4);
  await daemon.sink!.drain(10_000);
  const q = await influx.query(DB, `SELECT count("count") FROM results WHERE suite = 'smoke' GROUP BY model, tiling`);
  const series = q.results[0]!.series!;
  assert.deepEqual(series.map((s) => `${s.tags!.model}/${s.tags!.tiling}=${s.values[0]![1]}`).sort(),
    ['sine_model/fdt=1', 'sine_model/none=1', 'toycar/fdt=1', 'toycar/none=1']);
  // The stored counts are the ones the agent reported for each job.
  for (const jobId of fin.runId ? daemon.suiteRun(fin.runId).jobs.map((j) => j.jobId) : []) {
    const job = daemon.store.get(jobId)!;
    const p = await influx.query(DB, `SELECT "count" FROM results WHERE job_id = '${jobId}'`);
    assert.equal(p.results[0]!.series![0]!.values[0]![1], job.result!.metrics!.count);
  }
});
