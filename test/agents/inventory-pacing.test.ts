// What an agent sends per job beyond its result: progress without acknowledgements (QoS 0) and
// the inventory held back while boards only turn busy and idle (wire/mqtt.ts). Before, every job
// cost two retained inventories of all the agent's boards — each also a board_state point per
// board in the daemon — and a PUBACK each way for each of its five progress messages.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent } from '../../agents/agent.ts';
import { InventoryPacer } from '../../agents/mqtt/inventory-pacer.ts';
import { INVENTORY_FLIP_DELAY_MS, onlyBusyIdleFlips, topics, type AgentInventory, type BoardInfo } from '../../wire/mqtt.ts';
import { job, rackConfig, recorder, reportLines, standInSteps, type StandInBoard } from './agent-harness.ts';

const board = (state: BoardInfo['state'], over: Partial<BoardInfo> = {}): BoardInfo => ({ boardId: 'b0', kind: 'qemu-mps2-an386', virtual: true, state, failures: 0, ...over });
const inv = (...boards: BoardInfo[]): AgentInventory => ({ v: 1, agentId: 'p1', boards, ts: new Date().toISOString() });

test('only busy/idle flips may wait; any other change of a board is news', () => {
  assert.equal(onlyBusyIdleFlips(inv(board('idle')), inv(board('busy'))), true);
  assert.equal(onlyBusyIdleFlips(inv(board('busy'), board('idle', { boardId: 'b1' })), inv(board('idle'), board('idle', { boardId: 'b1' }))), true);
  assert.equal(onlyBusyIdleFlips(inv(board('busy')), inv(board('quarantined'))), false);
  assert.equal(onlyBusyIdleFlips(inv(board('missing')), inv(board('idle'))), false);
  assert.equal(onlyBusyIdleFlips(inv(board('busy')), inv(board('idle', { failures: 1 }))), false);
  assert.equal(onlyBusyIdleFlips(inv(board('idle')), inv(board('idle'), board('idle', { boardId: 'b1' }))), false);
  assert.equal(onlyBusyIdleFlips(inv(board('idle')), inv(board('idle', { port: '/dev/ttyACM0' }))), false);
});

test('the pacer holds flips for the delay and sends the latest; news goes at once and takes the held flips with it', async () => {
  const sent: string[] = [];
  const pacer = new InventoryPacer((i) => sent.push(i.boards.map((b) => b.state).join(',')), 100);
  try {
    pacer.offer(inv(board('idle')));
    assert.deepEqual(sent, ['idle']);
    pacer.offer(inv(board('busy')));
    pacer.offer(inv(board('idle')));
    pacer.offer(inv(board('busy')));
    assert.deepEqual(sent, ['idle']);
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(sent, ['idle', 'busy']);
    pacer.offer(inv(board('idle')));
    pacer.offer(inv(board('quarantined')));
    assert.deepEqual(sent, ['idle', 'busy', 'quarantined']);
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(sent, ['idle', 'busy', 'quarantined'], 'the held flip went out with the news, not again after it');
    pacer.offer(inv(board('idle')));
    pacer.offer(inv(board('busy')));
    pacer.flush();
    assert.deepEqual(sent, ['idle', 'busy', 'quarantined', 'idle', 'busy']);
  } finally {
    pacer.stop();
  }
});

let broker: TestBroker;
before(async () => { broker = await startMosquitto(); });
after(async () => { await broker.dispose(); });

test('an agent running jobs back to back: progress at QoS 0, one inventory for the flips, the final state within the delay', { timeout: 60_000 }, async () => {
  const standIn: StandInBoard = { script: () => ({ lines: reportLines([100, 101, 102]) }), builds: [], runs: [] };
  const agent = new Agent(rackConfig(broker.url, 'p1'), { steps: standInSteps(standIn), log: () => {} });
  const rec = await recorder(broker.url, 'rec-p1');
  await agent.start();
  try {
    await rec.waitFor((m) => m.topic === topics.agentInventory('p1'));
    // The start may send its inventory twice (the link repeats it on connect): count from after it.
    await new Promise((r) => setTimeout(r, 500));
    const from = rec.msgs.length;
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      await rec.client.publishAsync(topics.agentJobs('p1'), JSON.stringify(job(`pace-${i}`)), { qos: 1 });
      await rec.waitFor((m) => m.topic === topics.agentProgress('p1') && m.payload.jobId === `pace-${i}` && m.payload.phase === 'done');
    }
    const inventories = () => rec.msgs.slice(from).filter((m) => m.topic === topics.agentInventory('p1'));
    // Six busy/idle flips: at most the one inventory a delay that ran out during the jobs sent.
    assert.ok(inventories().length <= Math.floor((Date.now() - t0) / INVENTORY_FLIP_DELAY_MS), `${inventories().length} inventories for 3 jobs`);
    const last = await rec.waitFor((m) => rec.msgs.indexOf(m) >= from && m.topic === topics.agentInventory('p1') && (m.payload.boards as BoardInfo[])[0]!.state === 'idle', INVENTORY_FLIP_DELAY_MS + 5000);
    assert.ok(inventories().length <= 2, `${inventories().length} inventories for 3 jobs`);
    const progress = rec.msgs.filter((m) => m.topic === topics.agentProgress('p1'));
    assert.equal(progress.length, 15);
    assert.deepEqual([...new Set(progress.map((m) => m.qos))], [0]);
    // Results stay QoS 1 (the durable outbox waits for the broker's PUBACK).
    assert.deepEqual([...new Set(rec.msgs.filter((m) => m.topic === topics.agentResults('p1')).map((m) => m.qos))], [1]);
  } finally {
    await agent.stop();
    await rec.close();
  }
});
