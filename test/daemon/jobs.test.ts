// The durable job store and the dispatcher: the journal survives reopening (and a torn last
// line), results are accepted once per job and only from the current attempt, and over a real
// broker a job whose agent dies or misses its deadline is re-queued, never lost, never run
// twice to completion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../../daemon/jobs/journal.ts';
import { JobStore } from '../../daemon/jobs/job-store.ts';
import { openLabDb } from '../../daemon/jobs/lab-db.ts';
import { migrateJsonl } from '../../daemon/jobs/migrate-jsonl.ts';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { flash } from '../../daemon/client.ts';
import type { JobResult } from '../../wire/mqtt.ts';
import { startMosquitto, type TestBroker as TestMosquitto } from '../../tools/mosquitto.ts';
import { labConfig, startDaemon, tempDir, waitFor } from './support.ts';

function resultFor(jobId: string, agentId: string, attempt: number, ok = true, boardId = 'b0', boardKind = 'qemu-mps2-an386'): JobResult {
  return {
    v: 1, jobId, agentId, boardId, boardKind, model: 'aww', backend: 'aot', tiling: 'none', ok,
    ...(ok ? { metrics: { counter: 'instructions', count: 10, counts: [10], latencyUs: 1, stackBytes: 1, heapBytes: 0, arenaBytes: 1, romBytes: 1, ramBytes: 1, outputsMatch: true } } : { error: 'boom' }),
    attempt, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
  };
}

test('journal: state survives reopening, a torn last line is dropped, compaction keeps the latest', () => {
  const path = join(tempDir(), 'j.jsonl');
  const j = new Journal<{ id: string; n: number }>(path, (r) => r.id, { minLinesBeforeCompact: 5, compactRatio: 2 });
  for (let i = 0; i < 20; i++) j.put({ id: `k${i % 3}`, n: i });
  j.close();
  assert.ok(readFileSync(path, 'utf8').trim().split('\n').length < 20, 'compacted');
  appendFileSync(path, '{"id":"k9","n":');
  const again = new Journal<{ id: string; n: number }>(path, (r) => r.id);
  assert.equal(again.skippedLines, 1);
  assert.deepEqual(again.all().sort((a, b) => a.id.localeCompare(b.id)), [{ id: 'k0', n: 18 }, { id: 'k1', n: 19 }, { id: 'k2', n: 17 }]);
  again.put({ id: 'k3', n: 1 });
  again.close();
  const third = new Journal<{ id: string; n: number }>(path, (r) => r.id);
  assert.equal(third.skippedLines, 0, 'the torn tail was rewritten away');
  assert.equal(third.size, 4);
  third.close();
});

test('job store: results count once, only for the current attempt from the holding agent', () => {
  const path = join(tempDir(), 'lab.db');
  const s = new JobStore(path, { maxAttempts: 2 });
  const job = s.enqueue({ model: { name: 'aww' }, boardKind: 'qemu-mps2-an386', backend: 'aot', tiling: 'none', reps: 1 });
  assert.equal(s.complete(resultFor(job.jobId, 'a', 1)).accepted, false, 'not dispatched yet');
  const spec1 = s.dispatch(job.jobId, 'a', 'b0');
  assert.equal(spec1.attempt, 1);
  assert.equal(s.requeue(job.jobId, 'deadline').state, 'queued');
  const spec2 = s.dispatch(job.jobId, 'b', 'b1');
  assert.equal(spec2.attempt, 2);
  assert.deepEqual(s.complete(resultFor(job.jobId, 'a', 1)), { accepted: false, reason: 'stale-attempt', job: s.get(job.jobId) });
  assert.equal((s.complete(resultFor(job.jobId, 'a', 2, true, 'b1')) as { reason: string }).reason, 'wrong-agent');
  assert.equal(s.complete(resultFor(job.jobId, 'b', 2, true, 'b1')).accepted, true);
  assert.equal((s.complete(resultFor(job.jobId, 'b', 2, true, 'b1')) as { reason: string }).reason, 'already-finished');
  assert.equal((s.complete(resultFor('nope', 'b', 1)) as { reason: string }).reason, 'unknown-job');
  s.close();
  const reopened = new JobStore(path);
  assert.equal(reopened.get(job.jobId)!.state, 'done');
  assert.equal(reopened.get(job.jobId)!.result!.agentId, 'b');
  // Attempts run out: the job fails with the history of why.
  const j2 = reopened.enqueue({ model: { name: 'aww' }, boardKind: 'k', backend: 'aot', tiling: 'none', reps: 1, maxAttempts: 2 });
  reopened.dispatch(j2.jobId, 'a', 'b0'); reopened.requeue(j2.jobId, 'agent offline');
  reopened.dispatch(j2.jobId, 'a', 'b0');
  const failed = reopened.requeue(j2.jobId, 'deadline passed');
  assert.equal(failed.state, 'failed');
  assert.match(failed.error!, /gave up after 2 attempts: deadline passed/);
  assert.equal(failed.history!.length, 2);
  reopened.close();
});

test('job store: the arithmetic goes out in the spec; a result built in another arithmetic fails the job', () => {
  const path = join(tempDir(), 'lab.db');
  const s = new JobStore(path);
  const xnn = s.enqueue({ model: { name: 'aww' }, boardKind: 'qemu-mps2-an386', backend: 'aot', tiling: 'none', arithmetic: 'xnnpack', reps: 1 });
  const dflt = s.enqueue({ model: { name: 'aww' }, boardKind: 'qemu-mps2-an386', backend: 'aot', tiling: 'none', reps: 1 });
  assert.equal(s.dispatch(xnn.jobId, 'a', 'b0').arithmetic, 'xnnpack');
  assert.equal(s.dispatch(dflt.jobId, 'a', 'b1').arithmetic, 'reference', 'no arithmetic asked = reference, said explicitly');
  // An agent older than the field ignores it, builds reference and says nothing about it.
  const verdict = s.complete(resultFor(xnn.jobId, 'a', 1));
  assert.ok(verdict.accepted);
  assert.equal(verdict.job.state, 'failed');
  assert.equal(verdict.job.error, 'agent a built arithmetic reference, the job asked for xnnpack (an agent older than the arithmetic field?)');
  assert.equal(verdict.job.result!.ok, false);
  assert.equal(verdict.job.result!.metrics!.count, 10, 'the measurement is kept for the record');
  assert.equal(s.complete({ ...resultFor(dflt.jobId, 'a', 1, true, 'b1'), arithmetic: 'reference' }).job!.state, 'done');
  s.close();
  // A job journaled before the field existed is dispatched as reference and accepts a result without it.
  const oldDir = tempDir();
  const t = Date.now();
  writeFileSync(join(oldDir, 'jobs.jsonl'), `${JSON.stringify({ jobId: 'old-1', seq: 1, state: 'queued', model: { name: 'aww' }, boardKind: 'k', backend: 'aot', tiling: 'none', reps: 1, attempt: 0, maxAttempts: 3, attemptTimeoutMs: 60_000, createdAt: t, updatedAt: t })}\n`);
  const lab = openLabDb(join(oldDir, 'lab.db'));
  migrateJsonl(lab, oldDir);
  const reopened = new JobStore(lab);
  assert.equal(reopened.dispatch('old-1', 'a', 'b0').arithmetic, 'reference');
  assert.equal(reopened.complete(resultFor('old-1', 'a', 1, true, 'b0', 'k')).job!.state, 'done');
  lab.close();
});

let mq: TestMosquitto;
before(async () => { mq = await startMosquitto(); });
after(async () => { await mq?.dispose(); });

test('a job whose agent dies is re-queued to another agent and completed once', async () => {
  const daemon = await startDaemon({ config: labConfig(''), brokerUrl: mq.url, influx: null, clientId: 'd-crash' });
  const a = new SimAgent({ brokerUrl: mq.url, agentId: 'crashy', boards: [{ boardId: 'c0', kind: 'kind-x' }], silent: true });
  await a.start();
  await waitFor('crashy online', () => daemon.registry.agent('crashy')?.online);
  const job = daemon.enqueue({ model: { name: 'aww' }, boardKind: 'kind-x', backend: 'aot', tiling: 'none', reps: 1 });
  await waitFor('job reached crashy', () => a.received.length === 1);
  const b = new SimAgent({ brokerUrl: mq.url, agentId: 'steady', boards: [{ boardId: 's0', kind: 'kind-x' }] });
  await b.start();
  a.crash(); // the broker publishes crashy's last will
  await waitFor('job done', () => daemon.store.get(job.jobId)!.state === 'done');
  const rec = daemon.store.get(job.jobId)!;
  assert.equal(rec.result!.agentId, 'steady');
  assert.equal(rec.attempt, 2);
  assert.match(rec.history![0]!, /agent crashy went offline/);
  assert.equal(b.received[0]!.attempt, 2);
  await b.stop();
  await daemon.stop();
});

test('a missed deadline re-queues; the stale attempt\'s late result and duplicates are ignored', async () => {
  const daemon = await startDaemon({ config: labConfig('  jobs:\n    attemptTimeoutSec: 1\n    maxAttempts: 3\n'), brokerUrl: mq.url, influx: null, clientId: 'd-deadline' });
  const slow = new SimAgent({ brokerUrl: mq.url, agentId: 'slow', boards: [{ boardId: 'sl0', kind: 'kind-y' }], silent: true });
  await slow.start();
  await waitFor('slow online', () => daemon.registry.agent('slow')?.online);
  const job = daemon.enqueue({ model: { name: 'vww' }, boardKind: 'kind-y', backend: 'aot', tiling: 'fdt', reps: 1 });
  await waitFor('first attempt out', () => slow.received.length === 1);
  const fast = new SimAgent({ brokerUrl: mq.url, agentId: 'fast', boards: [{ boardId: 'f0', kind: 'kind-y' }], duplicateResults: true });
  await fast.start();
  await waitFor('second attempt done', () => daemon.store.get(job.jobId)!.state === 'done', 10_000);
  const ignoredBefore = daemon.stats().ignoredResults;
  // The slow agent finally answers its (stale) attempt 1.
  await slow.publishResult({ ...resultFor(job.jobId, 'slow', 1), boardId: 'sl0', boardKind: 'kind-y', model: 'vww', tiling: 'fdt' });
  await waitFor('stale result ignored', () => daemon.stats().ignoredResults >= ignoredBefore + 1);
  await waitFor('duplicate ignored too', () => daemon.stats().ignoredResults >= 2);
  const rec = daemon.store.get(job.jobId)!;
  assert.equal(rec.result!.agentId, 'fast');
  assert.equal(rec.result!.attempt, 2);
  assert.match(rec.history![0]!, /deadline passed/);
  await slow.stop(); await fast.stop(); await daemon.stop();
});

test('attempts run out: the job fails and the requester is told why', async () => {
  const daemon = await startDaemon({ config: labConfig('  jobs:\n    attemptTimeoutSec: 1\n    maxAttempts: 2\nboardKinds: [kind-z]\n'), brokerUrl: mq.url, influx: null, clientId: 'd-giveup' });
  const hung = new SimAgent({ brokerUrl: mq.url, agentId: 'hung', boards: [{ boardId: 'h0', kind: 'kind-z' }], silent: true });
  await hung.start();
  await waitFor('hung online', () => daemon.registry.agent('hung')?.online);
  const out = await flash(mq.url, { model: { name: 'aww' }, board: { kind: 'kind-z' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 15_000 });
  assert.match(out.failed!, /gave up after 2 attempts: deadline passed/);
  assert.equal(hung.received.length, 2);
  assert.deepEqual(hung.received.map((s) => s.attempt), [1, 2]);
  await hung.stop(); await daemon.stop();
});

test('one job per board at a time; quarantined boards get none', async () => {
  const daemon = await startDaemon({ config: labConfig(''), brokerUrl: mq.url, influx: null, clientId: 'd-lease' });
  let running = 0; let maxRunning = 0;
  const agent = new SimAgent({
    brokerUrl: mq.url, agentId: 'one', boards: [{ boardId: 'o0', kind: 'kind-w' }, { boardId: 'o1', kind: 'kind-w', state: 'quarantined' }],
    jobMs: () => { running++; maxRunning = Math.max(maxRunning, running); setTimeout(() => running--, 40); return 40; },
  });
  await agent.start();
  await waitFor('one online', () => daemon.registry.agent('one')?.online);
  const jobs = ['aww', 'vww', 'toycar', 'resnet'].map((m) => daemon.enqueue({ model: { name: m }, boardKind: 'kind-w', backend: 'aot', tiling: 'none', reps: 1 }));
  await waitFor('all done', () => jobs.every((j) => daemon.store.get(j.jobId)!.state === 'done'));
  assert.equal(maxRunning, 1);
  assert.ok(agent.received.every((s) => s.boardId === 'o0'), 'nothing went to the quarantined board');
  assert.deepEqual(agent.received.map((s) => s.model.name), ['aww', 'vww', 'toycar', 'resnet'], 'oldest first');
  await agent.stop(); await daemon.stop();
});

test('a job the agent lost by restarting gets another attempt instead of failing', async () => {
  const daemon = await startDaemon({ config: labConfig(''), brokerUrl: mq.url, influx: null, clientId: 'd-restarted' });
  let calls = 0;
  const agent = new SimAgent({
    brokerUrl: mq.url, agentId: 'flaky', boards: [{ boardId: 'fl0', kind: 'kind-v' }],
    outcome: (spec) => (++calls === 1 ? { ok: false, error: 'agent restarted during job' } : { ok: true, metrics: { counter: 'instructions', count: 5, counts: [5], latencyUs: 1, stackBytes: 1, heapBytes: 0, arenaBytes: 1, romBytes: 1, ramBytes: 1, outputsMatch: spec.reps > 0 } }),
  });
  await agent.start();
  await waitFor('flaky online', () => daemon.registry.agent('flaky')?.online);
  const job = daemon.enqueue({ model: { name: 'aww' }, boardKind: 'kind-v', backend: 'aot', tiling: 'none', reps: 1 });
  await waitFor('done on the second attempt', () => daemon.store.get(job.jobId)!.state === 'done');
  assert.equal(daemon.store.get(job.jobId)!.attempt, 2);
  assert.match(daemon.store.get(job.jobId)!.history![0]!, /agent restarted during job/);
  await agent.stop(); await daemon.stop();
});
