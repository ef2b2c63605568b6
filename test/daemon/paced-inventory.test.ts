// Agents hold back inventories whose only news is boards turning busy or idle (up to
// INVENTORY_FLIP_DELAY_MS, agents/mqtt/inventory-pacer.ts), so the daemon often holds a "busy"
// report for a board whose job it has just received the result of. That report is the daemon's
// own finished lease: the accepted result frees the board at once. Waiting for the next
// inventory left boards unused (bench:lab dispatch, 2 s jobs: 56 % of board time busy where it
// was 96 %). Real Mosquitto and daemon; the agent is the simulated one with its own inventories
// off and silent (the test publishes the paced "busy" inventory and the result itself, in order).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { SimAgent, simulatedMetrics } from '../../daemon/sim/sim-agent.ts';
import { runSuite } from '../../daemon/client.ts';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { arithmeticOf, encode, topics, type JobResult, type JobSpec } from '../../wire/mqtt.ts';
import { labConfig, startDaemon, waitFor } from './support.ts';

let mq: TestBroker;
before(async () => { mq = await startMosquitto({ persistence: false }); });
after(async () => { await mq?.dispose(); });

const resultOf = (spec: JobSpec, agentId: string): JobResult => ({
  v: 1, jobId: spec.jobId, agentId, boardId: spec.boardId!, boardKind: spec.boardKind, model: spec.model.name, backend: spec.backend,
  tiling: spec.tiling, arithmetic: arithmeticOf(spec), ok: true, metrics: simulatedMetrics(spec), firmwareHash: 'f'.repeat(64),
  serial: { records: 4, noiseLines: 0, corruptLines: 0 }, attempt: spec.attempt, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
  ...(spec.tags ? { tags: spec.tags } : {}),
});

test('an accepted result frees its board although the agent\'s last (held) inventory still says busy; a newer busy report still holds it', { timeout: 60_000 }, async () => {
  const daemon = await startDaemon({
    config: labConfig('suites:\n  pair:\n    models: [sine_model]\n    boards: [qemu-mps2-an386]\n    tilings: [none, fdt]\n    reps: 1\n'),
    brokerUrl: mq.url, influx: null, clientId: 'd-paced',
  });
  const sim = new SimAgent({ brokerUrl: mq.url, agentId: 'pa', boards: [{ boardId: 'pa-b0', kind: 'qemu-mps2-an386' }], silent: true });
  const forger = await mqtt.connectAsync(mq.url, { clientId: 'pa-inventory', clean: true });
  const reported = () => daemon.registry.agent('pa')?.boards[0]?.state;
  const inventory = (state: 'busy' | 'idle') => forger.publishAsync(topics.agentInventory('pa'),
    encode({ v: 1, agentId: 'pa', ts: new Date().toISOString(), boards: [{ boardId: 'pa-b0', kind: 'qemu-mps2-an386', virtual: true, state }] }), { qos: 1, retain: true });
  try {
    await sim.start();
    await waitFor('pa online with its board', () => daemon.registry.agent('pa')?.online && reported() === 'idle');
    await runSuite(mq.url, 'pair', { timeoutMs: 20_000, waitFinished: false });
    const first = await waitFor('the first job on pa-b0', () => sim.received[0]);
    // What a paced agent sends while its board runs the first job.
    await inventory('busy');
    await waitFor('the busy report applied', () => reported() === 'busy');
    assert.equal(sim.received.length, 1, 'one board: the second job waits');

    await sim.publishResult(resultOf(first, 'pa'));
    const second = await waitFor('the second job dispatched to the freed board', () => sim.received[1]);
    assert.equal(second.boardId, 'pa-b0');
    assert.equal(daemon.store.get(first.jobId)?.state, 'done');
    assert.equal(reported(), 'idle', 'the board shows idle in the daemon\'s view (board_state points) too');

    // A report newer than the result wins: the board stays busy for the daemon's next rounds.
    await sim.publishResult(resultOf(second, 'pa'));
    await waitFor('the second job done', () => daemon.store.get(second.jobId)?.state === 'done');
    await inventory('busy');
    await waitFor('the newer busy report applied', () => reported() === 'busy');
    assert.deepEqual(daemon.registry.idleBoards(daemon.store.leasedBoards()).map((b) => b.boardId), []);
  } finally {
    await forger.endAsync();
    await sim.stop();
    await daemon.stop();
  }
});
