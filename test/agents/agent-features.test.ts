// The real agent advertises the protocol features it understands in its retained status (the
// version's build metadata: docs/mqtt-contract.md "Agent features") — in a field an older daemon
// already accepts, so upgrading agents first still works — and the daemon reads them: an agent
// advertising nothing (the token list emptied, standing in for an agent older than `progress`) is
// sent suite jobs without the field and finishes them; the same agent advertising it gets
// `progress: false`. Real Mosquitto, real daemon, real agent with stand-in build and board steps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent, AGENT_VERSION } from '../../agents/agent.ts';
import { runSuite } from '../../daemon/client.ts';
import { obj, str, id, isoTime, oneOf, validator, version } from '../../wire/checks.ts';
import { topics } from '../../wire/mqtt.ts';
import { rackConfig, recorder, reportLines, standInSteps } from './agent-harness.ts';
import { labConfig, startDaemon, waitFor } from '../daemon/support.ts';

let mq: TestBroker;
before(async () => { mq = await startMosquitto({ persistence: false }); });
after(async () => { await mq?.dispose(); });

/** The status check of every daemon before agent features (wire/mqtt.ts at cb9041f): strict about
 * fields, version free text of at most 64 characters. */
const olderDaemonCheck = validator(obj({
  v: version, agentId: id(), state: oneOf(['online', 'offline']), version: str(true, 64), startedAt: isoTime(true), ts: isoTime(),
}), ['ts']);

test('real agent: advertising nothing, suite jobs come without progress and finish; advertising, they come with progress: false', { timeout: 90_000 }, async () => {
  const daemon = await startDaemon({
    config: labConfig('suites:\n  quick:\n    models: [sine_model]\n    boards: [qemu-mps2-an386]\n    tilings: [none, fdt]\n    reps: 3\n'),
    brokerUrl: mq.url, influx: null, clientId: 'd-agent-features',
  });
  const rec = await recorder(mq.url, 'rec-af');
  const steps = () => standInSteps({ script: () => ({ lines: reportLines([100, 101, 102]) }), builds: [], runs: [] });
  const cfg = rackConfig(mq.url, 'af');
  const specsOf = (ids: string[]) => ids.map((jobId) => rec.msgs.find((m) => m.topic === topics.agentJobs('af') && m.payload.jobId === jobId)!.payload);
  const resultsOf = (ids: string[]) => rec.msgs.filter((m) => m.topic === topics.agentResults('af') && ids.includes(m.payload.jobId as string));
  const lastStatus = () => [...rec.msgs].reverse().find((m) => m.topic === topics.agentStatus('af'))!.payload;
  let agent = new Agent(cfg, { steps: steps(), log: () => {}, features: [] });
  try {
    await agent.start();
    await waitFor('af online', () => daemon.registry.agent('af')?.online && daemon.registry.boards().length === 1);
    assert.equal(lastStatus().version, AGENT_VERSION, 'nothing advertised: the plain release');
    const old = await runSuite(mq.url, 'quick', { timeoutMs: 30_000, waitFinished: true });
    const oldIds = (old[1] as { jobIds: string[]; done: number }).jobIds;
    assert.equal((old[1] as { done: number }).done, 2, JSON.stringify(old));
    for (const s of specsOf(oldIds)) assert.ok(!('progress' in s), `spec ${String(s.jobId)} carries progress`);
    assert.deepEqual(resultsOf(oldIds).map((m) => m.payload.ok), [true, true]);
    assert.equal(daemon.counters.requeues, 0);
    await agent.stop();

    // Upgraded: the same agent advertising what it understands (the default).
    agent = new Agent(cfg, { steps: steps(), log: () => {} });
    await agent.start();
    await waitFor('af advertises progress-opt-out', () => daemon.registry.agent('af')?.online && daemon.registry.hasFeature('af', 'progress-opt-out'));
    const status = lastStatus();
    assert.equal(status.version, `${AGENT_VERSION}+progress-opt-out`);
    // An older daemon takes this status as it is: no new field, the version within its limit.
    const byOlder = olderDaemonCheck(JSON.stringify(status));
    assert.ok(byOlder.ok, JSON.stringify(byOlder));
    assert.equal(daemon.registry.agent('af')!.version, AGENT_VERSION);
    const quiet = await runSuite(mq.url, 'quick', { timeoutMs: 30_000, waitFinished: true });
    const quietIds = (quiet[1] as { jobIds: string[] }).jobIds;
    assert.equal((quiet[1] as { done: number }).done, 2, JSON.stringify(quiet));
    assert.deepEqual(specsOf(quietIds).map((s) => s.progress), [false, false]);
    assert.equal(daemon.counters.requeues, 0);
  } finally {
    await agent.stop();
    await rec.close();
    await daemon.stop();
  }
});
