// The broker half of the bring-your-own-firmware privilege, with the real provisioning ACL on a
// real Mosquitto: an account can publish a firmware request only under its own name, so a
// client cannot pass itself off as one the lab config allows; an allowed account's image is
// accepted, and the audit file names that account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { flash } from '../../daemon/client.ts';
import { readFirmwareAudit } from '../../daemon/firmware-uploads.ts';
import { encode, firmwareRequestTopics } from '../../wire/mqtt.ts';
import { labConfig, startDaemon, tempDir, waitFor } from '../daemon/support.ts';
import { startProvisionedMosquitto } from '../helpers/provisioned-mosquitto.ts';

test('provisioning ACL: firmware requests only under one\'s own account name; the allowed account is accepted and audited', { timeout: 60_000 }, async () => {
  const dir = tempDir('tinyrack-byo-acl-');
  // The lab's own submitter accounts read their replies (as the ACL file's comment says to add).
  const broker = await startProvisionedMosquitto(dir, (passwd) => {
    for (const [i, user] of ['daemon', 'rack-a', 'acme', 'mallory'].entries()) {
      execFileSync('mosquitto_passwd', [...(i === 0 ? ['-c'] : []), '-b', passwd, user, `pw-${user}`]);
    }
  }, 'user acme\ntopic read tinyrack/replies/#\nuser mallory\ntopic read tinyrack/replies/#\n');
  const url = broker.url;
  try {
    const cfg = labConfig(`  broker:\n    url: ${url}\n    username: daemon\n    password: pw-daemon\n  requests:\n    firmwareUploadClients: [acme]\n`);
    const daemon = await startDaemon({ config: cfg, influx: null, clientId: 'd-byo-acl' });
    const agent = new SimAgent({ brokerUrl: url, agentId: 'rack-a', username: 'rack-a', password: 'pw-rack-a', boards: [{ boardId: 'a0', kind: 'qemu-mps2-an386' }] });
    try {
      await agent.start();
      await waitFor('rack-a registered', () => daemon.registry.agent('rack-a')?.online);
      const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]), Buffer.alloc(57)]);
      const firmware = { name: 'acme-fw', elfBase64: elf.toString('base64'), sha256: createHash('sha256').update(elf).digest('hex') };
      const req = (requestId: string) => ({
        v: 1, requestId, model: { name: 'toycar' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 1,
        protocol: 'mlperf-tiny', firmware, replyTo: `tinyrack/replies/${requestId}`,
      });
      // mallory publishes as acme: the broker drops it (QoS 1 PUBACK or not, nothing is delivered).
      const m = await mqtt.connectAsync(url, { username: 'mallory', password: 'pw-mallory', reconnectPeriod: 0 });
      await m.publishAsync(firmwareRequestTopics.request('acme'), encode(req('forged')), { qos: 1 });
      await m.endAsync();
      // acme's own request, sent after: once it is handled, the forged one would have been too.
      const out = await flash(url, { model: { name: 'toycar' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 1, protocol: 'mlperf-tiny', firmware, requestId: randomUUID() },
        { timeoutMs: 15_000, username: 'acme', password: 'pw-acme', firmwareClient: 'acme' });
      assert.equal(out.rejected, undefined, out.rejected);
      assert.ok(out.jobId);
      const audit = readFirmwareAudit(cfg.dataDir);
      assert.deepEqual(audit.map((a) => [a.client, a.sha256, a.requestId === 'forged']), [['acme', firmware.sha256, false]]);
      assert.equal(daemon.store.all().filter((j) => j.request?.requestId === 'forged').length, 0);
      // mallory under its own name reaches the daemon, which refuses it: not on the lab's list.
      const own = await flash(url, { model: { name: 'toycar' }, board: { kind: 'qemu-mps2-an386' }, backend: 'aot', tiling: 'none', reps: 1, protocol: 'mlperf-tiny', firmware, requestId: randomUUID() },
        { timeoutMs: 15_000, username: 'mallory', password: 'pw-mallory', firmwareClient: 'mallory' });
      assert.match(own.rejected ?? '(accepted)', /client "mallory" may not have its own firmware flashed/);
    } finally {
      await agent.stop();
      await daemon.stop();
    }
  } finally {
    broker.stop();
  }
});
