// The agent's connection to the lab broker: a persistent session (jobs published while the agent
// is away wait for it), a retained status with an "offline" last will, a retained inventory,
// job delivery, progress, and results that go through the durable outbox.
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { BrokerConfig } from '../config/rack-config.ts';
import { brokerPassword } from '../config/rack-config.ts';
import { encode, topics, PROGRESS_QOS, type AgentHealth, type AgentInventory, type AgentStatus, type JobProgress, type JobResult } from '../../wire/mqtt.ts';
import { Outbox, type OutboxEntry } from './outbox.ts';

/** Outbox key of a job's result: one pending result per job. */
export const resultKey = (jobId: string): string => `result-${jobId}`;

export interface LinkOptions {
  agentId: string;
  broker: BrokerConfig;
  outbox: Outbox;
  version?: string;
  /** Called for every message on the jobs topic, before it is acknowledged to the broker. */
  onJob: (payload: Buffer) => void;
  log?: (msg: string) => void;
}

export function clientOptions(agentId: string, broker: BrokerConfig, startedAt: string, version?: string): IClientOptions {
  const offline: AgentStatus = { v: 1, agentId, state: 'offline', version, startedAt, ts: startedAt };
  const o: IClientOptions = {
    clientId: `tinyrack-agent-${agentId}`,
    // A persistent session: the broker queues QoS 1 jobs while the agent is down.
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: 30,
    // The rack file first; the environment (TINYRACK_BROKER_USERNAME / TINYRACK_BROKER_PASSWORD,
    // e.g. from a systemd credential) for what it leaves out. The account must be named like the
    // agent: the broker ACL lets an account publish only under tinyrack/agents/<its name>/.
    username: broker.username ?? process.env.TINYRACK_BROKER_USERNAME,
    password: brokerPassword(broker) ?? process.env.TINYRACK_BROKER_PASSWORD,
    will: { topic: topics.agentStatus(agentId), payload: encode(offline), qos: 1, retain: true },
  };
  if (broker.tls) {
    const read = (p: string | undefined, what: string) => {
      if (!p) return undefined;
      try { return readFileSync(p); } catch (e) { throw new Error(`cannot read broker.tls.${what} ${p}: ${(e as Error).message}`); }
    };
    o.ca = read(broker.tls.ca, 'ca');
    o.cert = read(broker.tls.cert, 'cert');
    o.key = read(broker.tls.key, 'key');
    o.rejectUnauthorized = broker.tls.rejectUnauthorized;
  }
  return o;
}

export class AgentLink {
  private client: MqttClient | undefined;
  private readonly startedAt = new Date().toISOString();
  /** Outbox entries handed to the client and not yet acknowledged (the client resends those itself). */
  private inFlight = new Set<string>();
  private inventory: AgentInventory | undefined;
  private log: (msg: string) => void;

  constructor(private opts: LinkOptions) {
    this.log = opts.log ?? (() => {});
  }

  get connected(): boolean { return this.client?.connected ?? false; }

  /** Connects (waiting for the first connection) and keeps reconnecting after outages. */
  async connect(): Promise<void> {
    const { agentId } = this.opts;
    const client = mqtt.connect(this.opts.broker.url, clientOptions(agentId, this.opts.broker, this.startedAt, this.opts.version));
    this.client = client;
    client.on('message', (topic, payload) => {
      if (topic === topics.agentJobs(agentId)) this.opts.onJob(payload);
    });
    client.on('error', (e) => this.log(`mqtt: ${e.message}`));
    client.on('offline', () => this.log('mqtt: broker unreachable, reconnecting'));
    client.on('connect', (ack) => {
      this.log(`mqtt: connected to ${this.opts.broker.url}${ack.sessionPresent ? ' (session resumed)' : ''}`);
      void this.onConnected(ack.sessionPresent);
    });
    await new Promise<void>((resolve, reject) => {
      const ok = () => { client.off('error', bad); resolve(); };
      const bad = (e: Error) => {
        // Authentication and TLS errors will not fix themselves: fail the start.
        if (/Not authorized|Bad username|certificate|self.signed/i.test(e.message)) {
          client.off('connect', ok);
          client.end(true);
          reject(new Error(`cannot connect to broker ${this.opts.broker.url}: ${e.message}`));
        }
      };
      client.once('connect', ok);
      client.on('error', bad);
    });
  }

  private async onConnected(sessionPresent: boolean): Promise<void> {
    const client = this.client!;
    const { agentId } = this.opts;
    try {
      if (!sessionPresent) await client.subscribeAsync(topics.agentJobs(agentId), { qos: 1 });
      const online: AgentStatus = { v: 1, agentId, state: 'online', version: this.opts.version, startedAt: this.startedAt, ts: new Date().toISOString() };
      await client.publishAsync(topics.agentStatus(agentId), encode(online), { qos: 1, retain: true });
      if (this.inventory) await client.publishAsync(topics.agentInventory(agentId), encode(this.inventory), { qos: 1, retain: true });
      await this.flushOutbox();
    } catch (e) {
      this.log(`mqtt: after connect: ${(e as Error).message}`);
    }
  }

  /** Publishes every stored result not already on its way (start-up, and after each reconnect). */
  async flushOutbox(): Promise<void> {
    await Promise.all(this.opts.outbox.list().filter((e) => !this.inFlight.has(e.id)).map((e) => this.send(e.id, e.topic, e.payload)));
  }

  private async send(id: string, topic: string, payload: string): Promise<void> {
    this.inFlight.add(id);
    try {
      // Resolves on PUBACK; while the broker is down the client queues and resends by itself.
      await this.client!.publishAsync(topic, payload, { qos: 1 });
      this.opts.outbox.remove(id);
    } catch (e) {
      this.log(`mqtt: result ${id} not acknowledged yet: ${(e as Error).message}`);
    } finally {
      this.inFlight.delete(id);
    }
  }

  /** Stores a result durably (the outbox); returns the entry to send. */
  storeResult(result: JobResult): OutboxEntry {
    return this.opts.outbox.put(topics.agentResults(this.opts.agentId), JSON.stringify(result), { key: resultKey(result.jobId) });
  }

  /** Publishes a stored result; the outbox entry goes only after PUBACK (else at the next flush). */
  async sendStored(entry: OutboxEntry): Promise<void> {
    if (this.client && !this.inFlight.has(entry.id)) await this.send(entry.id, entry.topic, entry.payload);
  }

  /** Durable: on disk before it is sent, removed from disk only after PUBACK. */
  async publishResult(result: JobResult): Promise<void> {
    await this.sendStored(this.storeResult(result));
  }

  /** Progress is best effort (PROGRESS_QOS, 0: no PUBACK; not stored across restarts). */
  publishProgress(p: JobProgress): void {
    this.client?.publishAsync(topics.agentProgress(this.opts.agentId), encode(p), { qos: PROGRESS_QOS }).catch(() => {});
  }

  /** Health samples are QoS 0 and only sent while connected: mqtt.js would otherwise queue QoS 0
   * messages during an outage and flush a pile of stale samples on reconnect. Returns whether the
   * sample was handed to the socket. */
  publishHealth(h: AgentHealth): boolean {
    const client = this.client;
    if (!client?.connected) return false;
    client.publishAsync(topics.agentHealth(this.opts.agentId), encode(h), { qos: 0, retain: false }).catch(() => {});
    return true;
  }

  setInventory(inv: AgentInventory): void {
    this.inventory = inv;
    if (this.client?.connected) {
      this.client.publishAsync(topics.agentInventory(this.opts.agentId), encode(inv), { qos: 1, retain: true }).catch(() => {});
    }
  }

  /** Publishes the retained "offline" status (a clean exit sends no last will) and disconnects. */
  async close(timeoutMs = 3000): Promise<void> {
    const client = this.client;
    if (!client) return;
    const offline: AgentStatus = { v: 1, agentId: this.opts.agentId, state: 'offline', version: this.opts.version, startedAt: this.startedAt, ts: new Date().toISOString() };
    const timeout = new Promise((r) => setTimeout(r, timeoutMs).unref());
    if (client.connected) {
      await Promise.race([client.publishAsync(topics.agentStatus(this.opts.agentId), encode(offline), { qos: 1, retain: true }).catch(() => {}), timeout]);
    }
    await Promise.race([client.endAsync(false).catch(() => {}), timeout]);
    client.end(true);
    this.client = undefined;
  }
}
