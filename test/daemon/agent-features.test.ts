// Agents advertise the protocol features they understand (wire AGENT_FEATURES, carried in the
// status's version as semver build metadata, docs/mqtt-contract.md "Agent features"), and the
// daemon puts a field an older agent would refuse (`progress: false`) only into the specs of an
// agent that advertised it. The old agent here is the simulated one with its list emptied: it
// refuses a spec carrying `progress` as an agent older than the field did (a `failed` phase, no
// result). Real Mosquitto, real daemon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { Registry } from '../../daemon/registry.ts';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { runSuite } from '../../daemon/client.ts';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { AGENT_FEATURES, MAX_AGENT_FEATURES, statusVersion, topics, validateAgentStatus, type AgentStatus } from '../../wire/mqtt.ts';
import { labConfig, startDaemon, waitFor } from './support.ts';

const status = (agentId: string, state: AgentStatus['state'], version?: string): AgentStatus => ({
  v: 1, agentId, state, ...(version !== undefined ? { version } : {}), ts: new Date().toISOString(),
});
const check = (version: string) => validateAgentStatus(Buffer.from(JSON.stringify(status('a', 'online', version))));

test('the advertised list is bounded and validated at the edge, with a reason', () => {
  assert.equal(check('0.1.0').ok, true);
  assert.equal(check('0.1.0+progress-opt-out').ok, true);
  // A newer agent's tokens this side does not know are valid (and ignored by the registry).
  assert.equal(check('0.1.0+progress-opt-out.some-later-thing').ok, true);
  const bad: Array<[string, RegExp]> = [
    [`0+${Array.from({ length: MAX_AGENT_FEATURES + 1 }, (_, i) => String.fromCharCode(97 + i)).join('.')}`, /advertises 17 features, more than 16/],
    [`0.1.0+${'x'.repeat(33)}`, /feature "x{33}" must match/],
    ['0.1.0+Progress-Opt-Out', /feature "Progress-Opt-Out" must match/],
    ['0.1.0+progress_opt_out', /feature "progress_opt_out" must match/],
    ['0.1.0+progress-opt-out..x', /feature "" must match/],
    ['0.1.0+progress-opt-out.progress-opt-out', /advertises a feature twice/],
    ['+progress-opt-out', /no release before '\+'/],
    [`0.1.0+${'a.'.repeat(30)}a`, /more than 64/],
  ];
  for (const [version, why] of bad) {
    const v = check(version);
    assert.equal(v.ok, false, `${version} accepted`);
    assert.ok(!v.ok && v.errors.some((e) => why.test(e)), `${version}: ${JSON.stringify(v)}`);
  }
  // What this side advertises fits an older daemon's limit on the field (64 characters).
  assert.equal(check(statusVersion('0.1.0', AGENT_FEATURES)).ok, true);
});

test('the registry keeps the known features of the latest status: re-announcements and offline forget them', () => {
  const r = new Registry();
  r.applyStatus(status('a', 'online', '0.2.0+progress-opt-out.later-thing'));
  assert.deepEqual([...r.agent('a')!.features], ['progress-opt-out'], 'unknown tokens are ignored');
  assert.equal(r.agent('a')!.version, '0.2.0', 'the release, without the features');
  assert.equal(r.hasFeature('a', 'progress-opt-out'), true);
  // Re-announced without it (downgraded in place): forgotten.
  r.applyStatus(status('a', 'online', '0.1.0'));
  assert.equal(r.hasFeature('a', 'progress-opt-out'), false);
  r.applyStatus(status('a', 'online', '0.2.0+progress-opt-out'));
  assert.equal(r.hasFeature('a', 'progress-opt-out'), true);
  // Offline (its last will carries the same version): forgotten until it announces itself again.
  r.applyStatus(status('a', 'offline', '0.2.0+progress-opt-out'));
  assert.equal(r.hasFeature('a', 'progress-opt-out'), false);
  r.applyStatus(status('a', 'online'));
  assert.equal(r.hasFeature('a', 'progress-opt-out'), false);
  assert.equal(r.hasFeature('nobody', 'progress-opt-out'), false);
});

let mq: TestBroker;
before(async () => { mq = await startMosquitto({ persistence: false }); });
after(async () => { await mq?.dispose(); });

test('an old agent gets specs without progress and finishes a suite; announced again with the feature it gets progress: false', { timeout: 60_000 }, async () => {
  const daemon = await startDaemon({
    config: labConfig('suites:\n  quick:\n    models: [sine_model]\n    boards: [qemu-mps2-an386]\n    tilings: [none, fdt]\n    reps: 3\n'),
    brokerUrl: mq.url, influx: null, clientId: 'd-features',
  });
  const rec = await mqtt.connectAsync(mq.url, { clientId: 'rec-features', clean: true });
  const specs: Array<Record<string, unknown>> = [];
  rec.on('message', (_t, p) => specs.push(JSON.parse(p.toString())));
  await rec.subscribeAsync(topics.agentJobs('oldie'), { qos: 1 });
  const boards = [{ boardId: 'oldie-b0', kind: 'qemu-mps2-an386' }];
  let sim = new SimAgent({ brokerUrl: mq.url, agentId: 'oldie', boards, jobMs: 0, features: [] });
  try {
    await sim.start();
    await waitFor('oldie online', () => daemon.registry.agent('oldie')?.online && daemon.registry.boards().length === 1);
    assert.equal(daemon.registry.hasFeature('oldie', 'progress-opt-out'), false);
    const old = await runSuite(mq.url, 'quick', { timeoutMs: 30_000, waitFinished: true });
    assert.deepEqual(old.map((r) => r.type), ['started', 'finished']);
    assert.equal((old[1] as { done: number }).done, 2, JSON.stringify(old));
    assert.equal(sim.refusedCount, 0, 'the old agent refused a spec');
    assert.equal(daemon.counters.requeues, 0);
    assert.equal(specs.length, 2);
    for (const s of specs) assert.ok(!('progress' in s), `spec ${String(s.jobId)} carries progress for an agent that did not advertise it`);
    await sim.stop();

    // The same agent id, upgraded: it now advertises the feature, and suite jobs go out quiet.
    specs.length = 0;
    sim = new SimAgent({ brokerUrl: mq.url, agentId: 'oldie', boards, jobMs: 0 });
    await sim.start();
    await waitFor('oldie advertises progress-opt-out', () => daemon.registry.agent('oldie')?.online && daemon.registry.hasFeature('oldie', 'progress-opt-out'));
    const upgraded = await runSuite(mq.url, 'quick', { timeoutMs: 30_000, waitFinished: true });
    assert.equal((upgraded[1] as { done: number }).done, 2, JSON.stringify(upgraded));
    assert.deepEqual(specs.map((s) => s.progress), [false, false]);
    await sim.stop();

    // Downgraded again: the re-announcement without the token is what counts.
    specs.length = 0;
    sim = new SimAgent({ brokerUrl: mq.url, agentId: 'oldie', boards, jobMs: 0, features: [] });
    await sim.start();
    await waitFor('oldie online without the feature', () => daemon.registry.agent('oldie')?.online && !daemon.registry.hasFeature('oldie', 'progress-opt-out'));
    const again = await runSuite(mq.url, 'quick', { timeoutMs: 30_000, waitFinished: true });
    assert.equal((again[1] as { done: number }).done, 2, JSON.stringify(again));
    assert.equal(sim.refusedCount, 0);
    assert.equal(daemon.counters.requeues, 0);
    for (const s of specs) assert.ok(!('progress' in s), `spec ${String(s.jobId)} after the downgrade`);
  } finally {
    await sim.stop().catch(() => {});
    await rec.endAsync();
    await daemon.stop();
  }
});
