// A simulated lab agent that speaks the real MQTT contract (wire/mqtt.ts) against a real broker:
// retained status with last-will "offline", retained inventory, jobs in, progress and results
// out. It stands in for lab machines where none can exist — the daemon's tests before the real
// agent lands, and the ingest benchmark's many agents. Its "measurements" are a deterministic
// function of the job (stated as simulated, never reported as a measured figure).
import { createHash } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import {
  topics, encode, arithmeticOf, validateJobSpec, type BoardInfo, type JobResult, type JobSpec, type ResultMetrics,
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
  /** Publish progress (accepted, done/failed) as well as results (default true; the ingest benchmark measures results alone). */
  progress?: boolean;
  username?: string;
  password?: string;
  /** Keep every job spec and result in `received` / `results` (default true: tests read them). The
   * benchmark's fleet counts them only: 100,000 kept jobs and results made its heap, and its GC,
   * grow with the run on the cores the daemon is measured on. */
  record?: boolean;
}

/** Metrics by job identity: they are a function of it, and the benchmark's fleet (its CPU shares
 * the machine with the daemon it measures) would otherwise hash the same few identities 100,000 times. */
const metricsCache = new Map<string, ResultMetrics>();

export function simulatedMetrics(spec: Pick<JobSpec, 'model' | 'boardKind' | 'backend' | 'tiling' | 'arithmetic' | 'reps'>): ResultMetrics {
  // Other kernels, other figures; reference keeps the identity it had before arithmetic existed.
  const arithmetic = arithmeticOf(spec) === 'reference' ? '' : `|${arithmeticOf(spec)}`;
  const identity = `${spec.model.name}|${spec.boardKind}|${spec.backend}|${spec.tiling}${arithmetic}`;
  const known = metricsCache.get(identity);
  if (known) return { ...known, counts: Array.from({ length: spec.reps }, () => known.count) };
  const m = computeMetrics(identity, spec.boardKind, spec.reps);
  if (metricsCache.size < 10_000) metricsCache.set(identity, m);
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

export class SimAgent {
  client!: MqttClient;
  readonly received: JobSpec[] = [];
  readonly results: JobResult[] = [];
  /** Jobs received and results published (also when `record` is off). */
  receivedCount = 0;
  resultCount = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private boards: BoardInfo[];

  constructor(readonly opts: SimAgentOptions) {
    this.boards = opts.boards.map((b) => ({ boardId: b.boardId, kind: b.kind, virtual: b.kind.startsWith('qemu-'), state: b.state ?? 'idle' }));
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
    await this.client.publishAsync(topics.agentStatus(agentId), encode({ v: 1, agentId, state: 'online', version: 'sim', ts: new Date().toISOString() }), { qos: 1, retain: true });
  }

  private inventory() {
    return { v: 1 as const, agentId: this.opts.agentId, boards: this.boards, ts: new Date().toISOString() };
  }

  setBoardState(boardId: string, state: BoardInfo['state']): void {
    this.boards = this.boards.map((b) => b.boardId === boardId ? { ...b, state } : b);
    this.client.publish(topics.agentInventory(this.opts.agentId), encode(this.inventory()), { qos: 1, retain: true });
  }

  private onJob(payload: Buffer): void {
    const v = validateJobSpec(payload);
    if (!v.ok) return;
    const spec = v.value;
    this.receivedCount++;
    if (this.opts.record !== false) this.received.push(spec);
    if (this.opts.silent) return;
    const { agentId } = this.opts;
    const startedAt = new Date().toISOString();
    const progress = this.opts.progress ?? true;
    if (progress) this.client.publish(topics.agentProgress(agentId), encode({ v: 1, jobId: spec.jobId, agentId, boardId: spec.boardId, phase: 'accepted', ts: startedAt }), { qos: 1 });
    const ms = typeof this.opts.jobMs === 'function' ? this.opts.jobMs(spec) : this.opts.jobMs ?? 20;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const outcome = this.opts.outcome?.(spec) ?? { ok: true as const, metrics: simulatedMetrics(spec) };
      const result: JobResult = {
        v: 1, jobId: spec.jobId, agentId, boardId: spec.boardId ?? this.boards.find((b) => b.kind === spec.boardKind)!.boardId,
        boardKind: spec.boardKind, model: spec.model.name, backend: spec.backend, tiling: spec.tiling,
        arithmetic: arithmeticOf(spec), ok: outcome.ok,
        ...(outcome.ok ? { metrics: outcome.metrics, firmwareHash: firmwareHashOf(spec.model) } : { error: outcome.error }),
        attempt: spec.attempt, startedAt, finishedAt: new Date().toISOString(), ...(spec.tags ? { tags: spec.tags } : {}),
      };
      this.resultCount++;
      if (this.opts.record !== false) this.results.push(result);
      if (progress) this.client.publish(topics.agentProgress(agentId), encode({ v: 1, jobId: spec.jobId, agentId, boardId: result.boardId, phase: outcome.ok ? 'done' : 'failed', ts: result.finishedAt }), { qos: 1 });
      this.client.publish(topics.agentResults(agentId), encode(result), { qos: 1 });
      if (this.opts.duplicateResults) this.client.publish(topics.agentResults(agentId), encode(result), { qos: 1 });
    }, ms);
    this.timers.add(timer);
  }

  /** Publishes a raw result (for stale/duplicate tests). */
  async publishResult(result: JobResult): Promise<void> {
    await this.client.publishAsync(topics.agentResults(this.opts.agentId), encode(result), { qos: 1 });
  }

  /** Clean shutdown: retained "offline" status, then disconnect. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    if (!this.client.connected) { this.client.end(true); return; }
    const { agentId } = this.opts;
    await this.client.publishAsync(topics.agentStatus(agentId), encode({ v: 1, agentId, state: 'offline', ts: new Date().toISOString() }), { qos: 1, retain: true });
    await this.client.endAsync();
  }

  /** Dies without a goodbye: the broker publishes the last will ("offline"). */
  crash(): void {
    for (const t of this.timers) clearTimeout(t);
    this.client.stream.destroy();
    this.client.end(true);
  }
}
