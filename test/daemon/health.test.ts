// Agent health samples through the daemon, over a real Mosquitto into a real InfluxDB: the real
// agent's samples land in the registry; a sample's exact numbers become agent_health and
// board_state points with integer fields; malformed samples are counted, logged once per agent,
// and the daemon goes on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type TestBroker as TestMosquitto } from '../../tools/mosquitto.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { Agent } from '../../agents/agent.ts';
import type { Daemon } from '../../daemon/daemon.ts';
import { encode, topics, type AgentHealth } from '../../wire/mqtt.ts';
import { rackConfig, reportLines, standInSteps } from '../agents/agent-harness.ts';
import { labConfig, startDaemon, waitFor } from './support.ts';

let mq: TestMosquitto;
let influx: TestInfluxdb;
let daemon: Daemon;
let client: MqttClient;
const logLines: string[] = [];
const DB = 'health_test';

before(async () => {
  [mq, influx] = await Promise.all([startMosquitto(), startInfluxdb()]);
  daemon = await startDaemon({
    config: labConfig(''), brokerUrl: mq.url, influx: { url: influx.url, database: DB }, clientId: 'daemon-health',
    log: (l) => logLines.push(l),
  });
  client = await mqtt.connectAsync(mq.url, { clientId: 'health-publisher' });
});

after(async () => {
  await client?.endAsync();
  await daemon?.stop();
  await Promise.all([mq?.dispose(), influx?.dispose()]);
});

const rows = async (q: string): Promise<Record<string, unknown>[]> => {
  const res = await influx.query(DB, q);
  const s = res.results[0]?.series?.[0];
  return s ? s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))) : [];
};

test('the real agent\'s samples reach the registry, newest kept', { timeout: 60_000 }, async () => {
  const cfg = rackConfig(mq.url, 'hr1', { sampleIntervalS: 1 });
  const agent = new Agent(cfg, { steps: standInSteps({ script: () => ({ lines: reportLines([1]) }), builds: [], runs: [] }), log: () => {} });
  await agent.start();
  try {
    const first = await waitFor('a health sample from hr1', () => daemon.registry.agent('hr1')?.health);
    assert.deepEqual(first.boards.map((b) => [b.boardId, b.state, b.quarantined]), [['hr1-qemu-mps2-an386-0', 'idle', false]]);
    // The next tick replaces it.
    const second = await waitFor('a newer sample', () => {
      const h = daemon.registry.agent('hr1')?.health;
      return h && Date.parse(h.ts) > Date.parse(first.ts) ? h : undefined;
    });
    assert.ok(second.uptimeS >= first.uptimeS);
    assert.ok(daemon.registry.allAgents().find((a) => a.agentId === 'hr1')?.health, 'exposed beside the agents');
    const pts = await waitFor('agent_health points of hr1', async () => {
      const r = await rows(`SELECT uptime_s, mem_free_bytes FROM agent_health WHERE agent = 'hr1' AND uptime_s >= 0`);
      return r.length >= 2 ? r : undefined;
    });
    assert.ok(pts.every((p) => typeof p.mem_free_bytes === 'number' && (p.mem_free_bytes as number) > 0));
  } finally {
    await agent.stop();
  }
});

test('a sample\'s exact numbers become agent_health and board_state points with integer fields', { timeout: 60_000 }, async () => {
  const ts = new Date(Date.now() - 5000).toISOString();
  const h: AgentHealth = {
    v: 1, agentId: 'hx', ts, uptimeS: 4321, load1: 0.75, memFreeBytes: 123_456_789, diskFreeBytes: 9_876_543_210,
    boards: [
      { boardId: 'hx-0', kind: 'qemu-mps2-an386', state: 'idle', consecutiveFailures: 1, quarantined: false, lastJobAt: ts, serialNoiseLines: 7, serialCorruptLines: 2 },
      { boardId: 'hx-1', kind: 'qemu-sifive-e', state: 'quarantined', consecutiveFailures: 3, quarantined: true, serialNoiseLines: 0, serialCorruptLines: 5 },
    ],
  };
  await client.publishAsync(topics.agentHealth('hx'), encode(h), { qos: 0 });
  await waitFor('registry has hx', () => daemon.registry.agent('hx')?.health?.ts === ts);
  assert.deepEqual(daemon.registry.agent('hx')!.health, h);
  const [a] = await waitFor('agent_health point of hx', async () => {
    const r = await rows(`SELECT uptime_s, load1, mem_free_bytes, disk_free_bytes, boards, boards_quarantined FROM agent_health WHERE agent = 'hx'`);
    return r.length ? r : undefined;
  });
  assert.deepEqual(a, { time: Date.parse(ts), uptime_s: 4321, load1: 0.75, mem_free_bytes: 123_456_789, disk_free_bytes: 9_876_543_210, boards: 2, boards_quarantined: 1 });
  const b = await waitFor('board_state points of hx', async () => {
    const all = (await influx.query(DB, `SELECT failures, quarantined, serial_noise_lines, serial_corrupt_lines FROM board_state WHERE agent = 'hx' GROUP BY board, "state"`)).results[0]?.series ?? [];
    return all.length === 2 ? all : undefined;
  });
  const byBoard = Object.fromEntries(b.map((s) => [s.tags!.board, { state: s.tags!.state, row: s.values[0] }]));
  // columns: time, failures, quarantined, serial_noise_lines, serial_corrupt_lines
  assert.deepEqual(byBoard['hx-0'], { state: 'idle', row: [Date.parse(ts), 1, 0, 7, 2] });
  assert.deepEqual(byBoard['hx-1'], { state: 'quarantined', row: [Date.parse(ts), 3, 1, 0, 5] });
  const keys = async (m: string) => Object.fromEntries((await influx.query(DB, `SHOW FIELD KEYS FROM ${m}`)).results[0]!.series![0]!.values as [string, string][]);
  const ah = await keys('agent_health');
  for (const f of ['uptime_s', 'mem_free_bytes', 'disk_free_bytes', 'boards_quarantined']) assert.equal(ah[f], 'integer', f);
  assert.equal(ah.load1, 'float');
  const bs = await keys('board_state');
  for (const f of ['failures', 'serial_noise_lines', 'serial_corrupt_lines']) assert.equal(bs[f], 'integer', f);
});

test('malformed samples are refused with the field named, counted, logged once per agent; the daemon goes on', { timeout: 60_000 }, async () => {
  const before = daemon.counters.malformedHealth;
  const good: AgentHealth = { v: 1, agentId: 'hbad', ts: new Date().toISOString(), uptimeS: 1, load1: 0, memFreeBytes: 1, boards: [] };
  await client.publishAsync(topics.agentHealth('hbad'), Buffer.from('{"v":1,'), { qos: 0 });
  await client.publishAsync(topics.agentHealth('hbad'), encode({ ...good, memFreeBytes: -5 }), { qos: 0 });
  await client.publishAsync(topics.agentHealth('hbad'), encode({ ...good, agentId: 'someone-else' }), { qos: 0 });
  await waitFor('three malformed samples counted', () => daemon.counters.malformedHealth === before + 3);
  assert.equal(daemon.stats().malformedHealth, before + 3);
  const lines = logLines.filter((l) => l.includes('agents/hbad/health'));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /^ignored malformed health sample on tinyrack\/agents\/hbad\/health \(further ones from hbad are only counted\): payload is not JSON/);
  assert.equal(daemon.registry.agent('hbad')?.health, undefined, 'nothing half applied');
  // A second agent's breakage gets its own line, naming the field.
  await client.publishAsync(topics.agentHealth('hbad2'), encode({ ...good, agentId: 'hbad2', boards: [{ boardId: 'x' }] }), { qos: 0 });
  const l2 = await waitFor('log line for hbad2', () => logLines.find((l) => l.includes('agents/hbad2/health')));
  assert.match(l2, /payload\.boards\[0\]\.kind must be a non-empty string/);
  // Still running: a good sample is applied, and a new breakage after it is logged again.
  await client.publishAsync(topics.agentHealth('hbad'), encode(good), { qos: 0 });
  await waitFor('good sample applied', () => daemon.registry.agent('hbad')?.health?.ts === good.ts);
  await client.publishAsync(topics.agentHealth('hbad'), encode({ ...good, ts: 'later' }), { qos: 0 });
  await waitFor('logged again after a good one', () => logLines.filter((l) => l.includes('agents/hbad/health')).length === 2);
  assert.match(logLines.filter((l) => l.includes('agents/hbad/health'))[1]!, /payload\.ts must be an ISO 8601 time/);
});
