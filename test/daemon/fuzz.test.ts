// Fuzz: 10,000 seeded random and mutated payloads at every topic the daemon and an agent
// subscribe to, through a real Mosquitto, while well-formed flash requests run through the real
// daemon and the real agent (stand-in job steps, so no QEMU). Both must stay up and connected,
// every well-formed request must end with its result, and memory must stay bounded. The seed is
// fixed: a failure reproduces with the same payloads (FUZZ_SEED overrides it to explore).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent } from '../../agents/agent.ts';
import { flash } from '../../daemon/client.ts';
import type { Daemon } from '../../daemon/daemon.ts';
import { topics, suiteTopics } from '../../wire/mqtt.ts';
import { rackConfig, reportLines, standInSteps } from '../agents/agent-harness.ts';
import { labConfig, startDaemon, waitFor } from './support.ts';
import { prng } from '../helpers/prng.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 12);
const PAYLOADS = 10_000;
const GOOD_REQUESTS = 8;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;


let mq: TestBroker;
let daemon: Daemon;
let agent: Agent;
const daemonLog: string[] = [];

before(async () => {
  mq = await startMosquitto({ persistence: false });
  daemon = await startDaemon({
    // The fuzzing requester is rate-limited like anyone; the good one stays within its burst.
    config: labConfig('  requests:\n    maxUploadBytes: 4096\n'), brokerUrl: mq.url, influx: null, clientId: 'daemon-fuzz',
    log: (l) => { if (daemonLog.length < 1000) daemonLog.push(l); },
  });
  const board = { script: () => ({ lines: reportLines([100, 101, 102]) }), builds: [] as string[], runs: [] as string[] };
  agent = new Agent(rackConfig(mq.url, 'fz-rack'), { steps: standInSteps(board), log: () => {} });
  await agent.start();
  await waitFor('agent online', () => daemon.registry.agent('fz-rack')?.online && daemon.registry.boards().length > 0);
});

after(async () => {
  await agent?.stop();
  await daemon?.stop();
  await mq?.dispose();
});

/** Valid payloads of every kind, as the mutator's starting points. */
function seeds(now: number): Record<string, object> {
  const ts = new Date(now).toISOString();
  // The ghost agent's board is of a kind no good request asks for: a well-formed ghost would
  // otherwise be a real agent to the daemon (on a broker without accounts) and take jobs it never runs.
  const board = { boardId: 'fz-b0', kind: 'fz-ghost-kind', virtual: true, state: 'idle' };
  return {
    status: { v: 1, agentId: 'fz-ghost', state: 'online', version: '1', ts },
    inventory: { v: 1, agentId: 'fz-ghost', ts, boards: [board] },
    progress: { v: 1, jobId: 'j-1', agentId: 'fz-rack', phase: 'running', ts },
    results: {
      v: 1, jobId: 'j-1', agentId: 'fz-rack', boardId: 'fz-b0', boardKind: 'qemu-mps2-an386', model: 'aww', backend: 'aot', tiling: 'none',
      ok: true, attempt: 1, startedAt: ts, finishedAt: ts,
      metrics: { counter: 'instructions', count: 5, counts: [5], latencyUs: 1, stackBytes: 1, heapBytes: 0, arenaBytes: 1, romBytes: 1, ramBytes: 1, outputsMatch: true },
    },
    health: { v: 1, agentId: 'fz-rack', ts, uptimeS: 1, load1: 0.5, memFreeBytes: 1, boards: [{ boardId: 'fz-b0', kind: 'qemu-mps2-an386', state: 'idle', consecutiveFailures: 0, quarantined: false, serialNoiseLines: 0, serialCorruptLines: 0 }] },
    request: { v: 1, requestId: 'fz-r', model: { name: 'nosuch' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 1, replyTo: 'tinyrack/replies/fuzzer/fz-r' },
    suite: { v: 1, requestId: 'fz-s', suite: 'nosuch', replyTo: 'tinyrack/replies/fuzzer/fz-s' },
    job: { v: 1, jobId: 'fz-job', boardKind: 'qemu-mps2-an386', model: { name: 'sine_model' }, backend: 'aot', tiling: 'none', reps: 1, attempt: 1, deadline: now + 60_000 },
  };
}

// Every topic the daemon or the agent subscribes to, with the seed that fits it. The real agent's
// status and inventory are left to the real agent: a well-formed "offline" there would be a true
// statement to the daemon (forging is the ACL's business, tested in broker-security).
const TARGETS: Array<[string, string]> = [
  [topics.agentStatus('fz-ghost'), 'status'], [topics.agentInventory('fz-ghost'), 'inventory'],
  [topics.agentProgress('fz-rack'), 'progress'], [topics.agentResults('fz-rack'), 'results'], [topics.agentHealth('fz-rack'), 'health'],
  [topics.agentResults('fz-ghost'), 'results'], [topics.requests, 'request'], [topics.requestsOf('fuzzer'), 'request'],
  [suiteTopics.run, 'suite'], [suiteTopics.runOf('fuzzer'), 'suite'], [topics.agentJobs('fz-rack'), 'job'],
];

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * 10);
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor((r() - 0.5) * 2 ** (1 + r() * 60));
    case 3: return [NaN, Infinity, -0, 1e308, 2 ** 53 + 1][Math.floor(r() * 5)];
    case 4: return 'x'.repeat(Math.floor(r() * 400));
    case 5: return ['', '\u0000', 'a\u0000b', '../../etc/passwd', 'tinyrack/agents/fz-rack/jobs', '#', '+', '\ud800', 'é', '\n'][Math.floor(r() * 10)];
    case 6: return depth < 4 ? Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1)) : [];
    case 7: return depth < 4 ? { a: randomValue(r, depth + 1), v: 1 } : {};
    case 8: return 'y'.repeat(Math.floor(r() * 70_000));
    default: return String(Math.floor(r() * 1e9));
  }
}

function mutate(r: () => number, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return randomValue(r);
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = Object.keys(copy);
  const op = Math.floor(r() * 5);
  const key = keys[Math.floor(r() * keys.length)]!;
  if (op === 0) delete copy[key];
  else if (op === 1) copy[key] = randomValue(r);
  else if (op === 2) copy[`extra${Math.floor(r() * 3)}`] = randomValue(r);
  else if (op === 3 && typeof copy[key] === 'object') copy[key] = mutate(r, copy[key]);
  else copy[key] = randomValue(r);
  return copy;
}

/** One payload: raw garbage, a broken encoding, a deep or huge one, or a mutated valid one. */
function payload(r: () => number, seed: object): Buffer {
  const k = r();
  if (k < 0.05) return Buffer.from(Array.from({ length: Math.floor(r() * 512) }, () => Math.floor(r() * 256)));
  if (k < 0.08) { const b = Buffer.from(JSON.stringify(seed)); b[Math.floor(r() * b.length)] = 0xff; return b; }
  if (k < 0.10) { const d = 1000 + Math.floor(r() * 200_000); return Buffer.from('['.repeat(d) + ']'.repeat(d)); }
  if (k < 0.105) return Buffer.from(JSON.stringify({ ...seed, pad: 'z'.repeat(300_000 + Math.floor(r() * 2_000_000)) }));
  if (k < 0.12) return Buffer.from(JSON.stringify(seed).slice(0, Math.floor(r() * 40)));
  if (k < 0.14) return Buffer.from(JSON.stringify(randomValue(r)) ?? 'null');
  let v: unknown = seed;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) v = mutate(r, v);
  return Buffer.from(JSON.stringify(v) ?? '');
}

test(`fuzz: ${PAYLOADS} seeded payloads (seed ${SEED}) at every subscribed topic; the lab stays up and serves well-formed requests`, { timeout: 300_000 }, async (t) => {
  const r = prng(SEED);
  const fuzzer: MqttClient = await mqtt.connectAsync(mq.url, { protocolVersion: 4, clientId: 'fuzzer', reconnectPeriod: 0 });
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const good: Array<Promise<Awaited<ReturnType<typeof flash>>>> = [];
  const all = seeds(Date.now());
  let inFlight: Array<Promise<unknown>> = [];
  for (let i = 0; i < PAYLOADS; i++) {
    const [topic, kind] = TARGETS[Math.floor(r() * TARGETS.length)]!;
    inFlight.push(fuzzer.publishAsync(topic, payload(r, all[kind]!), { qos: r() < 0.5 ? 1 : 0 }));
    if (inFlight.length >= 200) { await Promise.all(inFlight); inFlight = []; }
    if (i % Math.floor(PAYLOADS / GOOD_REQUESTS) === 0 && good.length < GOOD_REQUESTS) {
      good.push(flash(mq.url, { model: { name: 'sine_model' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 3 }, { timeoutMs: 120_000, username: 'good' }));
    }
  }
  await Promise.all(inFlight);
  const outcomes = await Promise.all(good);
  assert.equal(outcomes.length, GOOD_REQUESTS);
  for (const o of outcomes) {
    assert.equal(o.rejected, undefined, o.rejected);
    assert.equal(o.result?.ok, true, JSON.stringify(o.result));
    assert.deepEqual(o.result?.metrics?.counts, [100, 101, 102], 'the agent\'s exact counts');
  }
  // Still up, still connected, and a request after the storm is served too.
  assert.equal(agent.link.connected, true, 'the agent is connected');
  const last = await flash(mq.url, { model: { name: 'sine_model' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 3 }, { timeoutMs: 60_000, username: 'good' });
  assert.equal(last.result?.ok, true);
  assert.equal(daemonLog.filter((l) => /reconnected|error handling/.test(l)).length, 0, daemonLog.filter((l) => /reconnected|error handling/.test(l)).slice(0, 3).join('\n'));
  gc();
  const grown = process.memoryUsage().heapUsed - heapBefore;
  // The daemon, agent, broker clients and the test itself share this heap: what remains after a
  // collection is what they kept. Bounded: no payload is kept (the largest alone is > 300 KB).
  const st = daemon.stats();
  t.diagnostic(`heap growth ${(grown / 1048576).toFixed(1)} MiB; daemon: ${st.rejectedRequests} requests rejected, ${st.ignoredResults} results ignored, ${st.malformedHealth} health samples malformed, ${st.clockReplaced} times replaced`);
  assert.ok(grown < 48 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
  await fuzzer.endAsync();
});

test('a 300-character job id is refused by the agent with one answer; nothing reaches its journal or outbox, and it keeps working', async () => {
  const watcher = await mqtt.connectAsync(mq.url, { protocolVersion: 4, reconnectPeriod: 0 });
  try {
    const seen: Array<{ jobId: string; phase: string; message?: string }> = [];
    watcher.on('message', (_t, p) => seen.push(JSON.parse(p.toString())));
    await watcher.subscribeAsync(topics.agentProgress('fz-rack'), { qos: 1 });
    const long = 'j'.repeat(300);
    const spec = { v: 1, jobId: long, boardKind: 'qemu-mps2-an386', model: { name: 'sine_model' }, backend: 'aot', tiling: 'none', reps: 1, attempt: 1, deadline: Date.now() + 60_000 };
    await watcher.publishAsync(topics.agentJobs('fz-rack'), JSON.stringify(spec), { qos: 1 });
    await waitFor('the refusal', () => seen.find((s) => s.phase === 'failed' && /payload\.jobId must be an id/.test(s.message ?? '')));
    const refusal = seen.find((s) => s.phase === 'failed')!;
    assert.equal(refusal.jobId, '(unknown)', 'the unsafe id is not echoed');
    assert.equal(agent.journal.get(long), undefined);
    assert.equal(agent.outbox.list().some((e) => e.id.includes(long)), false);
    const out = await flash(mq.url, { model: { name: 'sine_model' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 3 }, { timeoutMs: 60_000, username: 'good2' });
    assert.equal(out.result?.ok, true);
  } finally {
    await watcher.endAsync();
  }
});
