// The provisioning files are real configs: Mosquitto runs with provisioning/mosquitto/ (only the
// listener, password file and ACL paths rewritten for the test) and enforces per-agent accounts —
// no anonymous access, an agent can speak only for itself, requests only from client accounts —
// with the real daemon on the other side. The systemd units and udev rules are checked for the
// fields that make them work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { flash } from '../../daemon/client.ts';
import { encode, topics } from '../../wire/mqtt.ts';
import { labConfig, startDaemon, tempDir, waitFor } from './support.ts';
import { startProvisionedMosquitto } from '../helpers/provisioned-mosquitto.ts';

const PROV = resolve(import.meta.dirname, '..', '..', 'provisioning');

test('mosquitto config + ACLs: per-agent accounts, agents confined to their own topics', { timeout: 60_000 }, async () => {
  const dir = tempDir('tinyrack-mosq-acl-');
  const broker = await startProvisionedMosquitto(dir, (passwd) => {
    for (const [i, user] of ['daemon', 'rack-a', 'rack-b', 'client'].entries()) {
      execFileSync('mosquitto_passwd', [...(i === 0 ? ['-c'] : []), '-b', passwd, user, `pw-${user}`]);
    }
  });
  const url = broker.url;
  try {
    assert.match(broker.conf, new RegExp(`listener ${broker.port} 127.0.0.1`), 'the listener line was found and rewritten');
    // No anonymous access.
    const anon = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
    const anonErr = await new Promise<Error>((r) => anon.once('error', r));
    anon.end(true);
    assert.match(anonErr.message, /Not authorized|Bad username or password/i);

    const daemon = await startDaemon({
      config: labConfig('  broker:\n    url: ' + url + '\n    username: daemon\n    password: pw-daemon\n'), influx: null, clientId: 'd-acl',
    });
    try {
      const a = new SimAgent({ brokerUrl: url, agentId: 'rack-a', username: 'rack-a', password: 'pw-rack-a', boards: [{ boardId: 'a0', kind: 'qemu-mps2-an386' }] });
      await a.start();
      await waitFor('rack-a registered', () => daemon.registry.agent('rack-a')?.online);
      // rack-a forges rack-b's status and a flash request, then sends one of its own messages:
      // once that arrives, the forged ones (same client, in order) would have too.
      await a.client.publishAsync(topics.agentStatus('rack-b'), encode({ v: 1, agentId: 'rack-b', state: 'online', ts: new Date().toISOString() }), { qos: 1, retain: true });
      await a.client.publishAsync(topics.requests, encode({ v: 1, requestId: 'forged', model: { name: 'nosuch' }, board: { kind: 'x' }, backend: 'aot', tiling: 'none', reps: 1, replyTo: 'tinyrack/replies/forged' }), { qos: 1 });
      a.setBoardState('a0', 'quarantined');
      await waitFor('rack-a inventory update', () => daemon.registry.board('a0')?.state === 'quarantined');
      assert.equal(daemon.registry.agent('rack-b'), undefined, 'a forged status never reached the daemon');
      assert.equal(daemon.stats().rejectedRequests, 0, 'a request from an agent account never reached the daemon');
      a.setBoardState('a0', 'idle');
      // The client account may request; the daemon answers on the reply topic.
      const out = await flash(url, { model: { name: 'toycar' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 15_000, username: 'client', password: 'pw-client' });
      assert.equal(out.result?.agentId, 'rack-a');
      await a.stop();
    } finally {
      await daemon.stop();
    }
  } finally {
    broker.stop();
  }
});

test('systemd units and udev rules carry what makes them work', () => {
  const daemonUnit = readFileSync(join(PROV, 'systemd', 'tinyrack-daemon.service'), 'utf8');
  assert.match(daemonUnit, /^ExecStart=\/usr\/bin\/node \/opt\/tinyrack\/bin\/tinyrack\.mjs daemon --config \/etc\/tinyrack\/lab\.yaml$/m);
  assert.match(daemonUnit, /^Restart=on-failure$/m);
  const agentUnit = readFileSync(join(PROV, 'systemd', 'tinyrack-agent.service'), 'utf8');
  assert.match(agentUnit, /^ExecStart=.* agent --config \/etc\/tinyrack\/rack\.yaml$/m);
  assert.match(agentUnit, /^SupplementaryGroups=plugdev dialout$/m);
  const rules = readFileSync(join(PROV, 'udev', '60-tinyrack-probes.rules'), 'utf8');
  for (const [what, vid] of [['ST-Link', '0483'], ['J-Link', '1366'], ['Espressif', '303a'], ['CP210x', '10c4'], ['FTDI', '0403'], ['CH340', '1a86'], ['PPK2', '1915']]) {
    assert.match(rules, new RegExp(`ATTRS\\{idVendor\\}=="${vid}".*GROUP="plugdev"`), `${what} (${vid}) has a rule`);
  }
  for (const line of rules.split('\n').filter((l) => l.trim() && !l.startsWith('#'))) {
    assert.match(line, /^(SUBSYSTEM|ATTRS|ENV|LABEL)/, `rule line parses: ${line}`);
  }
});
