// The central daemon: listens to the lab over MQTT (agent status/inventory/progress/results,
// flash requests, suite-run requests), keeps the registry and the durable job store, hands jobs to
// idle boards with a lease, re-queues jobs whose agent vanished or whose deadline passed, fires
// regression suites on cron, writes everything to InfluxDB and flags regressions.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import cron from 'node-cron';
import {
  topics, suiteTopics, encode, agentIdOfTopic, requesterOfTopic, replyTopicProblem, arithmeticOf, validateAgentHealth, validateAgentStatus, validateInventory, validateJobProgress,
  validateJobResult, validateSuiteRunRequest, type JobResult, type RegressionEvent, type RequestReply,
  type SuiteRunReply,
} from '../wire/mqtt.ts';
import { clientOfFirmwareTopic, firmwareRequestTopics } from '../wire/mqtt.ts';
import type { LabConfig } from './config.ts';
import { embeddedBrokerPasswordFile, expandSuite } from './config.ts';
import { JobStore, specOf, type JobRecord } from './jobs/job-store.ts';
import { Registry } from './registry.ts';
import { RegressionDetector } from './regressions.ts';
import { checkFlashRequest, refusalAddress, sameRequester } from './requests.ts';
import { RateLimiter } from './rate-limit.ts';
import { byoJobFields, checkFirmwareUpload, recordFirmwareUpload } from './firmware-uploads.ts';
import { InfluxSink } from './influx/writer.ts';
import {
  agentHealthPoint, boardStatePoint, healthSamplePoints, jobEventPoint, regressionPoint, resultPoint, type JobEventInfo,
} from './influx/schema.ts';
import type { EmbeddedBroker } from './broker/embedded-broker.ts';
import { daemonCredentials, startAuthenticatedBroker } from './broker/daemon-broker.ts';
import type { IPoint } from 'influx';
import { opProfilePoints } from './influx/op-profile.ts';

/** Agent-side failures that are about the agent, not the job (agents/agent.ts reports these). */
const INFRA_FAILURE = /^(agent restarted during job|agent stopping)/;

/** Something that calls fire() on a schedule; tests inject one that they fire by hand. */
export type SuiteScheduler = (expression: string, fire: () => void, suite: string) => { stop(): void };

export const cronScheduler: SuiteScheduler = (expression, fire, suite) => {
  const task = cron.schedule(expression, () => fire(), { name: `suite:${suite}` });
  return { stop: () => { void task.stop(); } };
};

export interface DaemonOptions {
  config: LabConfig;
  /** Overrides config.broker; with neither, an embedded broker is started. */
  brokerUrl?: string;
  /** Overrides config.influx; `null` disables InfluxDB entirely. */
  influx?: { url: string; database: string; rawRetention?: string } | null;
  clientId?: string;
  scheduler?: SuiteScheduler;
  /** How often deadlines are checked and the queue re-examined. */
  tickMs?: number;
  /** How often agent/board health snapshots are written. */
  healthEveryMs?: number;
  modelExists?: (name: string) => boolean;
  /** Fails every unfinished job from a previous life with this reason before dispatching (the demo starts clean). */
  abandonUnfinished?: string;
  log?: (line: string) => void;
  now?: () => number;
}

export interface SuiteRunStarted { type: 'started'; suite: string; runId: string; jobIds: string[] }
export interface SuiteRunSkipped { type: 'skipped'; suite: string; runningRunId: string; reason: string }

export interface DaemonStats {
  queued: number; dispatched: number; done: number; failed: number;
  ignoredResults: number; rejectedRequests: number; requeues: number; regressions: number; malformedHealth: number;
  /** Times outside the clock window replaced by the receive time; board ids refused because another agent owns them. */
  clockReplaced: number; refusedBoards: number;
  influxBacklog: number; influxWritten: number;
}

export class Daemon extends EventEmitter {
  readonly registry: Registry;
  store!: JobStore;
  sink: InfluxSink | undefined;
  private client: MqttClient | undefined;
  private broker: EmbeddedBroker | undefined;
  private readonly detector: RegressionDetector;
  private tickTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private schedules: Array<{ stop(): void }> = [];
  private readonly lastUsed = new Map<string, number>();
  private readonly suiteRequesters = new Map<string, Array<{ requestId: string; replyTo: string }>>();
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  readonly counters = { ignoredResults: 0, rejectedRequests: 0, requeues: 0, regressions: 0, malformedHealth: 0, clockReplaced: 0, refusedBoards: 0 };
  private readonly rate: RateLimiter;
  /** Agents whose malformed health samples were already logged: a broken agent sends one every
   * sampleIntervalS, and the log should say so once (the counter keeps counting). */
  private readonly healthComplained = new Set<string>();
  brokerUrl = '';
  private stopped = false;

  constructor(private readonly opts: DaemonOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} daemon: ${line}\n`));
    this.registry = new Registry(this.now);
    this.detector = new RegressionDetector(opts.config.regression);
    this.rate = new RateLimiter(opts.config.requestRate, this.now);
  }

  async start(): Promise<void> {
    const cfg = this.opts.config;
    this.store = new JobStore(join(cfg.dataDir, 'jobs.jsonl'), { maxAttempts: cfg.maxAttempts, attemptTimeoutMs: cfg.attemptTimeoutMs }, this.now);
    // Baselines come from the journal: finished results, oldest first.
    this.detector.seed(this.store.all().filter((j) => j.state === 'done' && j.result)
      .sort((a, b) => a.updatedAt - b.updatedAt).map((j) => j.result!));
    if (this.opts.abandonUnfinished) {
      for (const j of [...this.store.inState('queued'), ...this.store.inState('dispatched')]) this.store.fail(j.jobId, this.opts.abandonUnfinished);
    }
    const influx = this.opts.influx === null ? undefined : this.opts.influx ?? cfg.influx;
    if (influx) {
      this.sink = new InfluxSink({
        url: influx.url, database: influx.database, spoolPath: join(cfg.dataDir, 'influx-spool.jsonl'),
        rawRetention: influx.rawRetention ?? cfg.influx?.rawRetention, log: this.log,
      });
      this.sink.start();
    }
    let url = this.opts.brokerUrl ?? cfg.broker;
    let credentials = daemonCredentials(cfg);
    if (!url) {
      const embedded = await startAuthenticatedBroker(cfg, this.log);
      this.broker = embedded.broker;
      credentials = embedded.credentials;
      url = this.broker.url;
      this.log(`embedded MQTT broker on ${url} (accounts: ${embeddedBrokerPasswordFile(cfg)}, ACL: ${cfg.embeddedBroker.aclFile})`);
    }
    this.brokerUrl = url;
    const client = mqtt.connect(url, {
      clientId: this.opts.clientId ?? 'tinyrack-daemon',
      // A persistent session: results published while the daemon is down wait at the broker.
      clean: false, protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 10_000,
      ...credentials,
      will: { topic: topics.daemonStatus, payload: encode({ v: 1, state: 'offline', ts: new Date().toISOString() }), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (topic, payload) => {
      this.batchPoints(() => {
        try { this.onMessage(topic, payload); } catch (err) { this.log(`error handling ${topic}: ${(err as Error).stack}`); }
      });
    });
    client.on('error', (err) => this.log(`MQTT error: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.on('connect', () => { this.log('MQTT reconnected'); this.publishStatus('online'); });
    await client.subscribeAsync({
      [topics.allStatus]: { qos: 1 }, [topics.allInventory]: { qos: 1 }, [topics.allProgress]: { qos: 1 },
      [topics.allResults]: { qos: 1 }, [topics.allHealth]: { qos: 0 }, [topics.requests]: { qos: 1 },
      [suiteTopics.run]: { qos: 1 }, [topics.allRequests]: { qos: 1 }, [suiteTopics.allRuns]: { qos: 1 },
      [firmwareRequestTopics.all]: { qos: 1 },
    });
    this.publishStatus('online');
    // Jobs out on boards when the daemon stopped: the spec may never have left this process
    // (killed between the journal write and the socket write), so send it again. Agents key jobs
    // by id and ignore a second delivery; a result for it counts once either way.
    for (const job of this.store.inState('dispatched')) {
      this.client.publish(topics.agentJobs(job.agentId!), encode(specOf(job)), { qos: 1 });
    }
    const scheduler = this.opts.scheduler ?? cronScheduler;
    for (const s of cfg.suites) {
      if (s.cron) this.schedules.push(scheduler(s.cron, () => { this.fireSuite(s.name, 'cron'); }, s.name));
    }
    this.tickTimer = setInterval(() => this.batchPoints(() => this.tick()), this.opts.tickMs ?? 1000);
    this.healthTimer = setInterval(() => this.writeHealth(), this.opts.healthEveryMs ?? 30_000);
    this.log(`started: ${this.store.inState('queued').length} queued, ${this.store.inState('dispatched').length} out on boards`);
    this.tick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.schedules) s.stop();
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.client) {
      this.publishStatus('offline');
      await this.client.endAsync();
    }
    if (this.sink) await this.sink.close(2000);
    this.store?.close();
    if (this.broker) await this.broker.close();
  }

  stats(): DaemonStats {
    const jobs = this.store.all();
    const n = (s: string) => jobs.filter((j) => j.state === s).length;
    return {
      queued: n('queued'), dispatched: n('dispatched'), done: n('done'), failed: n('failed'), ...this.counters,
      influxBacklog: this.sink?.backlog ?? 0, influxWritten: this.sink?.written ?? 0,
    };
  }

  // --- suites --------------------------------------------------------------------------------

  /** Starts one run of a suite now, unless its previous run is still going (then skipped and recorded). */
  fireSuite(name: string, trigger: 'cron' | 'manual'): SuiteRunStarted | SuiteRunSkipped {
    const suite = this.opts.config.suites.find((s) => s.name === name);
    if (!suite) throw new Error(`no suite "${name}" in ${this.opts.config.source} (have: ${this.opts.config.suites.map((s) => s.name).join(', ') || 'none'})`);
    const running = this.store.all().find((j) => j.tags?.suite === name && (j.state === 'queued' || j.state === 'dispatched'));
    if (running) {
      const runningRunId = running.tags!.suiteRun!;
      const reason = `previous run ${runningRunId} of suite ${name} is still going`;
      this.log(`suite ${name}: ${trigger} firing skipped: ${reason}`);
      this.point(jobEventPoint({ event: 'skipped', suite: name, runId: runningRunId, at: this.now(), error: reason }));
      this.emit('suite-skipped', { suite: name, runningRunId });
      return { type: 'skipped', suite: name, runningRunId, reason };
    }
    const stamp = new Date(this.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const runId = `${name}-${stamp}-${randomBytes(2).toString('hex')}`;
    const jobs = this.store.enqueueMany(expandSuite(suite).map((cell) => ({
      model: { name: cell.model }, boardKind: cell.boardKind, backend: cell.backend, tiling: cell.tiling,
      arithmetic: cell.arithmetic, reps: suite.reps, tags: { suite: name, suiteRun: runId, trigger },
    })));
    const jobIds = jobs.map((j) => j.jobId);
    const depth = this.store.count('queued');
    this.point(...jobs.map((j) => jobEventPoint(this.eventInfo('queued', j, undefined, depth))));
    for (const j of jobs) this.emit('job', 'queued', j);
    this.log(`suite ${name}: run ${runId} (${trigger}) queued ${jobIds.length} jobs`);
    this.emit('suite-started', { suite: name, runId, jobIds });
    this.dispatch();
    return { type: 'started', suite: name, runId, jobIds };
  }

  /** Jobs of one suite run, and whether all are finished. */
  suiteRun(runId: string): { jobs: JobRecord[]; finished: boolean } {
    const jobs = this.store.byTag('suiteRun', runId);
    return { jobs, finished: jobs.every((j) => j.state === 'done' || j.state === 'failed') };
  }

  /** Queues one job directly (the API behind requests and tests). */
  enqueue(n: Parameters<JobStore['enqueue']>[0]): JobRecord {
    return this.enqueueMany([n])[0]!;
  }

  /** Queues many jobs with one journal write and one spool write. */
  enqueueMany(list: Parameters<JobStore['enqueueMany']>[0]): JobRecord[] {
    const jobs = this.store.enqueueMany(list);
    const depth = this.store.count('queued');
    this.batchPoints(() => {
      this.point(...jobs.map((j) => jobEventPoint(this.eventInfo('queued', j, undefined, depth))));
      for (const j of jobs) this.emit('job', 'queued', j);
      this.dispatch();
    });
    return jobs;
  }

  // --- MQTT input ----------------------------------------------------------------------------

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === topics.requests) return this.onFlashRequest(payload, undefined);
    if (topic === suiteTopics.run) return this.onSuiteRunRequest(payload, undefined);
    const uploader = clientOfFirmwareTopic(topic);
    if (uploader !== undefined) return this.onFlashRequest(payload, uploader, true);
    if (topic.startsWith(`${topics.requests}/`) || topic.startsWith(`${suiteTopics.run}/`)) {
      const requester = requesterOfTopic(topic);
      // A requester name that is no safe id has no reply prefix to answer under.
      if (requester === undefined) { this.counters.rejectedRequests++; return this.log(`ignored request on ${JSON.stringify(topic.slice(0, 200))}: the requester level is not a valid id`); }
      return topic.startsWith(`${topics.requests}/`) ? this.onFlashRequest(payload, requester) : this.onSuiteRunRequest(payload, requester);
    }
    const agentId = agentIdOfTopic(topic);
    if (!agentId) return;
    const kind = topic.slice(topic.lastIndexOf('/') + 1);
    if (kind === 'status') {
      if (payload.length === 0) return; // retained message cleared
      const v = this.clocked(topic, validateAgentStatus(payload, { now: this.now() }));
      if (!v.ok || v.value.agentId !== agentId) return this.log(`ignored status on ${topic}: ${v.ok ? 'agentId does not match topic' : v.errors.join('; ')}`);
      const change = this.registry.applyStatus(v.value);
      this.point(agentHealthPoint(agentId, v.value.state === 'online', this.registry.agent(agentId)?.boards.length ?? 0, v.value.version, this.now()));
      if (change.wentOffline || v.value.state === 'offline') this.onAgentOffline(agentId);
      if (change.cameOnline) this.log(`agent ${agentId} online`);
      this.dispatch();
    } else if (kind === 'inventory') {
      if (payload.length === 0) return;
      const v = this.clocked(topic, validateInventory(payload, { now: this.now() }));
      if (!v.ok || v.value.agentId !== agentId) return this.log(`ignored inventory on ${topic}: ${v.ok ? 'agentId does not match topic' : v.errors.join('; ')}`);
      const refused = this.registry.applyInventory(v.value);
      if (refused.length) {
        this.counters.refusedBoards += refused.length;
        this.log(`agent ${agentId} reported boards another agent owns, left out: ${refused.map((r) => `${r.boardId} (${r.owner})`).join(', ')}`);
      }
      this.writeBoardStates(agentId);
      this.dispatch();
    } else if (kind === 'progress') {
      const v = this.clocked(topic, validateJobProgress(payload, { now: this.now() }));
      if (!v.ok) return this.log(`ignored progress on ${topic}: ${v.errors.join('; ')}`);
      const job = this.store.get(v.value.jobId);
      if (!job || job.state !== 'dispatched' || job.agentId !== agentId) return;
      this.emit('progress', v.value);
      if (job.request) {
        this.reply(job.request.replyTo, {
          v: 1, requestId: job.request.requestId, type: 'progress', jobId: job.jobId, phase: v.value.phase,
          ...(v.value.message !== undefined ? { message: v.value.message } : {}),
        });
      }
    } else if (kind === 'results') {
      const v = this.clocked(topic, validateJobResult(payload, { now: this.now() }));
      if (!v.ok) { this.counters.ignoredResults++; return this.log(`ignored malformed result on ${topic}: ${v.errors.join('; ')}`); }
      if (v.value.agentId !== agentId) { this.counters.ignoredResults++; return this.log(`ignored result on ${topic}: agentId ${v.value.agentId} does not match topic`); }
      this.onResult(v.value);
    } else if (kind === 'health') {
      this.onHealth(agentId, topic, payload);
    }
  }

  private onHealth(agentId: string, topic: string, payload: Buffer): void {
    const v = this.clocked(topic, validateAgentHealth(payload, { now: this.now() }));
    const errors = !v.ok ? v.errors : v.value.agentId !== agentId ? [`payload.agentId ${v.value.agentId} does not match the topic's ${agentId}`] : [];
    if (!v.ok || errors.length) {
      this.counters.malformedHealth++;
      if (!this.healthComplained.has(agentId)) {
        this.healthComplained.add(agentId);
        this.log(`ignored malformed health sample on ${topic} (further ones from ${agentId} are only counted): ${errors.join('; ')}`);
      }
      this.emit('malformed-health', { agentId, errors });
      return;
    }
    // A good sample again: a later breakage of this agent is worth a log line of its own.
    this.healthComplained.delete(agentId);
    // A sample overtaken by a newer one (QoS 0 has no order guarantee across reconnects) is still a
    // true measurement at its own time: written, but with the state it reported itself.
    const newest = this.registry.applyHealth(v.value);
    const leased = new Set(this.store.inState('dispatched').map((j) => j.boardId!));
    const views = new Map(newest ? this.registry.boards(leased).filter((b) => b.agentId === agentId).map((b) => [b.boardId, b.effective]) : []);
    this.point(...healthSamplePoints(v.value, (id) => views.get(id)));
    this.emit('health', v.value);
  }

  private onAgentOffline(agentId: string): void {
    for (const job of this.store.inState('dispatched')) {
      if (job.agentId === agentId) this.requeue(job, `agent ${agentId} went offline`);
    }
    this.writeBoardStates(agentId);
  }

  private onResult(received: JobResult): void {
    // The agent lost the job itself (it restarted or was stopped mid-job): that says nothing about
    // the model or the board, so the job gets another attempt instead of failing.
    const held = this.store.get(received.jobId);
    if (!received.ok && held?.state === 'dispatched' && held.attempt === received.attempt && held.agentId === received.agentId && INFRA_FAILURE.test(received.error ?? '')) {
      this.requeue(held, `agent ${received.agentId}: ${received.error}`);
      this.dispatch();
      return;
    }
    const verdict = this.store.complete(received);
    if (!verdict.accepted) {
      this.counters.ignoredResults++;
      this.log(`ignored result for job ${received.jobId} (attempt ${received.attempt} from ${received.agentId}): ${verdict.reason}`);
      this.emit('ignored-result', { result: received, reason: verdict.reason });
      return;
    }
    const job = verdict.job;
    // The result as the store applied it: the agent's own, or a failure when it was built in
    // another arithmetic than the job asked for.
    const r = job.result!;
    const suite = job.tags?.suite;
    const points: IPoint[] = [];
    const rp = resultPoint(r, suite);
    if (rp) points.push(rp, ...opProfilePoints(r, suite));
    points.push(jobEventPoint(this.eventInfo(job.state === 'done' ? 'done' : 'failed', job, job.error)));
    const regressions = this.detector.check(r, new Date(this.now()));
    for (const ev of regressions) {
      points.push(regressionPoint(ev));
      this.counters.regressions++;
      this.client?.publish(topics.regressions, encode(ev), { qos: 1 });
      this.log(`regression: ${ev.model} ${ev.metric} ${ev.baseline} -> ${ev.value} (${ev.changePct}%) on ${ev.boardKind} ${ev.backend}/${ev.tiling}/${arithmeticOf(ev)}`);
      this.emit('regression', ev as RegressionEvent);
    }
    this.point(...points);
    if (job.request) this.reply(job.request.replyTo, { v: 1, requestId: job.request.requestId, type: 'result', jobId: job.jobId, result: r });
    this.emit('result', job, r);
    this.checkSuiteFinished(job);
    this.dispatch();
  }

  /** Counts and logs the times a validator replaced (a sender's clock outside the window). */
  private clocked<V extends { ok: boolean; notes?: string[] }>(topic: string, v: V): V {
    if (v.ok && v.notes?.length) { this.counters.clockReplaced++; this.log(`clock of the sender on ${topic}: ${v.notes.join('; ')}`); }
    return v;
  }

  /** A requester over its rate gets one refusal (on its own reply topic) and nothing else. */
  private overRate(payload: Buffer, requester: string | undefined): boolean {
    const who = requester ?? '(shared requests topic)';
    if (this.rate.take(who)) return false;
    this.counters.rejectedRequests++;
    const to = refusalAddress(payload, requester);
    const reason = `rate limit: more than ${this.opts.config.requestRate.burst} requests at once or ${this.opts.config.requestRate.perMinute} a minute from ${who}; retry in ${this.rate.retryAfterS(who)} s`;
    this.log(`rejected request ${to.requestId ?? '(no id)'}: ${reason}`);
    if (to.replyTo) this.reply(to.replyTo, { v: 1, requestId: to.requestId ?? '', type: 'rejected', reason });
    return true;
  }

  /** `requester`: the account the request topic names (the broker's ACL pins it to the account:
   * tinyrack/requests/<user>, or tinyrack/requests/firmware/<user> for bring-your-own firmware);
   * undefined on the old shared topic. A firmware image is accepted only from a named requester
   * the lab allows (checkFirmwareUpload). */
  private onFlashRequest(payload: Buffer, requester: string | undefined, firmwareTopic = false): void {
    if (this.overRate(payload, requester)) return;
    const checked = checkFirmwareUpload(checkFlashRequest(payload, {
      modelExists: this.opts.modelExists ?? (() => false),
      knownKinds: () => new Set([...this.registry.knownKinds(), ...this.opts.config.boardKinds]),
      boardKindOf: (id) => this.registry.board(id)?.kind,
      maxUploadBytes: this.opts.config.maxUploadBytes, now: this.now,
    }, requester), firmwareTopic ? requester : undefined, this.opts.config);
    if (!checked.ok) {
      this.counters.rejectedRequests++;
      this.log(`rejected request ${checked.requestId ?? '(no id)'}: ${checked.reason}`);
      if (checked.replyTo) this.reply(checked.replyTo, { v: 1, requestId: checked.requestId ?? '', type: 'rejected', reason: checked.reason });
      this.emit('rejected-request', checked);
      return;
    }
    const req = checked.request;
    // A redelivered request (QoS 1) or a client retry: answer again, never queue twice.
    const existing = this.store.byRequest(req.requestId);
    if (existing?.request && !sameRequester(existing.request, requester, req.replyTo)) {
      this.counters.rejectedRequests++;
      this.log(`rejected request ${req.requestId}: the id belongs to another requester's job`);
      this.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'rejected', reason: `request id ${req.requestId} is already used by another requester; use a fresh one (a UUID)` });
      return;
    }
    if (existing) {
      this.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'accepted', jobId: existing.jobId });
      if (existing.result) this.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'result', jobId: existing.jobId, result: existing.result });
      return;
    }
    const job = this.store.enqueue({
      model: req.model, boardKind: checked.boardKind, ...(checked.boardId ? { boardId: checked.boardId } : {}),
      backend: req.backend, tiling: req.tiling, arithmetic: arithmeticOf(req), reps: req.reps,
      request: { requestId: req.requestId, replyTo: req.replyTo }, ...byoJobFields(req),
    });
    recordFirmwareUpload(this.opts.config.dataDir, req, job.jobId, checked.boardKind);
    this.reply(req.replyTo, { v: 1, requestId: req.requestId, type: 'accepted', jobId: job.jobId });
    this.jobEvent('queued', job);
    this.dispatch();
  }

  private onSuiteRunRequest(payload: Buffer, requester: string | undefined): void {
    if (this.overRate(payload, requester)) return;
    const v = validateSuiteRunRequest(payload, { now: this.now() });
    const why = !v.ok ? v.errors.join('; ') : replyTopicProblem(v.value.replyTo, requester) && `payload.${replyTopicProblem(v.value.replyTo, requester)}`;
    if (!v.ok || why) {
      this.counters.rejectedRequests++;
      const to = refusalAddress(payload, requester);
      this.log(`rejected suite run request ${to.requestId ?? '(no id)'}: ${why}`);
      if (to.replyTo) this.reply(to.replyTo, { v: 1, requestId: to.requestId ?? '', type: 'rejected', reason: `invalid suite run request: ${why}` });
      return;
    }
    const { requestId, suite, replyTo } = v.value;
    try {
      const out = this.fireSuite(suite, 'manual');
      if (out.type === 'skipped') {
        this.reply(replyTo, { v: 1, requestId, type: 'skipped', suite, reason: out.reason, runningRunId: out.runningRunId });
      } else {
        this.suiteRequesters.set(out.runId, [...(this.suiteRequesters.get(out.runId) ?? []), { requestId, replyTo }]);
        this.reply(replyTo, { v: 1, requestId, type: 'started', suite, runId: out.runId, jobIds: out.jobIds });
        this.checkSuiteFinished(undefined, out.runId);
      }
    } catch (err) {
      this.reply(replyTo, { v: 1, requestId, type: 'rejected', reason: (err as Error).message });
    }
  }

  private checkSuiteFinished(job: JobRecord | undefined, runIdArg?: string): void {
    const runId = runIdArg ?? job?.tags?.suiteRun;
    if (!runId) return;
    const run = this.suiteRun(runId);
    if (!run.finished) return;
    const done = run.jobs.filter((j) => j.state === 'done').length;
    const failed = run.jobs.length - done;
    const suite = run.jobs[0]?.tags?.suite ?? runId;
    this.log(`suite ${suite}: run ${runId} finished: ${done} done, ${failed} failed`);
    this.emit('suite-finished', { suite, runId, done, failed, jobIds: run.jobs.map((j) => j.jobId) });
    for (const r of this.suiteRequesters.get(runId) ?? []) {
      this.reply(r.replyTo, { v: 1, requestId: r.requestId, type: 'finished', suite, runId, done, failed, jobIds: run.jobs.map((j) => j.jobId) });
    }
    this.suiteRequesters.delete(runId);
  }

  // --- dispatching ---------------------------------------------------------------------------

  private tick(): void {
    if (this.stopped) return;
    const t = this.now();
    for (const job of this.store.inState('dispatched')) {
      if (job.deadline !== undefined && job.deadline < t) this.requeue(job, `deadline passed (${job.attemptTimeoutMs} ms)`);
    }
    this.dispatch();
  }

  private requeue(job: JobRecord, reason: string): void {
    const next = this.store.requeue(job.jobId, reason);
    this.counters.requeues++;
    this.log(`job ${job.jobId}: ${reason}; ${next.state === 'failed' ? 'giving up' : 're-queued'}`);
    this.jobEvent(next.state === 'failed' ? 'failed' : 'requeued', { ...next, attempt: job.attempt, boardId: job.boardId, agentId: job.agentId }, reason);
    if (next.state === 'failed') {
      if (next.request) {
        this.reply(next.request.replyTo, {
          v: 1, requestId: next.request.requestId, type: 'progress', jobId: next.jobId, phase: 'failed', message: next.error,
        });
      }
      this.emit('job-failed', next);
      this.checkSuiteFinished(next);
    }
  }

  /** Gives each queued job (oldest first) an idle board of its kind, least recently used first. */
  dispatch(): void {
    if (this.stopped || !this.client?.connected) return;
    const dispatched = this.store.inState('dispatched');
    const leased = new Set(dispatched.map((j) => j.boardId!));
    const free = this.registry.boards(leased).filter((b) => b.agentOnline && b.effective === 'idle');
    if (!free.length) return;
    const assignments: Array<{ jobId: string; agentId: string; boardId: string }> = [];
    for (const job of this.store.inState('queued')) {
      const candidates = free.filter((b) => job.wantBoardId ? b.boardId === job.wantBoardId : b.kind === job.boardKind);
      if (!candidates.length) continue;
      candidates.sort((a, b) => (this.lastUsed.get(a.boardId) ?? 0) - (this.lastUsed.get(b.boardId) ?? 0) || a.boardId.localeCompare(b.boardId));
      const board = candidates[0]!;
      assignments.push({ jobId: job.jobId, agentId: board.agentId, boardId: board.boardId });
      free.splice(free.indexOf(board), 1);
      this.lastUsed.set(board.boardId, this.now());
      if (!free.length) break;
    }
    if (!assignments.length) return;
    // Journal first (one fsync for the round), then tell the agents.
    const specs = this.store.dispatchMany(assignments);
    specs.forEach((spec, i) => this.client!.publish(topics.agentJobs(assignments[i]!.agentId), encode(spec), { qos: 1 }));
    const started = specs.map((s) => this.store.get(s.jobId)!);
    const depth = this.store.count('queued');
    this.point(...started.map((j) => jobEventPoint(this.eventInfo('started', j, undefined, depth))));
    for (const j of started) this.emit('job', 'started', j);
  }

  // --- output --------------------------------------------------------------------------------

  private reply(topic: string, payload: RequestReply | SuiteRunReply): void {
    // Requests are checked on the way in; this guard keeps a reply topic that slipped through (a
    // journal from before the check) from ever reaching the broker: a NUL or a 70 KB topic would
    // get the daemon disconnected, a jobs topic would feed an agent.
    const why = replyTopicProblem(topic, undefined);
    if (why) { this.log(`reply to ${JSON.stringify(topic.slice(0, 200))} not sent: ${why}`); return; }
    this.client?.publish(topic, encode(payload), { qos: 1 });
  }

  private publishStatus(state: 'online' | 'offline'): void {
    this.client?.publish(topics.daemonStatus, encode({ v: 1, state, ts: new Date().toISOString() }), { qos: 1, retain: true });
  }

  private pointBatch: IPoint[] | undefined;

  /** Runs fn, writing the points it produces to the spool with one append + fsync at the end. */
  private batchPoints(fn: () => void): void {
    if (this.pointBatch) { fn(); return; }
    this.pointBatch = [];
    try { fn(); } finally {
      const points = this.pointBatch;
      this.pointBatch = undefined;
      if (points.length && this.sink) {
        try { this.sink.write(points); } catch (err) { this.log(`cannot queue ${points.length} points: ${(err as Error).message}`); }
      }
    }
  }

  private point(...points: IPoint[]): void {
    if (this.pointBatch) this.pointBatch.push(...points);
    else this.sink?.write(points);
  }

  private eventInfo(event: JobEventInfo['event'], job: JobRecord, error?: string, queueDepth?: number): JobEventInfo {
    return {
      event, jobId: job.jobId, model: job.model.name, boardKind: job.boardKind, backend: job.backend, tiling: job.tiling,
      arithmetic: arithmeticOf(job),
      ...(job.tags?.suite ? { suite: job.tags.suite } : {}), ...(job.tags?.suiteRun ? { runId: job.tags.suiteRun } : {}),
      attempt: job.attempt, ...(job.boardId ? { board: job.boardId } : {}), ...(job.agentId ? { agent: job.agentId } : {}),
      ...(error ? { error } : {}), queueDepth: queueDepth ?? this.store.count('queued'), at: this.now(),
    };
  }

  private jobEvent(event: JobEventInfo['event'], job: JobRecord, error?: string): void {
    this.point(jobEventPoint(this.eventInfo(event, job, error)));
    this.emit('job', event, job);
  }

  private writeBoardStates(agentId?: string): void {
    const leased = new Set(this.store.inState('dispatched').map((j) => j.boardId!));
    const t = this.now();
    this.point(...this.registry.boards(leased).filter((b) => !agentId || b.agentId === agentId)
      .map((b) => boardStatePoint(b.agentId, b.boardId, b.kind, b.effective, b.failures ?? 0, t)));
  }

  private lastPrune = 0;

  private writeHealth(): void {
    const t = this.now();
    // Finished jobs stay in the journal (they answer duplicate results and seed baselines) for
    // 90 days; their results live on in InfluxDB.
    if (t - this.lastPrune > 86_400_000) { this.lastPrune = t; this.store.pruneFinished(90 * 86_400_000); }
    this.point(...this.registry.allAgents().map((a) => agentHealthPoint(a.agentId, a.online, a.boards.length, a.version, t)));
    this.writeBoardStates();
  }
}
