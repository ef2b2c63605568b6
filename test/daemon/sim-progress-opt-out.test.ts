// The simulated agent (the benchmark's fleet) honours a job spec's `progress: false` as the real
// agent does (test/agents/progress-opt-out.test.ts): the result alone, `failed` still sent; a
// spec without the field gets every phase.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { SimAgent, simulatedMetrics } from '../../daemon/sim/sim-agent.ts';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { topics, type JobSpec } from '../../wire/mqtt.ts';
import { waitFor } from './support.ts';

let broker: TestBroker;
before(async () => { broker = await startMosquitto({ persistence: false }); });
after(async () => { await broker.dispose(); });

const spec = (jobId: string, over: Partial<JobSpec> = {}): JobSpec => ({
  v: 1, jobId, boardId: 'spo-b0', boardKind: 'qemu-mps2-an386', model: { name: 'aww' }, backend: 'aot', tiling: 'none', reps: 1, attempt: 1,
  deadline: Date.now() + 60_000, ...over,
});

test('simulated agent: progress false sends the result alone (and failed); absent sends every phase', { timeout: 30_000 }, async () => {
  const rec = await mqtt.connectAsync(broker.url, { clientId: 'rec-spo', clean: true });
  const msgs: Array<{ topic: string; p: { jobId: string; phase?: string } }> = [];
  rec.on('message', (topic, payload) => msgs.push({ topic, p: JSON.parse(payload.toString()) }));
  await rec.subscribeAsync('tinyrack/agents/spo/+', { qos: 1 });
  const sim = new SimAgent({
    brokerUrl: broker.url, agentId: 'spo', jobMs: 0, boards: [{ boardId: 'spo-b0', kind: 'qemu-mps2-an386' }],
    outcome: (s) => (s.jobId === 'q-fail' ? { ok: false, error: 'simulated failure' } : { ok: true, metrics: simulatedMetrics(s) }),
  });
  await sim.start();
  const phases = (jobId: string) => msgs.filter((m) => m.topic === topics.agentProgress('spo') && m.p.jobId === jobId).map((m) => m.p.phase);
  try {
    for (const s of [spec('q-ok', { progress: false }), spec('q-fail', { progress: false }), spec('loud')]) {
      await rec.publishAsync(topics.agentJobs('spo'), JSON.stringify(s), { qos: 1 });
    }
    await waitFor('the loud job done', () => phases('loud').includes('done'), 10_000);
    assert.deepEqual(phases('loud'), ['accepted', 'building', 'flashing', 'running', 'done']);
    assert.deepEqual(phases('q-ok'), []);
    assert.deepEqual(phases('q-fail'), ['failed']);
    assert.deepEqual(msgs.filter((m) => m.topic === topics.agentResults('spo')).map((m) => m.p.jobId), ['q-ok', 'q-fail', 'loud']);
  } finally {
    await sim.stop();
    await rec.endAsync();
  }
});
