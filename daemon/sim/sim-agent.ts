// A simulated lab agent that speaks the real MQTT contract (wire/mqtt.ts) against a real broker:
// retained status with last-will "offline", retained inventory, jobs in, progress and results
// out. It stands in for lab machines where none can exist — the daemon's tests before the real
// agent lands, and the ingest benchmark's many agents. Its "measurements" are a deterministic
// function of the job (stated as simulated, never reported as a measured figure).
//
// The benchmark runs 50 of these in one process on the cores the daemon is measured on, so the
// hot path is kept cheap without leaving out anything the real agent sends: payloads are JSON
// text spliced from pieces made once (a job identity's metrics, the agent's own fields), and the
// jobs that fall due together are answered in one timer callback — their messages then leave in
// one socket write (mqtt.js corks the socket until the next tick) instead of one write each.
import { createHash } from 'node:crypto';
import { freemem, loadavg } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import {
  AGENT_FEATURES, INVENTORY_FLIP_DELAY_MS, PROGRESS_QOS, statusVersion, type AgentFeature, reportsProgress, topics, encode, arithmeticOf, validateJobSpec, type AgentHealth, type BoardInfo, type JobPhase, type JobResult, type JobSpec, type ResultMetrics,
} from '../../wire/mqtt.ts';

export interface SimAgentOptions {
  brokerUrl: string;
  agentId: string;
  boards: Array<{ boardId: string; kind: string; state?: BoardInfo['state'] }>;
  /** Time a job takes, in ms. */
  jobMs?: number | ((spec: JobSpec) => number);
  /** Overrides the simulated outcome of a job. */
  outcome?: (spec: JobSpec) => { ok: true; metrics: ResultMetrics } | { ok: false; error: string };
  /** Do not answer jobs at all (a hung agent); they are recorded in `received`. */
  silent?: boolean;
  /** Publish every result twice (QoS 1 redelivery / a buggy agent). */
  duplicateResults?: boolean;
  /** Publish progress as the real agent does (accepted, building, flashing, running, then done or
   * failed after the result, where the job spec does not turn it off; default true). Off leaves the
   * results alone on the wire whatever the spec says. */
  progress?: boolean;
  /** Publish the retained inventory whenever a board turns busy or idle, as the real agent does
   * around each job (default false: the daemon's tests drive board states themselves). */
  boardStates?: boolean;
  /** Publish a health sample at start and every this many seconds, as the real agent does (its
   * rack file's default is 60; default here: none, the daemon's tests send their own). */
  healthIntervalS?: number;
  /** The protocol features advertised in the status (default: all, wire AGENT_FEATURES). With one
   * left out the agent also behaves as one older than it: without 'progress-opt-out' a spec
   * carrying `progress` is refused as that agent's strict validator refused it (a `failed`
   * phase, no result). */
  features?: readonly AgentFeature[];
  username?: string;
  password?: string;
  /** Keep every job spec and result in `received` / `results` (default true: tests read them). The
   * benchmark's fleet counts them only: 100,000 kept jobs and results made its heap, and its GC,
   * grow with the run on the cores the daemon is measured on. */
  record?: boolean;
}

/** Metrics by job identity and reps, as JSON: they are a function of it, and the benchmark's fleet
 * (its CPU shares the machine with the daemon it measures) would otherwise hash and serialize the
 * same few identities 100,000 times. */
const metricsCache = new Map<string, { metrics: ResultMetrics; json: string }>();

function metricsOf(spec: Pick<JobSpec, 'model' | 'boardKind' | 'backend' | 'tiling' | 'arithmetic' | 'reps'>): { metrics: ResultMetrics; json: string } {
  // Other kernels, other figures; reference keeps the identity it had before arithmetic existed.
  const arithmetic = arithmeticOf(spec) === 'reference' ? '' : `|${arithmeticOf(spec)}`;
  const identity = `${spec.model.name}|${spec.boardKind}|${spec.backend}|${spec.tiling}${arithmetic}`;
  const key = `${identity}#${spec.reps}`;
  const known = metricsCache.get(key);
  if (known) return known;
  const metrics = computeMetrics(identity, spec.boardKind, spec.reps);
  const made = { metrics, json: JSON.stringify(metrics) };
  if (metricsCache.size < 10_000) metricsCache.set(key, made);
  return made;
}

export function simulatedMetrics(spec: Pick<JobSpec, 'model' | 'boardKind' | 'backend' | 'tiling' | 'arithmetic' | 'reps'>): ResultMetrics {
  const m = metricsOf(spec).metrics;
  return { ...m, counts: [...m.counts] };
}

function computeMetrics(identity: string, boardKind: string, reps: number): ResultMetrics {
  const h = createHash('sha256').update(identity).digest();
  const count = 1_000_000 + h.readUInt32BE(0) % 50_000_000;
  const arena = 1024 + (h.readUInt16BE(4) % 64) * 1024;
  return {
    counter: boardKind.startsWith('qemu-') ? 'instructions' : 'cycles',
    count, counts: Array.from({ length: reps }, () => count), latencyUs: count / 25,
    stackBytes: 512 + h[6]!, heapBytes: 0, arenaBytes: arena, romBytes: 20_000 + h.readUInt16BE(8),
    ramBytes: arena + 4096, energyUj: Math.round(count / 25 * 0.33) / 1000, energyEstimated: true, outputsMatch: true,
  };
}

/** The simulated firmware's hash: a function of the model reference (kept per model name when the
 * reference is just the name — the benchmark's case — instead of hashed per job). */
const firmwareHashes = new Map<string, string>();
function firmwareHashOf(model: JobSpec['model']): string {
  const json = JSON.stringify(model);
  const known = firmwareHashes.get(json);
  if (known) return known;
  const h = createHash('sha256').update(json).digest('hex').slice(0, 16);
  if (json.length < 256 && firmwareHashes.size < 10_000) firmwareHashes.set(json, h);
  return h;
}

/** A job taken and not answered yet. */
interface Running { spec: JobSpec; boardId: string; startedAt: string; due: number }

/** What the real agent's serial capture reports for a clean run: one INF record per rep plus the
 * BOOT, MODEL, OUT and END records, no noise. */
const serialJson = (reps: number) => `{"records":${reps + 4},"noiseLines":0,"corruptLines":0}`;

export class SimAgent {
  client!: MqttClient;
  readonly received: JobSpec[] = [];
  readonly results: JobResult[] = [];
  /** Jobs received and results published (also when `record` is off). */
  receivedCount = 0;
  resultCount = 0;
  /** Specs refused as an older agent refused them (`features` without 'progress-opt-out'). */
  refusedCount = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly boards: BoardInfo[];
  /** Jobs with the same fixed duration fall due in the order they came: one timer for the head. */
  private readonly due: Running[] = [];
  private dueTimer: NodeJS.Timeout | undefined;
  private readonly boardById: Map<string, BoardInfo>;
  private flipTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly startedAtMs = Date.now();
  /** `"agentId":"<id>"`, spliced into every payload. */
  private readonly agentField: string;

  constructor(readonly opts: SimAgentOptions) {
    this.boards = opts.boards.map((b) => ({ boardId: b.boardId, kind: b.kind, virtual: b.kind.startsWith('qemu-'), state: b.state ?? 'idle' }));
    this.boardById = new Map(this.boards.map((b) => [b.boardId, b]));
    this.agentField = `"agentId":${JSON.stringify(opts.agentId)}`;
  }

  async start(): Promise<void> {
    const { agentId } = this.opts;
    this.client = mqtt.connect(this.opts.brokerUrl, {
      clientId: `sim-agent-${agentId}`, clean: true, protocolVersion: 4, reconnectPeriod: 0, keepalive: 30,
      ...(this.opts.username ? { username: this.opts.username, password: this.opts.password } : {}),
      will: { topic: topics.agentStatus(agentId), payload: encode({ v: 1, agentId, state: 'offline', ts: new Date().toISOString() }), qos: 1, retain: true },
    });
    await new Promise<void>((resolve, reject) => { this.client.once('connect', () => resolve()); this.client.once('error', reject); });
    this.client.on('message', (_t, payload) => this.onJob(payload));
    await this.client.subscribeAsync(topics.agentJobs(agentId), { qos: 1 });
    await this.client.publishAsync(topics.agentInventory(agentId), encode(this.inventory()), { qos: 1, retain: true });
    await this.client.publishAsync(topics.agentStatus(agentId), encode({ v: 1, agentId, state: 'online', version: statusVersion('sim', this.opts.features ?? AGENT_FEATURES), ts: new Date().toISOString() }), { qos: 1, retain: true });
    if (this.opts.healthIntervalS) {
      this.publishHealth();
      this.healthTimer = setInterval(() => this.publishHealth(), this.opts.healthIntervalS * 1000);
    }
  }

  /** A health sample like the real agent's (QoS 0; agents/health/health-sampler.ts), of this process's machine. */
  private publishHealth(): void {
    if (!this.client.connected) return;
    const health: AgentHealth = {
      v: 1, agentId: this.opts.agentId, ts: new Date().toISOString(), uptimeS: Math.floor((Date.now() - this.startedAtMs) / 1000),
      load1: loadavg()[0] ?? 0, memFreeBytes: freemem(),
      boards: this.boards.map((b) => ({
        boardId: b.boardId, kind: b.kind, state: b.state, consecutiveFailures: 0, quarantined: b.state === 'quarantined', serialNoiseLines: 0, serialCorruptLines: 0,
      })),
    };
    this.client.publish(topics.agentHealth(this.opts.agentId), encode(health), { qos: 0 });
  }

  private inventory() {
    return { v: 1 as const, agentId: this.opts.agentId, boards: this.boards, ts: new Date().toISOString() };
  }

  setBoardState(boardId: string, state: BoardInfo['state']): void {
    const b = this.boardById.get(boardId);
    if (b) b.state = state;
    this.publishInventory();
  }

  private onJob(payload: Buffer): void {
    const v = validateJobSpec(payload);
    if (!v.ok) return;
    const spec = v.value;
    if (spec.progress !== undefined && !(this.opts.features ?? AGENT_FEATURES).includes('progress-opt-out')) {
      // What an agent older than the field did: its validator refused the spec, it said `failed`.
      this.refusedCount++;
      this.client.publish(topics.agentProgress(this.opts.agentId), encode({
        v: 1, jobId: spec.jobId, agentId: this.opts.agentId, phase: 'failed', message: 'payload.progress is not a known field', ts: new Date().toISOString(),
      }), { qos: PROGRESS_QOS });
      return;
    }
    this.receivedCount++;
    if (this.opts.record !== false) this.received.push(spec);
    if (this.opts.silent) return;
    const startedAt = new Date().toISOString();
    const boardId = spec.boardId ?? this.boards.find((b) => b.kind === spec.boardKind)!.boardId;
    // The real agent says accepted on receipt, and building as the job starts on its board
    // (at once here: the board is free); flashing and running follow within the build's time.
    this.progress(spec, undefined, 'accepted', startedAt);
    this.setBusy(boardId, true);
    this.progress(spec, boardId, 'building', startedAt);
    this.progress(spec, boardId, 'flashing', startedAt);
    this.progress(spec, boardId, 'running', startedAt);
    const jobMs = this.opts.jobMs ?? 20;
    const job: Running = { spec, boardId, startedAt, due: 0 };
    if (typeof jobMs === 'number') {
      job.due = Date.now() + jobMs;
      this.due.push(job);
      this.dueTimer ??= setTimeout(() => this.answerDue(), jobMs);
      return;
    }
    const timer = setTimeout(() => { this.timers.delete(timer); this.answer(job, new Date().toISOString()); }, jobMs(spec));
    this.timers.add(timer);
  }

  /** Answers every job due by now, in one go, and waits for the next one. */
  private answerDue(): void {
    this.dueTimer = undefined;
    const now = Date.now();
    const finishedAt = new Date(now).toISOString();
    let n = 0;
    while (n < this.due.length && this.due[n]!.due <= now) this.answer(this.due[n++]!, finishedAt);
    this.due.splice(0, n);
    if (this.due.length) this.dueTimer = setTimeout(() => this.answerDue(), this.due[0]!.due - now);
  }

  /** Result, then the last progress: the real agent's order (its outbox holds the result first). */
  private answer(job: Running, finishedAt: string): void {
    const { spec, boardId, startedAt } = job;
    const outcome = this.opts.outcome?.(spec);
    const ok = outcome?.ok ?? true;
    const fields = `{"v":1,"jobId":${JSON.stringify(spec.jobId)},${this.agentField},"boardId":${JSON.stringify(boardId)},`
      + `"boardKind":${JSON.stringify(spec.boardKind)},"model":${JSON.stringify(spec.model.name)},"backend":${JSON.stringify(spec.backend)},`
      + `"tiling":${JSON.stringify(spec.tiling)},"arithmetic":"${arithmeticOf(spec)}","ok":${ok},`;
    const body = outcome === undefined ? `"metrics":${metricsOf(spec).json},"firmwareHash":"${firmwareHashOf(spec.model)}","serial":${serialJson(spec.reps)},`
      : outcome.ok ? `"metrics":${JSON.stringify(outcome.metrics)},"firmwareHash":"${firmwareHashOf(spec.model)}","serial":${serialJson(spec.reps)},`
        : `"error":${JSON.stringify(outcome.error)},`;
    const json = `${fields}${body}"attempt":${spec.attempt},"startedAt":"${startedAt}","finishedAt":"${finishedAt}"${spec.tags ? `,"tags":${JSON.stringify(spec.tags)}` : ''}}`;
    this.resultCount++;
    if (this.opts.record !== false) this.results.push(JSON.parse(json) as JobResult);
    const topic = topics.agentResults(this.opts.agentId);
    this.client.publish(topic, json, { qos: 1 });
    if (this.opts.duplicateResults) this.client.publish(topic, json, { qos: 1 });
    this.progress(spec, boardId, ok ? 'done' : 'failed', finishedAt, outcome && !outcome.ok ? outcome.error : undefined);
    this.setBusy(boardId, false);
  }

  /** The real agent's inventory around a job: busy when it starts on the board, idle after it —
   * held back as the agent holds it (agents/mqtt/inventory-pacer.ts): flips alone go out at most
   * INVENTORY_FLIP_DELAY_MS late, as one inventory with the latest states. */
  private setBusy(boardId: string, busy: boolean): void {
    if (!this.opts.boardStates) return;
    const b = this.boardById.get(boardId);
    if (!b || b.state !== (busy ? 'idle' : 'busy')) return;
    b.state = busy ? 'busy' : 'idle';
    if (this.flipTimer) return;
    this.flipTimer = setTimeout(() => this.publishInventory(), INVENTORY_FLIP_DELAY_MS);
  }

  private publishInventory(): void {
    if (this.flipTimer) clearTimeout(this.flipTimer);
    this.flipTimer = undefined;
    this.client.publish(topics.agentInventory(this.opts.agentId), encode(this.inventory()), { qos: 1, retain: true });
  }

  /** A progress phase, as the real agent sends it: unless the spec turned progress off (wire's
   * `reportsProgress`: `failed` still goes out). */
  private progress(spec: JobSpec, boardId: string | undefined, phase: JobPhase, ts: string, message?: string): void {
    if (this.opts.progress === false || !reportsProgress(spec, phase)) return;
    const { jobId } = spec;
    this.client.publish(topics.agentProgress(this.opts.agentId), `{"v":1,"jobId":${JSON.stringify(jobId)},${this.agentField}${boardId ? `,"boardId":${JSON.stringify(boardId)}` : ''},"phase":"${phase}"${message !== undefined ? `,"message":${JSON.stringify(message.slice(0, 2000))}` : ''},"ts":"${ts}"}`, { qos: PROGRESS_QOS });
  }

  /** Publishes a raw result (for stale/duplicate tests). */
  async publishResult(result: JobResult): Promise<void> {
    await this.client.publishAsync(topics.agentResults(this.opts.agentId), encode(result), { qos: 1 });
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
    if (this.flipTimer) clearTimeout(this.flipTimer);
    this.flipTimer = undefined;
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = undefined;
    this.due.length = 0;
  }

  /** Clean shutdown: retained "offline" status, then disconnect. */
  async stop(): Promise<void> {
    this.clearTimers();
    if (!this.client.connected) { this.client.end(true); return; }
    const { agentId } = this.opts;
    await this.client.publishAsync(topics.agentStatus(agentId), encode({ v: 1, agentId, state: 'offline', ts: new Date().toISOString() }), { qos: 1, retain: true });
    await this.client.endAsync();
  }

  /** Dies without a goodbye: the broker publishes the last will ("offline"). */
  crash(): void {
    this.clearTimers();
    this.client.stream.destroy();
    this.client.end(true);
  }
}
