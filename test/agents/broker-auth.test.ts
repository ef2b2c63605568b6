// The agent's broker options for real: username + password file, and TLS with a lab CA.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent } from '../../agents/agent.ts';
import { parseRackConfig } from '../../agents/config/rack-config.ts';
import { standInSteps } from './agent-harness.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('tinyrack-auth-');
const brokers: TestBroker[] = [];
after(async () => { for (const b of brokers) await b.dispose(); });

const rack = (url: string, broker: string[]) => parseRackConfig([
  'agentId: sec1', 'broker:', `  url: ${url}`, ...broker.map((l) => `  ${l}`), `workDir: ${mkdtempSync(join(dir, 'w-'))}`,
  'virtual:', '  - kind: qemu-mps2-an386',
].join('\n'), join(dir, 'rack.yaml'));

const steps = standInSteps({ script: () => ({ lines: [] }), builds: [], runs: [] });

test('username and password file: the right password connects, a wrong one fails the start clearly', { timeout: 60_000 }, async () => {
  const passwd = join(dir, 'passwd');
  execaSync('mosquitto_passwd', ['-b', '-c', passwd, 'rack1', 's3cret']);
  const b = await startMosquitto({ anonymous: false, extraConfig: [`password_file ${passwd}`] });
  brokers.push(b);
  writeFileSync(join(dir, 'good.pass'), 's3cret\n');
  writeFileSync(join(dir, 'bad.pass'), 'nope\n');
  const ok = new Agent(rack(b.url, ['username: rack1', `passwordFile: ${join(dir, 'good.pass')}`]), { steps, log: () => {} });
  await ok.start();
  assert.equal(ok.link.connected, true);
  await ok.stop();
  const bad = new Agent(rack(b.url, ['username: rack1', `passwordFile: ${join(dir, 'bad.pass')}`]), { steps, log: () => {} });
  await assert.rejects(bad.start(), /^Error: cannot connect to broker mqtt:\/\/127\.0\.0\.1:\d+: .*Not authorized/);
  const missing = new Agent(rack(b.url, ['username: rack1', `passwordFile: ${join(dir, 'none.pass')}`]), { steps, log: () => {} });
  await assert.rejects(missing.start(), /cannot read broker\.passwordFile .*none\.pass/);
});

test('TLS with the lab CA connects; without the CA the certificate is refused', { timeout: 60_000 }, async () => {
  const ssl = (args: string[]) => execaSync('openssl', args, { cwd: dir });
  ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tinyrack test CA']);
  ssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'san.ext']);
  const b = await startMosquitto({ extraConfig: [`cafile ${join(dir, 'ca.pem')}`, `certfile ${join(dir, 'srv.pem')}`, `keyfile ${join(dir, 'srv.key')}`] });
  brokers.push(b);
  const url = `mqtts://127.0.0.1:${b.port}`;
  const ok = new Agent(rack(url, ['tls:', `  ca: ${join(dir, 'ca.pem')}`]), { steps, log: () => {} });
  await ok.start();
  assert.equal(ok.link.connected, true);
  await ok.stop();
  const noCa = new Agent(rack(url, []), { steps, log: () => {} });
  await assert.rejects(noCa.start(), /^Error: cannot connect to broker mqtts:\/\/127\.0\.0\.1:\d+: .*(certificate|self.signed)/i);
});
