// A clean broker restart (Mosquitto stopped with SIGTERM and started again) publishes every
// connected agent's last will, "offline". The agent itself is fine: it reconnects within seconds,
// still running its job, and its result waits in its outbox. The daemon holds the agent's leases
// for the offline grace period, so the job is neither re-queued nor run a second time, and the
// first (only) result is the one accepted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from '../../agents/agent.ts';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { rackConfig, reportLines, standInSteps } from '../agents/agent-harness.ts';
import { labConfig, startDaemon, waitFor } from './support.ts';

let mq: TestBroker;
before(async () => { mq = await startMosquitto({ persistence: true }); });
after(async () => { await mq?.dispose(); });

test('clean broker restart mid-job: the agent\'s job is not re-run and its result is accepted', { timeout: 90_000 }, async () => {
  const log: string[] = [];
  // The grace is far longer than a reconnect takes; the test never waits for it to run out.
  const daemon = await startDaemon({ config: labConfig(''), brokerUrl: mq.url, influx: null, clientId: 'd-broker-restart', offlineGraceMs: 120_000, log: (l) => log.push(l) });
  let release!: () => void;
  const hold = new Promise<void>((r) => { release = r; });
  const board = { script: () => ({ lines: reportLines([500, 500]), holdUntil: hold }), builds: [] as string[], runs: [] as string[] };
  const agent = new Agent(rackConfig(mq.url, 'br1'), { steps: standInSteps(board), log: () => {} });
  await agent.start();
  try {
    await waitFor('br1 online', () => daemon.registry.agent('br1')?.online);
    const job = daemon.enqueue({ model: { name: 'sine_model' }, boardKind: 'qemu-mps2-an386', backend: 'aot', tiling: 'none', reps: 2 });
    await waitFor('the job is running on br1', () => board.runs.length === 1);
    await mq.restart();
    // The broker published br1's will; the daemon saw it and held the lease.
    await waitFor('the daemon saw br1 go offline', () => log.some((l) => l.startsWith('agent br1 offline with 1 job(s) out')), 30_000);
    await waitFor('br1 back', () => log.some((l) => l.startsWith('agent br1 back within the grace period')), 30_000);
    assert.equal(daemon.store.get(job.jobId)!.state, 'dispatched');
    release();
    await waitFor('job done', () => daemon.store.get(job.jobId)!.state === 'done', 30_000);
    const rec = daemon.store.get(job.jobId)!;
    assert.equal(rec.attempt, 1, 'never re-queued');
    assert.equal(rec.history, undefined);
    assert.deepEqual(rec.result!.metrics!.counts, [500, 500]);
    assert.deepEqual(board.builds, [job.jobId], 'built and run once');
    assert.equal(board.runs.length, 1);
    assert.equal(daemon.stats().requeues, 0);
    assert.equal(daemon.stats().ignoredResults, 0);
  } finally {
    release();
    await agent.stop();
    await daemon.stop();
  }
});
