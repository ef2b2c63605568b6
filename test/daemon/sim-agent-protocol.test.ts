// The simulated agent (the benchmark's fleet) sends what the real agent sends: the same topics,
// payloads that pass the same validators, the same QoS, the five progress phases in the real
// agent's order with the result before `done`, busy/idle inventories held back as the agent holds
// them, and health samples. The real agent's side of the same facts: test/agents/agent-mqtt.test.ts
// (phases) and test/agents/inventory-pacing.test.ts (QoS, pacing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import {
  INVENTORY_FLIP_DELAY_MS, PROGRESS_QOS, topics, validateAgentHealth, validateInventory, validateJobProgress, validateJobResult,
  type BoardInfo, type JobSpec,
} from '../../wire/mqtt.ts';

let broker: TestBroker;
before(async () => { broker = await startMosquitto({ persistence: false }); });
after(async () => { await broker.dispose(); });

const spec = (jobId: string, boardId: string): JobSpec => ({
  v: 1, jobId, boardId, boardKind: 'qemu-mps2-an386', model: { name: 'aww' }, backend: 'aot', tiling: 'none', reps: 3, attempt: 1,
  deadline: Date.now() + 60_000, tags: { suite: 'sim' },
});

test('simulated agent: validated payloads, the real agent\'s phases and QoS, inventories held, health samples', { timeout: 30_000 }, async () => {
  const rec = await mqtt.connectAsync(broker.url, { clientId: 'rec-sim', clean: true });
  const msgs: Array<{ topic: string; payload: Buffer; qos: number }> = [];
  rec.on('message', (topic, payload, packet) => msgs.push({ topic, payload, qos: packet.qos }));
  await rec.subscribeAsync('tinyrack/#', { qos: 1 });
  const sim = new SimAgent({
    brokerUrl: broker.url, agentId: 'sp', jobMs: 0, boardStates: true, healthIntervalS: 3600, record: false,
    boards: [0, 1].map((i) => ({ boardId: `sp-b${i}`, kind: 'qemu-mps2-an386' })),
  });
  await sim.start();
  const of = (topic: string) => msgs.filter((m) => m.topic === topic);
  try {
    await waitUntil(() => of(topics.agentHealth('sp')).length === 1 && of(topics.agentInventory('sp')).length === 1);
    for (const [i, board] of [[0, 'sp-b0'], [1, 'sp-b1'], [2, 'sp-b0']] as const) {
      await rec.publishAsync(topics.agentJobs('sp'), JSON.stringify(spec(`sim-${i}`, board)), { qos: 1 });
      await waitUntil(() => of(topics.agentResults('sp')).length === i + 1 && of(topics.agentProgress('sp')).length === 5 * (i + 1));
    }
    const progress = of(topics.agentProgress('sp'));
    for (const m of progress) assert.ok(validateJobProgress(m.payload).ok, m.payload.toString());
    assert.deepEqual([...new Set(progress.map((m) => m.qos))], [PROGRESS_QOS]);
    const phases = (jobId: string) => progress.map((m) => JSON.parse(m.payload.toString()) as { jobId: string; phase: string }).filter((p) => p.jobId === jobId).map((p) => p.phase);
    assert.deepEqual(phases('sim-1'), ['accepted', 'building', 'flashing', 'running', 'done']);
    const results = of(topics.agentResults('sp'));
    for (const m of results) {
      const v = validateJobResult(m.payload);
      assert.ok(v.ok, m.payload.toString());
      assert.equal(m.qos, 1);
      assert.deepEqual(v.value.serial, { records: 7, noiseLines: 0, corruptLines: 0 });
      assert.deepEqual(v.value.tags, { suite: 'sim' });
    }
    assert.deepEqual(results.map((m) => (JSON.parse(m.payload.toString()) as { boardId: string }).boardId), ['sp-b0', 'sp-b1', 'sp-b0']);
    // The result leaves before its `done`, as from the real agent's outbox.
    const order = msgs.filter((m) => m.topic !== topics.agentInventory('sp')).map((m) => m.payload.toString());
    assert.ok(order.findIndex((p) => p.includes('"sim-0"') && p.includes('"metrics"')) < order.findIndex((p) => p.includes('"sim-0"') && p.includes('"done"')));
    assert.ok(validateAgentHealth(of(topics.agentHealth('sp'))[0]!.payload).ok);
    // Six busy/idle flips: nothing yet, then one inventory with both boards idle.
    assert.equal(of(topics.agentInventory('sp')).length, 1);
    await waitUntil(() => of(topics.agentInventory('sp')).length === 2, INVENTORY_FLIP_DELAY_MS + 5000);
    const last = validateInventory(of(topics.agentInventory('sp'))[1]!.payload);
    assert.ok(last.ok);
    assert.deepEqual(last.value.boards.map((b: BoardInfo) => b.state), ['idle', 'idle']);
  } finally {
    await sim.stop();
    await rec.endAsync();
  }
});

async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
