// Agent health samples over a real Mosquitto: one on start, one at once when a board is
// quarantined or goes missing (not waiting for the timer), one every sampleIntervalS, none after
// stop, and none piled up and flushed late while the broker was down.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Enumerator } from '../../agents/discovery/enumerate.ts';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent } from '../../agents/agent.ts';
import { topics, validateAgentHealth, type AgentHealth } from '../../wire/mqtt.ts';
import { job, rackConfig, recorder, reportLines, standInSteps, type Msg, type StandInBoard } from './agent-harness.ts';

let broker: TestBroker;
before(async () => { broker = await startMosquitto(); });
after(async () => { await broker.dispose(); });

const quiet = () => {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The payload as a validated AgentHealth (fails the test with the validator's reasons). */
function sample(m: Msg): AgentHealth {
  const v = validateAgentHealth(m.payload);
  assert.ok(v.ok, JSON.stringify(v));
  return v.value;
}

test('a valid sample on start; a quarantine is sampled at once with the board\'s counters', { timeout: 60_000 }, async () => {
  // Two noise lines and one corrupt record in the good job, then a hang that quarantines the board.
  const lines = reportLines([500, 520, 510]);
  const tampered = lines[3]!.replace('count=520', 'count=999');
  const board: StandInBoard = {
    script: (spec) => (spec.jobId.startsWith('hang')
      ? { lines: reportLines([1]).slice(0, 2), hang: true }
      : { lines: ['boot noise', lines[0]!, lines[1]!, lines[2]!, tampered, '###', lines[4]!, lines[5]!, lines[6]!, lines[7]!] }),
    builds: [], runs: [],
  };
  // An hour between samples: every sample after the first one below is event-driven.
  const cfg = rackConfig(broker.url, 'h1', { quarantineAfter: 1, sampleIntervalS: 3600 });
  const agent = new Agent(cfg, { steps: standInSteps(board), log: quiet, smokeJob: (slot) => job(`hang-smoke-${Date.now()}`, { boardId: slot.boardId }) });
  const rec = await recorder(broker.url, 'rec-h1');
  const t0 = Date.now();
  await agent.start();
  try {
    const first = sample(await rec.waitFor((m) => m.topic === topics.agentHealth('h1')));
    assert.equal(first.agentId, 'h1');
    assert.ok(Date.parse(first.ts) >= t0 - 1000 && Date.parse(first.ts) <= Date.now());
    assert.ok(first.uptimeS >= 0 && first.uptimeS < 60);
    assert.ok(first.memFreeBytes > 0 && Number.isInteger(first.memFreeBytes));
    assert.ok(first.diskFreeBytes !== undefined && first.diskFreeBytes > 0, 'the work folder exists: its free space is measured');
    assert.ok(first.load1 >= 0);
    assert.deepEqual(first.boards, [{
      boardId: 'h1-qemu-mps2-an386-0', kind: 'qemu-mps2-an386', state: 'idle', consecutiveFailures: 0, quarantined: false,
      serialNoiseLines: 0, serialCorruptLines: 0,
    }]);
    const retained = rec.msgs.find((m) => m.topic === topics.agentHealth('h1'))!;
    assert.equal(retained.retain, false);

    await rec.client.publishAsync(topics.agentJobs('h1'), JSON.stringify(job('good-1')), { qos: 1 });
    const good = await rec.waitFor((m) => m.topic === topics.agentResults('h1') && m.payload.jobId === 'good-1');
    assert.equal(good.payload.ok, true);
    // busy <-> idle is routine: no sample for it (the hour-long timer has not fired either).
    await sleep(300);
    assert.equal(rec.msgs.filter((m) => m.topic === topics.agentHealth('h1')).length, 1);

    await rec.client.publishAsync(topics.agentJobs('h1'), JSON.stringify(job('hang-1')), { qos: 1 });
    const q = sample(await rec.waitFor((m) => m.topic === topics.agentHealth('h1') && (m.payload.boards as { state: string }[])[0]!.state === 'quarantined'));
    const b = q.boards[0]!;
    assert.equal(b.quarantined, true);
    assert.equal(b.consecutiveFailures, 1);
    // Summed over both jobs: the good one's 2 noise lines + 1 corrupt record, the hang's none.
    assert.equal(b.serialNoiseLines, 2);
    assert.equal(b.serialCorruptLines, 1);
    const hang = await rec.waitFor((m) => m.topic === topics.agentResults('h1') && m.payload.jobId === 'hang-1');
    assert.equal(b.lastJobAt, hang.payload.finishedAt);
  } finally {
    await agent.stop();
    await rec.close();
  }
});

test('a board that goes missing is sampled at once, and again when it is back', { timeout: 60_000 }, async () => {
  const f = JSON.parse(readFileSync('test/agents/fixtures/lab-rack-1.json', 'utf8'));
  const unplugged = JSON.parse(readFileSync('test/agents/fixtures/lab-rack-1-unplugged.json', 'utf8'));
  let now = f;
  const enumerator: Enumerator = { usbDevices: async () => now.usb, serialPorts: async () => now.serial };
  const board: StandInBoard = { script: () => ({ lines: reportLines([3]) }), builds: [], runs: [] };
  const cfg = rackConfig(broker.url, 'h2', { sampleIntervalS: 3600 });
  cfg.boards = [{ id: 'f446-b', kind: 'nucleo-f446re', serialNumber: '0670FF535155878281152432' }];
  cfg.discoveryIntervalMs = 100;
  const agent = new Agent(cfg, { steps: standInSteps(board), enumerator, log: quiet });
  const rec = await recorder(broker.url, 'rec-h2');
  await agent.start();
  const stateOf = (m: Msg) => (m.payload.boards as { boardId: string; state: string }[]).find((x) => x.boardId === 'f446-b')?.state;
  try {
    const first = await rec.waitFor((m) => m.topic === topics.agentHealth('h2'));
    assert.equal(stateOf(first), 'idle');
    now = unplugged;
    const gone = await rec.waitFor((m) => m.topic === topics.agentHealth('h2') && stateOf(m) === 'missing');
    assert.equal(sample(gone).boards.find((x) => x.boardId === 'f446-b')?.quarantined, false);
    now = f;
    const mark = rec.msgs.length;
    await rec.waitFor((m) => rec.msgs.indexOf(m) >= mark && m.topic === topics.agentHealth('h2') && stateOf(m) === 'idle');
  } finally {
    await agent.stop();
    await rec.close();
  }
});

test('samples every sampleIntervalS; none while the broker is down (dropped, not piled up), none after stop', { timeout: 60_000 }, async () => {
  const cfg = rackConfig(broker.url, 'h3', { sampleIntervalS: 1 });
  const agent = new Agent(cfg, { steps: standInSteps({ script: () => ({ lines: reportLines([1]) }), builds: [], runs: [] }), log: quiet });
  const rec = await recorder(broker.url, 'rec-h3');
  const health = () => rec.msgs.filter((m) => m.topic === topics.agentHealth('h3')).map(sample);
  await agent.start();
  try {
    await rec.waitFor(() => health().length >= 3, 10_000);
    const ts = health().map((h) => Date.parse(h.ts));
    for (let i = 1; i < ts.length; i++) assert.ok(ts[i]! - ts[i - 1]! >= 500, `samples about 1 s apart: ${ts.join(', ')}`);

    // Broker down for ~3 ticks: the ticks must neither throw nor be queued for later.
    await broker.stop();
    const downFrom = Date.now();
    await sleep(3200);
    const downTo = Date.now();
    await broker.start();
    const mark = health().length;
    await rec.waitFor(() => health().length >= mark + 2, 15_000);
    const during = health().filter((h) => Date.parse(h.ts) > downFrom + 200 && Date.parse(h.ts) < downTo - 200);
    assert.deepEqual(during, [], 'samples taken while the broker was down are dropped');
  } finally {
    await agent.stop();
  }
  const stoppedCount = health().length;
  await sleep(2500);
  assert.equal(health().length, stoppedCount, 'no samples after stop');
  await rec.close();
});
