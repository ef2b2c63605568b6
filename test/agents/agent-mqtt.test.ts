// The agent against a real Mosquitto, with stand-in build/flash steps and a scripted "board"
// whose lines go through the real serial capture, report reading and metrics.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Enumerator } from '../../agents/discovery/enumerate.ts';
import { join } from 'node:path';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent, RESTARTED_DURING_JOB } from '../../agents/agent.ts';
import { JobJournal } from '../../agents/mqtt/journal.ts';
import { Outbox } from '../../agents/mqtt/outbox.ts';
import { resultKey } from '../../agents/mqtt/link.ts';
import { validateJobResult, validateInventory, topics, type BoardInfo, type JobResult } from '../../wire/mqtt.ts';
import { job, rackConfig, recorder, reportLines, standInSteps, type StandInBoard } from './agent-harness.ts';

let broker: TestBroker;
before(async () => { broker = await startMosquitto(); });
after(async () => { await broker.dispose(); });

const quiet = () => {};
const goodBoard = (): StandInBoard => ({ script: () => ({ lines: reportLines([100, 102, 101]) }), builds: [], runs: [] });
const results = (msgs: { topic: string; payload: Record<string, unknown> }[], jobId: string) =>
  msgs.filter((m) => m.topic.endsWith('/results') && m.payload.jobId === jobId).map((m) => m.payload as unknown as JobResult);

test('a job runs once even when delivered twice; result carries the board\'s numbers; status and inventory retained', { timeout: 60_000 }, async () => {
  const board = goodBoard();
  const cfg = rackConfig(broker.url, 'a1');
  const agent = new Agent(cfg, { steps: standInSteps(board), log: quiet });
  const rec = await recorder(broker.url, 'rec-a1');
  await agent.start();
  try {
    const spec = job('j-dup');
    await rec.client.publishAsync(topics.agentJobs('a1'), JSON.stringify(spec), { qos: 1 });
    await rec.client.publishAsync(topics.agentJobs('a1'), JSON.stringify(spec), { qos: 1 });
    const r = await rec.waitFor((m) => m.topic === topics.agentResults('a1'));
    await rec.waitFor((m) => m.topic === topics.agentProgress('a1') && m.payload.phase === 'done');
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(board.builds, ['j-dup']);
    assert.equal(results(rec.msgs, 'j-dup').length, 1);
    const v = validateJobResult(r.payload);
    assert.ok(v.ok, JSON.stringify(v));
    const res = v.value;
    assert.equal(res.ok, true);
    assert.equal(res.boardId, 'a1-qemu-mps2-an386-0');
    assert.deepEqual(res.metrics?.counts, [100, 102, 101]);
    assert.equal(res.metrics?.count, 101);
    assert.equal(res.metrics?.latencyUs, 101 / 25_000_000 * 1e6);
    assert.equal(res.metrics?.stackBytes, 402);
    assert.equal(res.metrics?.outputsMatch, true);
    // Virtual board: energy is an estimate (registry: 0.238 mA/MHz, 3.3 V), flagged as such.
    assert.equal(res.metrics?.energyEstimated, true);
    assert.ok(Math.abs(res.metrics!.energyUj! - 101 * 238 * 3.3 / 1e6) < 1e-12);
    assert.deepEqual(res.serial, { records: 7, noiseLines: 0, corruptLines: 0 });
    assert.deepEqual(rec.msgs.filter((m) => m.topic === topics.agentProgress('a1')).map((m) => m.payload.phase), ['accepted', 'building', 'flashing', 'running', 'done']);
    const status = rec.msgs.find((m) => m.topic === topics.agentStatus('a1'));
    assert.equal(status?.payload.state, 'online');
    const inv = rec.msgs.filter((m) => m.topic === topics.agentInventory('a1')).at(-1)!;
    assert.ok(validateInventory(inv.payload).ok);
    const outbox = join(cfg.workDir, 'outbox');
    for (let i = 0; i < 100 && readdirSync(outbox).some((n) => n.endsWith('.json')); i++) await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(readdirSync(outbox).filter((n) => !n.startsWith('.')), []);
  } finally {
    await agent.stop();
    await rec.close();
  }
  // After a clean stop the retained status says offline.
  const late = await recorder(broker.url, 'rec-a1-late');
  const st = await late.waitFor((m) => m.topic === topics.agentStatus('a1'));
  assert.equal(st.retain, true);
  assert.equal(st.payload.state, 'offline');
  await late.close();
});

test('a re-queued job (higher attempt) runs again; a repeated attempt does not', { timeout: 60_000 }, async () => {
  const board = goodBoard();
  const cfg = rackConfig(broker.url, 'a1r');
  const agent = new Agent(cfg, { steps: standInSteps(board), log: quiet });
  const rec = await recorder(broker.url, 'rec-a1r');
  await agent.start();
  try {
    const first = job('j-requeue');
    await rec.client.publishAsync(topics.agentJobs('a1r'), JSON.stringify(first), { qos: 1 });
    await rec.waitFor((m) => m.topic === topics.agentResults('a1r') && m.payload.attempt === 1);
    const second = { ...first, attempt: 2 };
    await rec.client.publishAsync(topics.agentJobs('a1r'), JSON.stringify(second), { qos: 1 });
    await rec.client.publishAsync(topics.agentJobs('a1r'), JSON.stringify(second), { qos: 1 });
    await rec.waitFor((m) => m.topic === topics.agentResults('a1r') && m.payload.attempt === 2);
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(board.builds, ['j-requeue', 'j-requeue']);
    assert.deepEqual(results(rec.msgs, 'j-requeue').map((r) => r.attempt), [1, 2]);
  } finally {
    await agent.stop();
    await rec.close();
  }
});

test('a malformed job is refused with the reason, and the agent goes on working', { timeout: 60_000 }, async () => {
  const board = goodBoard();
  const agent = new Agent(rackConfig(broker.url, 'a2'), { steps: standInSteps(board), log: quiet });
  const rec = await recorder(broker.url, 'rec-a2');
  await agent.start();
  try {
    await rec.client.publishAsync(topics.agentJobs('a2'), '{"v":1,"jobId":"bad-1","reps":0}', { qos: 1 });
    await rec.client.publishAsync(topics.agentJobs('a2'), 'not json at all', { qos: 1 });
    await rec.client.publishAsync(topics.agentJobs('a2'), JSON.stringify(job('j-after', { boardKind: 'nucleo-f446re' })), { qos: 1 });
    await rec.client.publishAsync(topics.agentJobs('a2'), JSON.stringify(job('j-ok')), { qos: 1 });
    const bad = await rec.waitFor((m) => m.topic === topics.agentProgress('a2') && m.payload.jobId === 'bad-1');
    assert.equal(bad.payload.phase, 'failed');
    assert.match(String(bad.payload.message), /^malformed job: payload\.boardKind must be a non-empty string; .*payload\.reps must be an integer in \[1, 1000\]/);
    const notJson = await rec.waitFor((m) => m.topic === topics.agentProgress('a2') && m.payload.jobId === '(unknown)');
    assert.match(String(notJson.payload.message), /^malformed job: payload is not JSON/);
    const noBoard = await rec.waitFor((m) => m.topic === topics.agentResults('a2') && m.payload.jobId === 'j-after');
    assert.equal(noBoard.payload.ok, false);
    assert.equal(noBoard.payload.error, 'this agent has no board of kind nucleo-f446re');
    const ok = await rec.waitFor((m) => m.topic === topics.agentResults('a2') && m.payload.jobId === 'j-ok');
    assert.equal(ok.payload.ok, true);
  } finally {
    await agent.stop();
    await rec.close();
  }
});

test('a job\'s arithmetic reaches the build and the result echoes it; xnnpack with tflm is refused', { timeout: 60_000 }, async () => {
  const board = goodBoard();
  const steps = standInSteps(board);
  const built: Array<[string, string | undefined]> = [];
  const agent = new Agent(rackConfig(broker.url, 'a-arith'), {
    steps: { ...steps, build: (spec, slot, ctx) => { built.push([spec.jobId, spec.arithmetic]); return steps.build(spec, slot, ctx); } },
    log: quiet,
  });
  const rec = await recorder(broker.url, 'rec-a-arith');
  await agent.start();
  try {
    const send = (payload: object) => rec.client.publishAsync(topics.agentJobs('a-arith'), JSON.stringify(payload), { qos: 1 });
    await send(job('x-tflm', { backend: 'tflm', arithmetic: 'xnnpack' }));
    await send(job('x-xnn', { arithmetic: 'xnnpack' }));
    await send(job('x-old')); // a daemon older than the field sends none
    await send(job('x-nokind', { arithmetic: 'xnnpack', boardKind: 'nucleo-f446re' }));
    const refused = await rec.waitFor((m) => m.topic === topics.agentProgress('a-arith') && m.payload.jobId === 'x-tflm');
    assert.equal(refused.payload.phase, 'failed');
    assert.match(String(refused.payload.message), /^malformed job: payload\.arithmetic xnnpack needs backend aot/);
    const result = async (jobId: string) => {
      const m = await rec.waitFor((x) => x.topic === topics.agentResults('a-arith') && x.payload.jobId === jobId);
      const v = validateJobResult(m.payload);
      assert.ok(v.ok, JSON.stringify(v));
      return v.value;
    };
    const xnn = await result('x-xnn');
    assert.equal(xnn.ok, true, xnn.error);
    assert.equal(xnn.arithmetic, 'xnnpack');
    const old = await result('x-old');
    assert.equal(old.ok, true, old.error);
    assert.equal(old.arithmetic, 'reference', 'results always say which arithmetic was built');
    const nokind = await result('x-nokind');
    assert.equal(nokind.ok, false);
    assert.equal(nokind.arithmetic, 'xnnpack', 'a failed job echoes the arithmetic it asked for');
    assert.deepEqual(built.sort(), [['x-old', undefined], ['x-xnn', 'xnnpack']], 'the refused job was never built');
  } finally {
    await agent.stop();
    await rec.close();
  }
});

test('garbage and corrupted console lines are counted in the result, never parsed into it', { timeout: 60_000 }, async () => {
  const lines = reportLines([500, 520, 510]);
  const tampered = lines[3]!.replace('count=520', 'count=999'); // checksum now wrong
  const board: StandInBoard = {
    script: () => ({ lines: ['ets Jun  8 2016 rst:0x1', lines[0]!, lines[1]!, lines[2]!, tampered, '\u0000\u00ff###', lines[4]!, lines[5]!, lines[6]!, lines[7]!] }),
    builds: [], runs: [],
  };
  const agent = new Agent(rackConfig(broker.url, 'a3'), { steps: standInSteps(board), log: quiet });
  const rec = await recorder(broker.url, 'rec-a3');
  await agent.start();
  try {
    await rec.client.publishAsync(topics.agentJobs('a3'), JSON.stringify(job('j-noise')), { qos: 1 });
    const r = (await rec.waitFor((m) => m.topic === topics.agentResults('a3'))).payload as unknown as JobResult;
    assert.equal(r.ok, true);
    assert.deepEqual(r.serial, { records: 6, noiseLines: 2, corruptLines: 1 });
    assert.deepEqual(r.metrics?.counts, [500, 510]);
    assert.ok(!r.metrics?.counts.includes(999));
  } finally {
    await agent.stop();
    await rec.close();
  }
});

test('a firmware that hangs: the job times out, the board is marked, the next job still runs; N hangs quarantine it until a health check passes', { timeout: 60_000 }, async () => {
  let hangs = 2;
  const board: StandInBoard = {
    script: (spec) => (spec.jobId.startsWith('hang') ? { lines: reportLines([1]).slice(0, 2), hang: true } : { lines: reportLines([7, 7, 7]) }),
    builds: [], runs: [],
  };
  // The health check is a smoke job; it passes only once we say the board is fixed.
  let fixed = false;
  const cfg = rackConfig(broker.url, 'a4', { quarantineAfter: 2 });
  const steps = standInSteps(board);
  const agent = new Agent(cfg, { steps, log: quiet, smokeJob: (slot) => job(fixed ? `smoke-ok-${Date.now()}` : `hang-smoke-${Date.now()}`, { boardId: slot.boardId }) });
  const rec = await recorder(broker.url, 'rec-a4');
  await agent.start();
  try {
    await rec.client.publishAsync(topics.agentJobs('a4'), JSON.stringify(job('hang-1')), { qos: 1 });
    const r1 = await rec.waitFor((m) => m.topic === topics.agentResults('a4') && m.payload.jobId === 'hang-1');
    assert.equal(r1.payload.ok, false);
    assert.match(String(r1.payload.error), /^report not complete within 1000 ms \(2 records, 0 noise lines, 0 corrupt lines\)/);
    await rec.waitFor((m) => m.topic === topics.agentInventory('a4') && (m.payload.boards as { failures: number }[])[0]!.failures === 1);
    await rec.client.publishAsync(topics.agentJobs('a4'), JSON.stringify(job('next-1')), { qos: 1 });
    const r2 = await rec.waitFor((m) => m.topic === topics.agentResults('a4') && m.payload.jobId === 'next-1');
    assert.equal(r2.payload.ok, true);
    // A success resets the count of consecutive failures.
    await rec.waitFor((m) => m.topic === topics.agentInventory('a4') && m.payload.ts! > r2.payload.finishedAt! && (m.payload.boards as { failures: number }[])[0]!.failures === 0);
    // Two hangs in a row: quarantined.
    for (let k = 0; k < hangs; k++) {
      await rec.client.publishAsync(topics.agentJobs('a4'), JSON.stringify(job(`hang-q${k}`)), { qos: 1 });
      await rec.waitFor((m) => m.topic === topics.agentResults('a4') && m.payload.jobId === `hang-q${k}`);
    }
    await rec.waitFor((m) => m.topic === topics.agentInventory('a4') && (m.payload.boards as { state: string }[])[0]!.state === 'quarantined');
    // A job for the only (quarantined) board is refused with the reason.
    await rec.client.publishAsync(topics.agentJobs('a4'), JSON.stringify(job('while-q')), { qos: 1 });
    const rq = await rec.waitFor((m) => m.topic === topics.agentResults('a4') && m.payload.jobId === 'while-q');
    assert.equal(rq.payload.error, 'no usable board (a4-qemu-mps2-an386-0 quarantined)');
    // Health checks keep failing while the board hangs; once it is fixed the next check returns it.
    fixed = true;
    const mark = rec.msgs.length;
    await rec.waitFor((m) => rec.msgs.indexOf(m) >= mark && m.topic === topics.agentInventory('a4') && (m.payload.boards as { state: string }[])[0]!.state === 'idle', 15_000);
    await rec.client.publishAsync(topics.agentJobs('a4'), JSON.stringify(job('after-q')), { qos: 1 });
    const ra = await rec.waitFor((m) => m.topic === topics.agentResults('a4') && m.payload.jobId === 'after-q');
    assert.equal(ra.payload.ok, true);
    hangs = 0;
  } finally {
    await agent.stop();
    await rec.close();
  }
});

test('broker killed mid-job and restarted: the result waits in the outbox and arrives exactly once', { timeout: 60_000 }, async () => {
  const own = await startMosquitto();
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const board: StandInBoard = { script: () => ({ lines: reportLines([42, 43, 44]), holdUntil: gate }), builds: [], runs: [] };
  const cfg = rackConfig(own.url, 'a5');
  const agent = new Agent(cfg, { steps: standInSteps(board), log: quiet });
  const rec = await recorder(own.url, 'rec-a5');
  await agent.start();
  try {
    await rec.client.publishAsync(topics.agentJobs('a5'), JSON.stringify(job('j-outage')), { qos: 1 });
    await rec.waitFor((m) => m.topic === topics.agentProgress('a5') && m.payload.phase === 'running');
    await new Promise((r) => setTimeout(r, 1200)); // let the broker persist the recorder's session
    await own.kill();
    release();
    // The job finishes while the broker is down: its result is on disk, not lost.
    const outbox = join(cfg.workDir, 'outbox');
    const pending = () => (existsSync(outbox) ? readdirSync(outbox).filter((n) => n.endsWith('.json') && !n.startsWith('.')).length : 0);
    for (let i = 0; i < 200 && pending() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(pending(), 1);
    await new Promise((r) => setTimeout(r, 500));
    await own.start();
    const r = await rec.waitFor((m) => m.topic === topics.agentResults('a5'), 20_000);
    assert.equal(r.payload.ok, true);
    assert.deepEqual((r.payload as unknown as JobResult).metrics?.counts, [42, 43, 44]);
    for (let i = 0; i < 100 && pending() > 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(pending(), 0);
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(results(rec.msgs, 'j-outage').length, 1);
  } finally {
    release();
    await agent.stop();
    await rec.close();
    await own.dispose();
  }
});

test('a job left "running" by a crashed agent is reported failed on restart; an accepted one runs', { timeout: 60_000 }, async () => {
  const board = goodBoard();
  const cfg = rackConfig(broker.url, 'a6');
  // What the journal holds after a kill -9 during a job, and with a second job still queued.
  const journal = new JobJournal(join(cfg.workDir, 'journal'));
  journal.set('j-cut', 'accepted', { spec: job('j-cut') });
  journal.set('j-cut', 'running', { boardId: 'a6-qemu-mps2-an386-0' });
  journal.set('j-queued', 'accepted', { spec: job('j-queued') });
  // A job that finished and stored its result, killed before the journal said so: the result stands.
  journal.set('j-finished', 'running', { spec: job('j-finished'), boardId: 'a6-qemu-mps2-an386-0' });
  const stored: JobResult = { v: 1, jobId: 'j-finished', agentId: 'a6', boardId: 'a6-qemu-mps2-an386-0', boardKind: 'qemu-mps2-an386', model: 'sine_model', backend: 'aot', tiling: 'none', ok: true,
    metrics: { counter: 'instructions', count: 5, counts: [5], latencyUs: 0.2, stackBytes: 1, heapBytes: 0, arenaBytes: 1, romBytes: 1, ramBytes: 1, outputsMatch: true }, attempt: 1, startedAt: 'x', finishedAt: 'y' };
  new Outbox(join(cfg.workDir, 'outbox')).put(topics.agentResults('a6'), JSON.stringify(stored), { key: resultKey('j-finished') });
  const rec = await recorder(broker.url, 'rec-a6');
  const agent = new Agent(cfg, { steps: standInSteps(board), log: quiet });
  await agent.start();
  try {
    const cut = await rec.waitFor((m) => m.topic === topics.agentResults('a6') && m.payload.jobId === 'j-cut');
    assert.equal(cut.payload.ok, false);
    assert.equal(cut.payload.error, RESTARTED_DURING_JOB);
    assert.equal(cut.payload.metrics, undefined);
    const q = await rec.waitFor((m) => m.topic === topics.agentResults('a6') && m.payload.jobId === 'j-queued');
    assert.equal(q.payload.ok, true);
    assert.deepEqual(board.builds, ['j-queued']);
    const fin = await rec.waitFor((m) => m.topic === topics.agentResults('a6') && m.payload.jobId === 'j-finished');
    assert.deepEqual(fin.payload, stored);
    assert.equal(results(rec.msgs, 'j-finished').length, 1);
    // Redelivery of the cut job after restart does not run it.
    await rec.client.publishAsync(topics.agentJobs('a6'), JSON.stringify(job('j-cut')), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(board.builds, ['j-queued']);
  } finally {
    await agent.stop();
    await rec.close();
  }
});

test('stopping the agent fails the running job cleanly and leaves no half result', { timeout: 60_000 }, async () => {
  const gate = new Promise<void>(() => {});
  const board: StandInBoard = { script: () => ({ lines: reportLines([1]), holdUntil: gate }), builds: [], runs: [] };
  const agent = new Agent(rackConfig(broker.url, 'a7'), { steps: standInSteps(board), log: quiet });
  const rec = await recorder(broker.url, 'rec-a7');
  await agent.start();
  await rec.client.publishAsync(topics.agentJobs('a7'), JSON.stringify(job('j-stop')), { qos: 1 });
  await rec.waitFor((m) => m.topic === topics.agentProgress('a7') && m.payload.phase === 'running');
  await agent.stop('agent stopped by SIGTERM');
  const r = await rec.waitFor((m) => m.topic === topics.agentResults('a7'));
  assert.equal(r.payload.ok, false);
  assert.match(String(r.payload.error), /^agent stopped by SIGTERM/);
  const st = await rec.waitFor((m) => m.topic === topics.agentStatus('a7') && m.payload.state === 'offline');
  assert.equal(st.payload.agentId, 'a7');
  await rec.close();
});

test('hot-plug: a board unplugged mid-job fails that job cleanly, shows missing, and serves again when re-plugged', { timeout: 60_000 }, async () => {
  const f = JSON.parse(readFileSync('test/agents/fixtures/lab-rack-1.json', 'utf8'));
  const unplugged = JSON.parse(readFileSync('test/agents/fixtures/lab-rack-1-unplugged.json', 'utf8'));
  let now = f;
  const enumerator: Enumerator = { usbDevices: async () => now.usb, serialPorts: async () => now.serial };
  const gate = new Promise<void>(() => {});
  const board: StandInBoard = { script: (spec) => (spec.jobId === 'j-unplug' ? { lines: reportLines([1]), holdUntil: gate } : { lines: reportLines([3, 3, 3]) }), builds: [], runs: [] };
  const cfg = rackConfig(broker.url, 'a8');
  cfg.boards = [{ id: 'f446-b', kind: 'nucleo-f446re', serialNumber: '0670FF535155878281152432' }];
  cfg.discoveryIntervalMs = 100;
  const agent = new Agent(cfg, { steps: standInSteps(board), enumerator, log: quiet });
  const rec = await recorder(broker.url, 'rec-a8');
  await agent.start();
  const stateOf = (m: { payload: Record<string, unknown> }) => (m.payload.boards as BoardInfo[]).find((b) => b.boardId === 'f446-b');
  try {
    const first = await rec.waitFor((m) => m.topic === topics.agentInventory('a8'));
    assert.deepEqual(stateOf(first), { boardId: 'f446-b', kind: 'nucleo-f446re', virtual: false, state: 'idle', port: '/dev/ttyACM1', serialNumber: '0670FF535155878281152432', failures: 0 });
    await rec.client.publishAsync(topics.agentJobs('a8'), JSON.stringify(job('j-unplug', { boardId: 'f446-b', boardKind: 'nucleo-f446re' })), { qos: 1 });
    await rec.waitFor((m) => m.topic === topics.agentProgress('a8') && m.payload.phase === 'running');
    now = unplugged;
    const r = await rec.waitFor((m) => m.topic === topics.agentResults('a8') && m.payload.jobId === 'j-unplug');
    assert.equal(r.payload.ok, false);
    assert.match(String(r.payload.error), /^board f446-b was disconnected/);
    await rec.waitFor((m) => m.topic === topics.agentInventory('a8') && stateOf(m)?.state === 'missing');
    now = f;
    const mark = rec.msgs.length;
    const back = await rec.waitFor((m) => rec.msgs.indexOf(m) >= mark && m.topic === topics.agentInventory('a8') && stateOf(m)?.state === 'idle');
    // Being unplugged is not the board's failure.
    assert.equal(stateOf(back)?.failures, 0);
    await rec.client.publishAsync(topics.agentJobs('a8'), JSON.stringify(job('j-replugged', { boardId: 'f446-b', boardKind: 'nucleo-f446re' })), { qos: 1 });
    const r2 = await rec.waitFor((m) => m.topic === topics.agentResults('a8') && m.payload.jobId === 'j-replugged');
    assert.equal(r2.payload.ok, true);
  } finally {
    await agent.stop();
    await rec.close();
  }
});

test('boards run jobs in parallel, one job per board at a time; the rest wait their turn', { timeout: 60_000 }, async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const board: StandInBoard = { script: () => ({ lines: reportLines([9, 9, 9]), holdUntil: gate }), builds: [], runs: [] };
  const cfg = rackConfig(broker.url, 'a9');
  cfg.virtual = [{ kind: 'qemu-mps2-an386', count: 2 }];
  const agent = new Agent(cfg, { steps: standInSteps(board), log: quiet });
  const rec = await recorder(broker.url, 'rec-a9');
  await agent.start();
  try {
    for (const id of ['p1', 'p2', 'p3']) await rec.client.publishAsync(topics.agentJobs('a9'), JSON.stringify(job(id)), { qos: 1 });
    const running = (id: string) => rec.waitFor((m) => m.topic === topics.agentProgress('a9') && m.payload.jobId === id && m.payload.phase === 'running');
    const [r1, r2] = await Promise.all([running('p1'), running('p2')]);
    assert.notEqual(r1.payload.boardId, r2.payload.boardId);
    await new Promise((r) => setTimeout(r, 300));
    // Both boards busy: the third job is accepted and waits.
    assert.deepEqual(rec.msgs.filter((m) => m.topic === topics.agentProgress('a9') && m.payload.jobId === 'p3').map((m) => m.payload.phase), ['accepted']);
    release();
    for (const id of ['p1', 'p2', 'p3']) {
      const r = await rec.waitFor((m) => m.topic === topics.agentResults('a9') && m.payload.jobId === id);
      assert.equal(r.payload.ok, true);
    }
  } finally {
    release();
    await agent.stop();
    await rec.close();
  }
});
