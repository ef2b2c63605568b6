// Mosquitto run with the lab's shipped config and ACL (provisioning/mosquitto/), as the tests of
// the provisioning files, the broker's security and the BYO privilege need it: only the listener
// (a free loopback port), the password and ACL file paths and persistence are rewritten. The
// files live in the test's own folder, readable by all: Mosquitto started as root drops to the
// mosquitto user, which may not be able to reach the checkout (e.g. one under a 0700 folder).
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, waitForPort } from '../../daemon/util/ports.ts';

const PROV = resolve(import.meta.dirname, '..', '..', 'provisioning');

export interface ProvisionedMosquitto {
  port: number;
  url: string;
  /** The config Mosquitto was started with (the shipped one, rewritten). */
  conf: string;
  stop(): void;
}

/** `writePasswords` fills the password file at the path it is given; `aclExtra` is appended to
 * the shipped ACL (accounts a lab adds, as the ACL file's comments say). */
export async function startProvisionedMosquitto(dir: string, writePasswords: (passwdFile: string) => void, aclExtra = ''): Promise<ProvisionedMosquitto> {
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  writePasswords(passwd);
  const acl = join(dir, 'tinyrack.acl');
  copyFileSync(join(PROV, 'mosquitto', 'tinyrack.acl'), acl);
  if (aclExtra) writeFileSync(acl, `${readFileSync(acl, 'utf8')}\n${aclExtra}`);
  const conf = readFileSync(join(PROV, 'mosquitto', 'tinyrack.conf'), 'utf8')
    .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
    .replace(/^password_file .*$/m, `password_file ${passwd}`)
    .replace(/^acl_file .*$/m, `acl_file ${acl}`)
    .replace(/^persistence true$/m, 'persistence false')
    .replace(/^persistence_location .*$/m, '');
  writeFileSync(join(dir, 'mosquitto.conf'), conf);
  chmodSync(dir, 0o755);
  chmodSync(passwd, 0o644);
  chmodSync(acl, 0o644);
  const broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  const stop = () => { broker.kill('SIGTERM'); };
  try {
    await waitForPort(port, 10_000);
  } catch (err) {
    stop();
    throw err;
  }
  return { port, url: `mqtt://127.0.0.1:${port}`, conf, stop };
}
