// End to end with the real pieces: the real build pipeline, real flasher drivers, real boards
// (QEMU and the host board), the real `tinyrack agent` command as a child process, a real broker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent, RESTARTED_DURING_JOB } from '../../agents/agent.ts';
import { defaultSteps } from '../../agents/pipeline/default-steps.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { getBoard } from '../../boards/index.ts';
import { runVirtual } from '../../boards/virtual/index.ts';
import { parseLine } from '../../wire/serial.ts';
import { topics, validateJobResult, type JobResult } from '../../wire/mqtt.ts';
import { job, rackConfig, recorder, runOneJob } from './agent-harness.ts';
import { hangModel } from './hang-model.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let broker: TestBroker;
before(async () => { broker = await startMosquitto(); });
after(async () => { await broker.dispose(); });

test('real QEMU board: a published job is built, flashed, run, and its result carries the firmware\'s own counts', { timeout: 300_000 }, async () => {
  const res = await runOneJob(broker.url, 'q1', job('q-sine', { model: { name: 'sine_model' }, reps: 2 }), 180_000);
  assert.equal(res.ok, true, res.error);
  // Reference: the same firmware run directly on QEMU; -icount makes instruction counts exact.
  const fw = await buildFirmware({ model: 'sine_model', board: 'qemu-mps2-an386', backend: 'aot', tiling: 'none', reps: 2 });
  assert.equal(res.firmwareHash, fw.firmwareHash);
  const direct = await runVirtual(await getBoard('qemu-mps2-an386'), fw.elfPath, { timeoutMs: 60_000 });
  const infCounts = direct.lines.map((l) => parseLine(l)).flatMap((p) => (p.kind === 'record' && p.record.type === 'INF' ? [Number(p.record.fields.count)] : []));
  assert.equal(infCounts.length, 2);
  assert.deepEqual(res.metrics?.counts, infCounts);
  assert.equal(res.metrics?.counter, 'instructions');
  assert.equal(res.metrics?.outputsMatch, true);
  assert.equal(res.metrics?.romBytes, fw.romBytes);
  assert.equal(res.metrics?.energyEstimated, true);
  assert.equal(res.serial?.corruptLines, 0);
});

function spawnAgent(rackFile: string, env: NodeJS.ProcessEnv): { proc: ChildProcess; stderr: () => string } {
  const proc = spawn(process.execPath, ['bin/tinyrack.mjs', 'agent', '--config', rackFile], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  return { proc, stderr: () => err };
}

const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null || p.signalCode !== null ? r(p.exitCode) : p.once('exit', (c) => r(c))));

test('`tinyrack agent` killed with -9 mid-job: on restart the job is reported failed (no half result), the next job runs, SIGTERM goes offline', { timeout: 300_000 }, async () => {
  const dir = tempDir('tinyrack-agent-cli-');
  const rackFile = join(dir, 'rack.yaml');
  writeFileSync(rackFile, [
    'agentId: cli1', 'broker:', `  url: ${broker.url}`, `workDir: ${join(dir, 'work')}`,
    'virtual:', '  - kind: host', 'health:', '  retries: 0', '  runTimeoutS: 30', '',
  ].join('\n'));
  // A cold build cache makes the build take seconds: a window to kill the agent mid-job.
  const env = { TINYRACK_CACHE: join(dir, 'cache') };
  const rec = await recorder(broker.url, 'rec-cli1');
  let a = spawnAgent(rackFile, env);
  try {
    await rec.waitFor((m) => m.topic === topics.agentStatus('cli1') && m.payload.state === 'online', 30_000);
    await rec.client.publishAsync(topics.agentJobs('cli1'), JSON.stringify(job('cut', { boardKind: 'host' })), { qos: 1 });
    await rec.waitFor((m) => m.topic === topics.agentProgress('cli1') && m.payload.jobId === 'cut' && m.payload.phase === 'building', 30_000);
    a.proc.kill('SIGKILL');
    await exited(a.proc);
    // The broker publishes the agent's last will.
    await rec.waitFor((m) => m.topic === topics.agentStatus('cli1') && m.payload.state === 'offline', 90_000);
    assert.equal(rec.msgs.filter((m) => m.topic === topics.agentResults('cli1')).length, 0);

    a = spawnAgent(rackFile, env);
    const cut = await rec.waitFor((m) => m.topic === topics.agentResults('cli1') && m.payload.jobId === 'cut', 30_000);
    assert.equal(cut.payload.ok, false);
    assert.equal(cut.payload.error, RESTARTED_DURING_JOB);
    assert.equal(cut.payload.metrics, undefined);

    await rec.client.publishAsync(topics.agentJobs('cli1'), JSON.stringify(job('after', { boardKind: 'host' })), { qos: 1 });
    const after = await rec.waitFor((m) => m.topic === topics.agentResults('cli1') && m.payload.jobId === 'after', 120_000);
    assert.equal(after.payload.ok, true, String(after.payload.error));
    const metrics = (after.payload as unknown as JobResult).metrics!;
    assert.equal(metrics.counter, 'ns');
    assert.equal(metrics.counts.length, 3);
    assert.equal(metrics.outputsMatch, true);
    assert.equal(rec.msgs.filter((m) => m.topic === topics.agentResults('cli1') && m.payload.jobId === 'cut').length, 1);

    const mark = rec.msgs.length;
    a.proc.kill('SIGTERM');
    assert.equal(await exited(a.proc), 0, a.stderr());
    await rec.waitFor((m) => rec.msgs.indexOf(m) >= mark && m.topic === topics.agentStatus('cli1') && m.payload.state === 'offline', 10_000);
  } finally {
    if (a.proc.exitCode === null && a.proc.signalCode === null) { a.proc.kill('SIGKILL'); await exited(a.proc); }
    await rec.close();
  }
});

test('real QEMU firmware that hangs: the job times out, the board is marked, the next job still runs', { timeout: 300_000 }, async () => {
  const cfg = rackConfig(broker.url, 'q2', { runTimeoutS: 4 });
  const agent = new Agent(cfg, { steps: defaultSteps({ prepared: { hang_model: hangModel } }), log: () => {} });
  const rec = await recorder(broker.url, 'rec-q2');
  await agent.start();
  try {
    await rec.client.publishAsync(topics.agentJobs('q2'), JSON.stringify(job('q-hang', { model: { name: 'hang_model' }, reps: 1 })), { qos: 1 });
    await rec.client.publishAsync(topics.agentJobs('q2'), JSON.stringify(job('q-next', { model: { name: 'sine_model' }, reps: 1 })), { qos: 1 });
    const hang = (await rec.waitFor((m) => m.topic === topics.agentResults('q2') && m.payload.jobId === 'q-hang', 120_000)).payload as unknown as JobResult;
    assert.equal(hang.ok, false);
    // The firmware printed BOOT and MODEL (and maybe a MARK), then never finished its inference.
    assert.match(hang.error!, /^report not complete within 4000 ms \([23] records, 0 noise lines, 0 corrupt lines\)/);
    await rec.waitFor((m) => m.topic === topics.agentInventory('q2') && (m.payload.boards as { failures: number }[])[0]!.failures === 1);
    const next = (await rec.waitFor((m) => m.topic === topics.agentResults('q2') && m.payload.jobId === 'q-next', 120_000)).payload as unknown as JobResult;
    assert.equal(next.ok, true, next.error);
    assert.equal(next.metrics?.outputsMatch, true);
  } finally {
    await agent.stop();
    await rec.close();
  }
});
