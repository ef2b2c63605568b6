// Progress only where someone waits for it: the daemon passes an agent's progress on to a flash
// request's requester and to nobody else, so a job without a requester (a suite's) goes out with
// `progress: false` and the real agent sends its result alone; a flash request's job carries no
// such field and its requester hears every phase. Real Mosquitto, real daemon, real agent (with
// stand-in build and board steps: test/agents/agent-harness.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent } from '../../agents/agent.ts';
import { flash, runSuite } from '../../daemon/client.ts';
import { topics } from '../../wire/mqtt.ts';
import { rackConfig, recorder, reportLines, standInSteps } from '../agents/agent-harness.ts';
import { labConfig, startDaemon, waitFor } from './support.ts';

let mq: TestBroker;
before(async () => { mq = await startMosquitto({ persistence: false }); });
after(async () => { await mq?.dispose(); });

test('a suite job\'s agent sends its result and no progress; a flash request\'s requester gets every phase', { timeout: 60_000 }, async () => {
  const daemon = await startDaemon({
    config: labConfig('suites:\n  quick:\n    models: [sine_model]\n    boards: [qemu-mps2-an386]\n    tilings: [none, fdt]\n    reps: 3\n'),
    brokerUrl: mq.url, influx: null, clientId: 'd-progress',
  });
  const agent = new Agent(rackConfig(mq.url, 'pq'), {
    steps: standInSteps({ script: () => ({ lines: reportLines([100, 101, 102]) }), builds: [], runs: [] }), log: () => {},
  });
  const rec = await recorder(mq.url, 'rec-pq');
  await agent.start();
  const of = (topic: string) => rec.msgs.filter((m) => m.topic === topic);
  try {
    await waitFor('pq online', () => daemon.registry.agent('pq')?.online && daemon.registry.boards().length === 1);
    const suite = await runSuite(mq.url, 'quick', { timeoutMs: 30_000, waitFinished: true });
    assert.deepEqual(suite.map((r) => r.type), ['started', 'finished']);
    const suiteJobs = (suite[1] as { jobIds: string[]; done: number }).jobIds;
    assert.equal((suite[1] as { done: number }).done, 2);
    for (const id of suiteJobs) {
      assert.equal(of(topics.agentJobs('pq')).find((m) => m.payload.jobId === id)?.payload.progress, false, `spec of ${id}`);
      assert.equal(of(topics.agentResults('pq')).filter((m) => m.payload.jobId === id).length, 1, `result of ${id}`);
    }

    const replies: string[] = [];
    const out = await flash(mq.url, { model: { name: 'sine_model' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 3 },
      { timeoutMs: 30_000, onReply: (r) => { if (r.type === 'progress') replies.push(r.phase); } });
    assert.equal(out.result?.ok, true, JSON.stringify(out));
    assert.ok(!('progress' in of(topics.agentJobs('pq')).find((m) => m.payload.jobId === out.jobId)!.payload), 'a requester\'s job leaves progress on');
    // The phases before the result came back to the requester (the client stops at the result;
    // `done` follows it on the wire).
    assert.deepEqual(replies, ['accepted', 'building', 'flashing', 'running']);
    await rec.waitFor((m) => m.topic === topics.agentProgress('pq') && m.payload.jobId === out.jobId && m.payload.phase === 'done');
    // One connection keeps the agent's order: the request's `done` arrived, so a suite job's phase would have.
    assert.deepEqual(of(topics.agentProgress('pq')).map((m) => m.payload.jobId).filter((id) => suiteJobs.includes(id as string)), []);
  } finally {
    await agent.stop();
    await rec.close();
    await daemon.stop();
  }
});
