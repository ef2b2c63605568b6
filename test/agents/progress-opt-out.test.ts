// A job spec's `progress: false` (set by the daemon where nobody waits for progress): the real agent
// sends the result and no progress phase except `failed`; a spec without the field (a daemon older
// than it) gets every phase as before; the validator takes only a boolean there. The daemon's side
// (which jobs get the field): test/daemon/progress-opt-out.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent } from '../../agents/agent.ts';
import { topics, validateJobSpec } from '../../wire/mqtt.ts';
import { job, rackConfig, recorder, reportLines, standInSteps, type StandInBoard } from './agent-harness.ts';

let broker: TestBroker;
before(async () => { broker = await startMosquitto({ persistence: false }); });
after(async () => { await broker.dispose(); });

test('the validator takes progress as a boolean or absent, nothing else', () => {
  assert.equal(validateJobSpec(Buffer.from(JSON.stringify(job('v-absent')))).ok, true);
  const off = validateJobSpec(Buffer.from(JSON.stringify(job('v-off', { progress: false }))));
  assert.ok(off.ok);
  assert.equal(off.value.progress, false);
  for (const bad of ['false', 0, null, {}]) {
    const v = validateJobSpec(Buffer.from(JSON.stringify({ ...job('v-bad'), progress: bad })));
    assert.equal(v.ok, false, `progress ${JSON.stringify(bad)} accepted`);
    assert.ok(!v.ok && v.errors.some((e) => e.includes('progress')), JSON.stringify(v));
  }
});

test('progress: false — the result goes out, no phase but failed; absent — every phase', { timeout: 60_000 }, async () => {
  const board: StandInBoard = { script: () => ({ lines: reportLines([100, 101, 102]) }), builds: [], runs: [] };
  const agent = new Agent(rackConfig(broker.url, 'po1'), { steps: standInSteps(board), log: () => {} });
  const rec = await recorder(broker.url, 'rec-po1');
  await agent.start();
  const phases = (jobId: string) => rec.msgs.filter((m) => m.topic === topics.agentProgress('po1') && m.payload.jobId === jobId).map((m) => m.payload.phase);
  const result = (jobId: string) => rec.waitFor((m) => m.topic === topics.agentResults('po1') && m.payload.jobId === jobId);
  try {
    // Quiet jobs first, then one that reports: one connection keeps order, so its `done` arriving
    // means any phase of the quiet ones would have arrived before.
    await rec.client.publishAsync(topics.agentJobs('po1'), JSON.stringify(job('po-quiet', { progress: false })), { qos: 1 });
    assert.equal((await result('po-quiet')).payload.ok, true);
    // A job that fails before a board is found (no board of that kind) while progress is off.
    await rec.client.publishAsync(topics.agentJobs('po1'), JSON.stringify(job('po-nobody', { progress: false, boardKind: 'qemu-sifive-e' })), { qos: 1 });
    assert.equal((await result('po-nobody')).payload.ok, false);
    await rec.client.publishAsync(topics.agentJobs('po1'), JSON.stringify(job('po-old')), { qos: 1 });
    assert.equal((await result('po-old')).payload.ok, true);
    await rec.waitFor((m) => m.topic === topics.agentProgress('po1') && m.payload.jobId === 'po-old' && m.payload.phase === 'done');
    assert.deepEqual(phases('po-old'), ['accepted', 'building', 'flashing', 'running', 'done']);
    assert.deepEqual(phases('po-quiet'), []);
    assert.deepEqual(phases('po-nobody'), ['failed']);
    assert.equal(rec.msgs.filter((m) => m.topic === topics.agentResults('po1')).length, 3, 'one result per job');
  } finally {
    await agent.stop();
    await rec.close();
  }
});
