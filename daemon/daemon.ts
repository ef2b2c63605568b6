// The central daemon: listens to the lab over MQTT (agent status/inventory/progress/results,
// flash requests, suite-run requests), keeps the registry and the durable job store, hands jobs to
// idle boards with a lease, re-queues jobs whose agent vanished or whose deadline passed, fires
// regression suites on cron, writes everything to InfluxDB and flags regressions.
//
// This file wires the parts together and owns their lifecycle:
//   routing.ts          which topic goes to which handler
//   agent-input.ts      status, inventory, progress, results, health -> job lifecycle
//   dispatch-policy.ts  queue + free boards -> assignments (a pure function)
//   suites.ts           cron and on-demand suite runs
//   flash-requests.ts   on-demand flash requests -> jobs
//   unit-of-work.ts     one store transaction per event: job state + its InfluxDB points
//   jobs/, influx/      the lab database (jobs, pending and dead-letter points) and the writer
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { IPoint } from 'influx';
import { topics, encode, arithmeticOf, replyTopicProblem, type RequestReply, type SuiteRunReply } from '../wire/mqtt.ts';
import { embeddedBrokerPasswordFile, type LabConfig } from './config.ts';
import { JobStore, type JobRecord } from './jobs/job-store.ts';
import { openLabDb, type LabDb } from './jobs/lab-db.ts';
import { migrateJsonl } from './jobs/migrate-jsonl.ts';
import { Registry } from './registry.ts';
import { RegressionDetector } from './regressions.ts';
import { InfluxSink } from './influx/writer.ts';
import { PointQueue } from './influx/point-queue.ts';
import { agentHealthPoint, daemonHealthPoint, jobEventPoint, type JobEventInfo } from './influx/schema.ts';
import { COUNTED_EVENTS } from './influx/job-event-counts.ts';
import type { EmbeddedBroker } from './broker/embedded-broker.ts';
import { daemonCredentials, startAuthenticatedBroker } from './broker/daemon-broker.ts';
import { RateLimiter } from './rate-limit.ts';
import { routeMessage, SUBSCRIPTIONS, type LabHandlers } from './routing.ts';
import { assignJobs } from './dispatch-policy.ts';
import { AgentInput } from './agent-input.ts';
import { Suites, cronScheduler, type SuiteScheduler, type SuiteRunStarted, type SuiteRunSkipped } from './suites.ts';
import { onFlashRequest } from './flash-requests.ts';
import { UnitOfWork, DEFAULT_COMMIT_WINDOW, type CommitWindow, type GroupCommitStats } from './unit-of-work.ts';
import type { DaemonCounters, LabContext } from './lab-context.ts';

export { cronScheduler, type SuiteScheduler, type SuiteRunStarted, type SuiteRunSkipped };

/** The lab database inside the data folder. */
export const LAB_DB = 'lab.db';

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
  /** How long an agent reported offline (its last will) keeps its leases: a clean broker restart
   * publishes every agent's will, and an agent that comes back within this time still holds its
   * jobs (their results wait in its outbox). Default 30 s; 0 re-queues at once. */
  offlineGraceMs?: number;
  modelExists?: (name: string) => boolean;
  /** Fails every unfinished job from a previous life with this reason before dispatching (the demo starts clean). */
  abandonUnfinished?: string;
  /** Overrides config.commitWindowMs and the full-group size (daemon/unit-of-work.ts, "Commit window"). */
  commitWindow?: CommitWindow;
  log?: (line: string) => void;
  now?: () => number;
}

export interface DaemonStats extends DaemonCounters {
  queued: number; dispatched: number; done: number; failed: number;
  influxBacklog: number; influxWritten: number; influxDeadLetters: number;
}

export class Daemon extends EventEmitter {
  readonly registry: Registry;
  store!: JobStore;
  sink: InfluxSink | undefined;
  private lab!: LabDb;
  private work!: UnitOfWork;
  private input!: AgentInput;
  private suites!: Suites;
  private client: MqttClient | undefined;
  private broker: EmbeddedBroker | undefined;
  private readonly detector: RegressionDetector;
  private tickTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly lastUsed = new Map<string, number>();
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly rate: RateLimiter;
  readonly counters: DaemonCounters = { ignoredResults: 0, rejectedRequests: 0, requeues: 0, regressions: 0, malformedHealth: 0, clockReplaced: 0, refusedBoards: 0 };
  brokerUrl = '';
  private stopped = false;
  /** Something freed a board or queued a job since the last dispatch round. */
  private dispatchWanted = false;
  private dispatchScheduled = false;

  constructor(private readonly opts: DaemonOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} daemon: ${line}\n`));
    this.registry = new Registry(this.now);
    this.detector = new RegressionDetector(opts.config.regression);
    this.rate = new RateLimiter(opts.config.requestRate, this.now);
  }

  /** What the parts see of the daemon (daemon/lab-context.ts). */
  private context(): LabContext {
    return {
      config: this.opts.config, store: this.store, registry: this.registry, counters: this.counters,
      now: this.now, log: this.log, emit: (e, ...a) => this.emit(e, ...a),
      point: (...p) => this.work.pointAll(p),
      pointAll: (p) => this.work.pointAll(p),
      publish: (topic, payload, retain) => this.work.publish(topic, payload, retain),
      reply: (topic, payload) => this.reply(topic, payload),
      dispatch: () => this.requestDispatch(),
      jobEvent: (event, job, error) => this.jobEvent(event, job, error),
      recordJobEvents: (event, jobs, depth) => this.recordJobEvents(event, jobs, undefined, depth),
      eventInfo: (event, job, error, depth) => this.eventInfo(event, job, error, depth),
    };
  }

  async start(): Promise<void> {
    const cfg = this.opts.config;
    this.lab = openLabDb(join(cfg.dataDir, LAB_DB));
    migrateJsonl(this.lab, cfg.dataDir, this.log);
    this.store = new JobStore(this.lab, { maxAttempts: cfg.maxAttempts, attemptTimeoutMs: cfg.attemptTimeoutMs }, this.now);
    this.store.agentHasFeature = (agentId, feature) => this.registry.hasFeature(agentId, feature);
    const queue = new PointQueue(this.lab);
    const influx = this.opts.influx === null ? undefined : this.opts.influx ?? cfg.influx;
    if (influx) {
      this.sink = new InfluxSink({
        url: influx.url, database: influx.database, queue,
        rawRetention: influx.rawRetention ?? cfg.influx?.rawRetention, log: this.log,
        commitPending: () => { try { this.work.flush(); } catch { /* logged by the unit of work */ } },
      });
    }
    // Group commit: the broker socket stays corked while a group is open, so the PUBACKs mqtt.js
    // writes for the group's messages leave only after its commit (daemon/unit-of-work.ts).
    let corked: { uncork(): void; destroy(): void } | undefined;
    this.work = new UnitOfWork(this.lab, this.sink ? queue : undefined,
      (m) => this.client?.publish(m.topic, m.payload, { qos: 1, retain: m.retain }),
      (n) => { if (n) this.sink?.nudge(); },
      {
        log: this.log,
        opened: () => {
          const stream = this.client?.stream;
          if (stream && !stream.destroyed) { stream.cork(); corked = stream; }
        },
        closed: (committed) => {
          const stream = corked;
          corked = undefined;
          if (committed) stream?.uncork(); else stream?.destroy();
        },
        beforeCommit: () => this.dispatchIfWanted(),
      }, this.opts.commitWindow ?? { ms: cfg.commitWindowMs, units: DEFAULT_COMMIT_WINDOW.units });
    const ctx = this.context();
    this.suites = new Suites(ctx);
    this.input = new AgentInput(ctx, this.detector, { finished: (job) => this.suites.checkFinished(job) }, this.opts.offlineGraceMs ?? 30_000,
      (fn) => { if (this.stopped) return; try { this.work.run(fn); } catch (err) { this.log(`deferred work failed: ${(err as Error).stack}`); } });
    // Baselines come from the store: finished results, oldest first.
    this.detector.seed(this.store.inState('done').filter((j) => j.result)
      .sort((a, b) => a.updatedAt - b.updatedAt).map((j) => j.result!));
    if (this.opts.abandonUnfinished) {
      const reason = this.opts.abandonUnfinished;
      this.work.run(() => { for (const j of [...this.store.inState('queued'), ...this.store.inState('dispatched')]) this.store.fail(j.jobId, reason); });
    }
    this.sink?.start();
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
    // Each message is one unit of work, committed before mqtt.js acknowledges it (the PUBACK
    // follows the 'message' handlers): a result the broker forgot is one the store has. The
    // handlers are made once, not nine closures per message (each also named at run time by the
    // TypeScript loader: ~3 % of the ingest daemon's samples, profiled).
    const flashChecks = { modelExists: this.opts.modelExists ?? (() => false), rate: this.rate };
    const handlers: LabHandlers = {
      flashRequest: (p, requester, firmwareTopic) => onFlashRequest(ctx, flashChecks, p, requester, firmwareTopic),
      suiteRunRequest: (p, requester) => this.suites.onRunRequest(p, requester, this.rate),
      badRequester: (t) => { this.counters.rejectedRequests++; this.log(`ignored request on ${JSON.stringify(t.slice(0, 200))}: the requester level is not a valid id`); },
      agentStatus: (a, t, p) => this.input.status(a, t, p),
      agentInventory: (a, t, p) => this.input.inventory(a, t, p),
      jobProgress: (a, t, p) => this.input.progress(a, t, p),
      jobResult: (a, t, p) => this.input.result(a, t, p),
      agentHealth: (a, t, p) => this.input.health(a, t, p),
    };
    client.on('message', (topic, payload) => {
      try {
        this.work.run(() => routeMessage(topic, payload, handlers));
      } catch (err) { this.log(`error handling ${topic}: ${(err as Error).stack}`); }
    });
    client.on('error', (err) => this.log(`MQTT error: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.on('connect', () => { this.log('MQTT reconnected'); this.publishStatus('online'); this.requestDispatch(); });
    await client.subscribeAsync(SUBSCRIPTIONS);
    this.publishStatus('online');
    // Jobs out on boards when the daemon stopped: the spec may never have left this process
    // (killed between the commit and the socket write), so send it again. Agents key jobs by id
    // and ignore a second delivery; a result for it counts once either way.
    for (const job of this.store.inState('dispatched')) {
      this.client.publish(topics.agentJobs(job.agentId!), encode(this.store.specOf(job)), { qos: 1 });
    }
    this.suites.schedule(this.opts.scheduler ?? cronScheduler, (name) => this.fireSuite(name, 'cron'));
    this.tickTimer = setInterval(() => this.tick(), this.opts.tickMs ?? 1000);
    this.healthTimer = setInterval(() => this.writeHealth(), this.opts.healthEveryMs ?? 30_000);
    this.log(`started: ${this.store.count('queued')} queued, ${this.store.count('dispatched')} out on boards`);
    this.tick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.suites?.stop();
    this.input?.stop();
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    // The last burst is committed (its messages sent, its acknowledgements released) before the
    // connection closes.
    try { this.work?.flush(); } catch { /* logged by the unit of work */ }
    if (this.client) {
      this.publishStatus('offline');
      await this.client.endAsync();
    }
    if (this.sink) await this.sink.close(2000);
    this.store?.close();
    this.lab?.close();
    if (this.broker) await this.broker.close();
  }

  /** Group commits so far and the units (MQTT messages, ticks, ...) they carried. */
  commitStats(): Readonly<GroupCommitStats> { return this.work.groupStats; }

  stats(): DaemonStats {
    return {
      queued: this.store.count('queued'), dispatched: this.store.count('dispatched'), done: this.store.count('done'), failed: this.store.count('failed'),
      ...this.counters,
      influxBacklog: this.sink?.backlog ?? 0, influxWritten: this.sink?.written ?? 0, influxDeadLetters: this.sink?.queue.deadLetters ?? 0,
    };
  }

  // --- suites and jobs (the API behind requests and tests) -----------------------------------

  /** Starts one run of a suite now, unless its previous run is still going (then skipped and recorded). */
  fireSuite(name: string, trigger: 'cron' | 'manual'): SuiteRunStarted | SuiteRunSkipped {
    return this.work.run(() => this.suites.fire(name, trigger));
  }

  /** Jobs of one suite run, and whether all are finished. */
  suiteRun(runId: string): { jobs: JobRecord[]; finished: boolean } {
    return this.suites.run(runId);
  }

  /** Queues one job directly. */
  enqueue(n: Parameters<JobStore['enqueue']>[0]): JobRecord {
    return this.enqueueMany([n])[0]!;
  }

  /** Queues many jobs in one transaction with their points. */
  enqueueMany(list: Parameters<JobStore['enqueueMany']>[0]): JobRecord[] {
    return this.work.run(() => {
      const jobs = this.store.enqueueMany(list);
      this.recordJobEvents('queued', jobs, undefined, this.store.count('queued'));
      for (const j of jobs) this.emit('job', 'queued', j);
      this.requestDispatch();
      return jobs;
    });
  }

  // --- dispatching ---------------------------------------------------------------------------

  private tick(): void {
    if (this.stopped) return;
    try {
      this.work.run(() => { this.input.checkDeadlines(); this.dispatch(); });
    } catch (err) { this.log(`tick failed: ${(err as Error).stack}`); }
  }

  /** A dispatch round for the current burst of messages: one round, not one per message. Inside
   * a group it runs as the group's last unit before the commit (so a result that frees a board
   * and that board's next job are one transaction, and the spec leaves with the commit); outside
   * one (a reconnect, a timer), on the next turn of the event loop. */
  private requestDispatch(): void {
    if (this.stopped) return;
    this.dispatchWanted = true;
    if (this.work.groupIsOpen || this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      if (!this.dispatchWanted) return;
      try { this.work.run(() => this.dispatchIfWanted()); } catch (err) { this.log(`dispatch failed: ${(err as Error).stack}`); }
    });
  }

  private dispatchIfWanted(): void {
    if (!this.dispatchWanted) return;
    this.dispatchWanted = false;
    this.dispatch();
  }

  /** Gives each queued job (oldest first) an idle board of its kind, least recently used first. */
  dispatch(): void {
    if (this.stopped || !this.client?.connected) return;
    if (this.store.count('queued') === 0) return;
    const free = this.registry.idleBoards(this.store.leasedBoards());
    const assignments = assignJobs(this.store.queued(), free, (id) => this.lastUsed.get(id) ?? 0);
    if (!assignments.length) return;
    this.work.run(() => {
      const t = this.now();
      for (const a of assignments) this.lastUsed.set(a.boardId, t);
      const specs = this.store.dispatchMany(assignments);
      specs.forEach((spec, i) => this.work.publish(topics.agentJobs(assignments[i]!.agentId), encode(spec)));
      const started = specs.map((s) => this.store.get(s.jobId)!);
      this.recordJobEvents('started', started, undefined, this.store.count('queued'));
      for (const j of started) this.emit('job', 'started', j);
    });
  }

  // --- output --------------------------------------------------------------------------------

  private reply(topic: string, payload: RequestReply | SuiteRunReply): void {
    // Requests are checked on the way in; this guard keeps a reply topic that slipped through (a
    // job stored before the check) from ever reaching the broker: a NUL or a 70 KB topic would
    // get the daemon disconnected, a jobs topic would feed an agent.
    const why = replyTopicProblem(topic, undefined);
    if (why) { this.log(`reply to ${JSON.stringify(topic.slice(0, 200))} not sent: ${why}`); return; }
    this.work.publish(topic, encode(payload));
  }

  private publishStatus(state: 'online' | 'offline'): void {
    this.client?.publish(topics.daemonStatus, encode({ v: 1, state, ts: new Date().toISOString() }), { qos: 1, retain: true });
  }

  private point(...points: IPoint[]): void {
    this.work.point(...points);
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
    this.recordJobEvents(event, [job], error);
    this.emit('job', event, job);
  }

  /** The InfluxDB side of job events: queued, started and done are counted per commit group
   * (daemon/influx/job-event-counts.ts), the others are a point each. */
  private recordJobEvents(event: JobEventInfo['event'], jobs: readonly JobRecord[], error?: string, queueDepth?: number): void {
    if (!COUNTED_EVENTS.has(event)) {
      for (const j of jobs) this.point(jobEventPoint(this.eventInfo(event, j, error, queueDepth)));
      return;
    }
    const depth = queueDepth ?? this.store.count('queued');
    const at = this.now();
    for (const j of jobs) {
      this.work.countEvent({
        event, model: j.model.name, boardKind: j.boardKind, backend: j.backend, tiling: j.tiling, arithmetic: arithmeticOf(j),
        suite: j.tags?.suite ?? 'adhoc', jobId: j.jobId, attempt: j.attempt, queueDepth: depth, at,
      });
    }
  }

  private lastPrune = 0;

  private writeHealth(): void {
    const t = this.now();
    try {
      this.work.run(() => {
        // Finished jobs stay in the store (they answer duplicate results and seed baselines) for
        // 90 days; their results live on in InfluxDB.
        if (t - this.lastPrune > 86_400_000) { this.lastPrune = t; this.store.pruneFinished(90 * 86_400_000); }
        this.point(...this.registry.allAgents().map((a) => agentHealthPoint(a.agentId, a.online, a.boards.length, a.version, t)));
        this.input.writeBoardStates();
        if (this.sink) this.point(daemonHealthPoint({ ...this.stats() }, t));
      });
    } catch (err) { this.log(`health snapshot failed: ${(err as Error).stack}`); }
  }
}
