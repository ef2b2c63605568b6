// Authentication and authorization by default, on both brokers the lab can use: the embedded
// aedes broker (accounts from a Mosquitto password file, the shipped ACL) and a real Mosquitto
// running the shipped config and ACL. The same scenario runs against each: no anonymous client,
// no wrong password, no reading another requester's replies, no agent speaking for another agent
// or its boards, no client publishing jobs or daemon status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { clientCredentials, flash } from '../../daemon/client.ts';
import { startMosquitto } from '../../tools/mosquitto.ts';
import { parsePasswordFile, setPassword, verifyPassword } from '../../daemon/broker/passwd.ts';
import { parseAcl } from '../../daemon/broker/acl.ts';
import { SHIPPED_ACL } from '../../daemon/config.ts';
import type { Daemon } from '../../daemon/daemon.ts';
import { encode, topics } from '../../wire/mqtt.ts';
import { labConfig, startDaemon, tempDir, waitFor } from './support.ts';
import { startProvisionedMosquitto } from '../helpers/provisioned-mosquitto.ts';

const ACCOUNTS = ['daemon', 'rack-a', 'rack-b', 'alice', 'bob'];
const pw = (u: string) => `pw-${u}-7f3a`;

test('password files: mosquitto_passwd hashes verify here, ours are PBKDF2-SHA512 ($7$) and never clear text', () => {
  const dir = tempDir('tinyrack-passwd-');
  const file = join(dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-c', '-b', file, 'alice', 's3cret']);
  setPassword(file, 'bob', 'hunter2');
  const users = parsePasswordFile(readFileSync(file, 'utf8'));
  assert.equal(verifyPassword('s3cret', users.get('alice')!), true, 'a mosquitto_passwd hash');
  assert.equal(verifyPassword('s3cre', users.get('alice')!), false);
  assert.match(users.get('bob')!, /^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
  assert.equal(verifyPassword('hunter2', users.get('bob')!), true);
  assert.doesNotMatch(readFileSync(file, 'utf8'), /hunter2|s3cret/);
  assert.throws(() => parsePasswordFile('carol:plain\n', 'f'), /^PasswordFileError: f:1: not a "user:\$7\$\.\.\." line/);
});

test('the shipped ACL: each account only under its own name; only the daemon writes jobs, replies and its status', () => {
  const acl = parseAcl(readFileSync(SHIPPED_ACL, 'utf8'));
  const can = (u: string | undefined, t: string, a: 'read' | 'write') => acl.allows(u, `c-${u}`, t, a);
  assert.equal(can('rack-a', 'tinyrack/agents/rack-a/results', 'write'), true);
  assert.equal(can('rack-a', 'tinyrack/agents/rack-b/results', 'write'), false);
  assert.equal(can('rack-a', 'tinyrack/agents/rack-a/jobs', 'write'), false);
  assert.equal(can('rack-a', 'tinyrack/agents/rack-a/jobs', 'read'), true);
  assert.equal(can('alice', 'tinyrack/requests/alice', 'write'), true);
  assert.equal(can('alice', 'tinyrack/requests/bob', 'write'), false);
  assert.equal(can('alice', 'tinyrack/requests', 'write'), false, 'the old shared topic carries no identity');
  assert.equal(can('alice', 'tinyrack/replies/alice/r1', 'read'), true);
  assert.equal(can('alice', 'tinyrack/replies/bob/r1', 'read'), false);
  assert.equal(can('alice', 'tinyrack/replies/#', 'read'), false, 'a subscription filter is checked literally');
  assert.equal(can('alice', 'tinyrack/daemon/status', 'write'), false);
  assert.equal(can('daemon', 'tinyrack/agents/rack-a/jobs', 'write'), true);
  assert.equal(can('daemon', 'tinyrack/replies/bob/r1', 'write'), true);
  assert.equal(can(undefined, 'tinyrack/requests/x', 'write'), false, 'anonymous: no requester');
  assert.equal(can(undefined, 'tinyrack/agents/x/status', 'write'), false, 'anonymous: no agent');
  assert.equal(can('a/b', 'tinyrack/agents/a/b/status', 'write'), false, 'a name with "/" matches no pattern');
});

interface Lab { url: string; daemon: Daemon; stop(): Promise<void> }

async function connectAs(url: string, user?: string, password?: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...(user ? { username: user, password } : {}) });
  await new Promise<void>((res, rej) => { c.once('connect', () => res()); c.once('error', (e) => { c.end(true); rej(e); }); });
  return c;
}

/** Publishes and waits until the broker has dealt with it: a PUBACK (Mosquitto drops a refused
 * message and acknowledges it) or the connection closed (aedes disconnects the publisher). */
async function forge(c: MqttClient, topic: string, payload: object, retain = false): Promise<void> {
  await Promise.race([c.publishAsync(topic, encode(payload), { qos: 1, retain }).catch(() => {}), new Promise<void>((r) => c.once('close', () => r()))]);
}

async function scenario(lab: Lab): Promise<void> {
  const { url, daemon } = lab;
  // 1. No anonymous client; no account with another's password.
  await assert.rejects(connectAs(url), /Not authorized|Bad username or password/i);
  await assert.rejects(connectAs(url, 'alice', pw('bob')), /Bad username or password|Not authorized/i);
  await assert.rejects(connectAs(url, 'mallory', 'x'), /Bad username or password|Not authorized/i);

  const a = new SimAgent({ brokerUrl: url, agentId: 'rack-a', username: 'rack-a', password: pw('rack-a'), boards: [{ boardId: 'a0', kind: 'qemu-mps2-an386' }], jobMs: 5 });
  await a.start();
  try {
    await waitFor('rack-a registered', () => daemon.registry.board('a0')?.agentOnline);
    // 2. rack-b forges rack-a's status, a result on rack-a's topic, and its own inventory with
    //    rack-a's board; alice publishes a job to rack-a and a daemon status.
    const b = await connectAs(url, 'rack-b', pw('rack-b'));
    await forge(b, topics.agentStatus('rack-a'), { v: 1, agentId: 'rack-a', state: 'offline', ts: new Date().toISOString() }, true);
    const b2 = await connectAs(url, 'rack-b', pw('rack-b'));
    await forge(b2, topics.agentInventory('rack-b'), { v: 1, agentId: 'rack-b', ts: new Date().toISOString(), boards: [{ boardId: 'a0', kind: 'qemu-mps2-an386', virtual: true, state: 'idle' }] }, true);
    await waitFor('rack-b inventory seen', () => daemon.registry.agent('rack-b'));
    const alice = await connectAs(url, 'alice', pw('alice'));
    const spec = { v: 1, jobId: 'forged-job', boardKind: 'qemu-mps2-an386', model: { name: 'aww' }, backend: 'aot', tiling: 'none', reps: 1, attempt: 1, deadline: Date.now() + 60_000 };
    await forge(alice, topics.agentJobs('rack-a'), spec);
    const alice2 = await connectAs(url, 'alice', pw('alice'));
    await forge(alice2, topics.daemonStatus, { v: 1, state: 'offline', ts: new Date().toISOString() }, true);

    // 3. bob's request runs on rack-a while alice listens to every reply topic she can ask for.
    const alice3 = await connectAs(url, 'alice', pw('alice'));
    const overheard: string[] = [];
    alice3.on('message', (t) => overheard.push(t));
    await alice3.subscribeAsync(['tinyrack/replies/#', 'tinyrack/replies/bob/#'], { qos: 1 }).catch(() => {});
    const out = await flash(url, { model: { name: 'aww' }, board: { id: 'a0' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000, username: 'bob', password: pw('bob') });
    assert.equal(out.result?.agentId, 'rack-a', 'bob gets his result');
    assert.equal(daemon.registry.agent('rack-a')?.online, true, 'the forged "offline" never reached the daemon');
    assert.deepEqual(daemon.registry.agent('rack-b')?.boards, [], 'rack-b did not get rack-a\'s board');
    assert.deepEqual(a.received.map((s) => s.jobId), [out.jobId], 'the agent got only the daemon\'s job');
    assert.deepEqual(overheard, [], 'alice read none of bob\'s replies');
    // 4. A result forged by rack-b on its own topic for rack-a's job counts for nothing.
    const before = daemon.stats().ignoredResults;
    const forged = { ...out.result!, agentId: 'rack-b', jobId: out.jobId!, metrics: { ...out.result!.metrics!, count: 1 } };
    const b3 = await connectAs(url, 'rack-b', pw('rack-b'));
    await forge(b3, topics.agentResults('rack-b'), forged);
    await waitFor('forged result ignored', () => daemon.stats().ignoredResults === before + 1);
    assert.equal(daemon.store.get(out.jobId!)!.result!.metrics!.count, out.result!.metrics!.count);
    for (const c of [b, b2, b3, alice, alice2, alice3]) c.end(true);
  } finally {
    await a.stop();
  }
}

test('embedded broker: accounts and the shipped ACL by default', { timeout: 60_000 }, async () => {
  const dir = tempDir('tinyrack-embedded-auth-');
  const passwd = join(dir, 'broker.passwd');
  for (const u of ACCOUNTS.slice(1)) setPassword(passwd, u, pw(u));
  const daemon = await startDaemon({ config: labConfig(`  embeddedBrokerPort: 0\n  embeddedBroker:\n    passwordFile: ${passwd}\n`, join(dir, 'data')), influx: null, clientId: 'd-embedded-auth' });
  try {
    await scenario({ url: daemon.brokerUrl, daemon, stop: async () => {} });
  } finally {
    await daemon.stop();
  }
});

test('Mosquitto with the shipped config and ACL, accounts hashed by tinyrack', { timeout: 60_000 }, async () => {
  const dir = tempDir('tinyrack-mosq-auth-');
  const broker = await startProvisionedMosquitto(dir, (passwd) => { for (const u of ACCOUNTS) setPassword(passwd, u, pw(u)); });
  const url = broker.url;
  try {
    const daemon = await startDaemon({ config: labConfig(`  broker:\n    url: ${url}\n    username: daemon\n    password: ${pw('daemon')}\n`), influx: null, clientId: 'd-mosq-auth' });
    try {
      await scenario({ url, daemon, stop: async () => {} });
    } finally {
      await daemon.stop();
    }
  } finally {
    broker.stop();
  }
});

test('TLS to a lab broker is a config line: the daemon (daemon.broker.tls.ca) and a client (--ca) over mqtts://', { timeout: 60_000 }, async () => {
  const dir = tempDir('tinyrack-tls-');
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tinyrack test CA']);
  ssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'san.ext']);
  const b = await startMosquitto({ persistence: false, extraConfig: [`cafile ${join(dir, 'ca.pem')}`, `certfile ${join(dir, 'srv.pem')}`, `keyfile ${join(dir, 'srv.key')}`] });
  const url = `mqtts://127.0.0.1:${b.port}`;
  try {
    const daemon = await startDaemon({ config: labConfig(`  broker:\n    url: ${url}\n    tls:\n      ca: ${join(dir, 'ca.pem')}\n`), influx: null, clientId: 'd-tls' });
    try {
      const out = await flash(url, { model: { name: 'nosuch' }, board: { kind: 'x' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 15_000, ...clientCredentials({ ca: join(dir, 'ca.pem') }, {}) });
      assert.match(out.rejected ?? '', /^unknown model "nosuch"/, 'the daemon answered over TLS');
      await assert.rejects(flash(url, { model: { name: 'nosuch' }, board: { kind: 'x' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 15_000 }), /certificate|self.signed/i);
    } finally {
      await daemon.stop();
    }
  } finally {
    await b.dispose();
  }
});
