// How the daemon reaches its broker: the lab's (an account and TLS files from the lab config or
// the environment), or the embedded one, started with the lab's accounts and ACL plus an account
// for the daemon itself whose password exists only in this process (made at each start, never
// written anywhere: nothing else can log in as the daemon).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { embeddedBrokerPasswordFile, type LabConfig } from '../config.ts';
import { loadAcl } from './acl.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.ts';

/** The account the daemon logs in with; the ACL gives this name the daemon's rights. */
export const DAEMON_ACCOUNT = 'daemon';

function readFile(path: string, what: string): Buffer {
  try { return readFileSync(path); } catch (e) { throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`); }
}

/** Username, password and TLS options for a lab broker. The environment
 * (TINYRACK_BROKER_USERNAME / TINYRACK_BROKER_PASSWORD) fills what the config leaves out, so a
 * password need not sit in the lab file. */
export function daemonCredentials(cfg: LabConfig, env: NodeJS.ProcessEnv = process.env): IClientOptions {
  const username = cfg.brokerUsername ?? env.TINYRACK_BROKER_USERNAME;
  const password = cfg.brokerPasswordFile
    ? readFile(cfg.brokerPasswordFile, 'daemon.broker.passwordFile').toString('utf8').replace(/\r?\n$/, '')
    : cfg.brokerPassword ?? env.TINYRACK_BROKER_PASSWORD;
  const o: IClientOptions = {};
  if (username) { o.username = username; if (password !== undefined) o.password = password; }
  if (cfg.brokerTls) {
    if (cfg.brokerTls.ca) o.ca = readFile(cfg.brokerTls.ca, 'daemon.broker.tls.ca');
    if (cfg.brokerTls.cert) o.cert = readFile(cfg.brokerTls.cert, 'daemon.broker.tls.cert');
    if (cfg.brokerTls.key) o.key = readFile(cfg.brokerTls.key, 'daemon.broker.tls.key');
    o.rejectUnauthorized = cfg.brokerTls.rejectUnauthorized;
  }
  return o;
}

export async function startAuthenticatedBroker(cfg: LabConfig, log: (line: string) => void): Promise<{ broker: EmbeddedBroker; credentials: IClientOptions }> {
  const password = randomBytes(24).toString('base64url');
  const broker = await startEmbeddedBroker({
    port: cfg.embeddedBrokerPort,
    auth: {
      passwordFile: embeddedBrokerPasswordFile(cfg), acl: loadAcl(cfg.embeddedBroker.aclFile),
      anonymous: cfg.embeddedBroker.anonymous, accounts: new Map([[DAEMON_ACCOUNT, password]]), log,
    },
  });
  return { broker, credentials: { username: DAEMON_ACCOUNT, password } };
}
