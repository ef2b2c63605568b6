// The lab agent: serves the boards of one lab machine. Takes jobs addressed to it over MQTT, runs
// each on a board (one job per board at a time, boards in parallel): build -> flash -> run and
// capture -> report -> metrics -> durable outbox -> publish. Keeps a journal so a job delivered
// twice runs once and a job cut short by a crash is reported failed, never half reported.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AGENT_FEATURES, arithmeticOf, isSafeId, reportsProgress, statusVersion, validateJobSpec, type AgentFeature, type AgentHealth, type AgentInventory, type BoardInfo, type JobPhase, type JobResult, type JobSpec } from '../wire/mqtt.ts';
import type { RackConfig } from './config/rack-config.ts';
import { boardDefinitions, type AgentBoardDef } from './boards.ts';
import { systemEnumerator, type Enumerator } from './discovery/enumerate.ts';
import { DiscoveryWatcher } from './discovery/watcher.ts';
import type { DiscoveryResult } from './discovery/match.ts';
import { BoardHealth } from './health/board-health.ts';
import { HealthReporter, takeHealthSample } from './health/health-sampler.ts';
import { withRetries } from './health/retry.ts';
import { JobJournal } from './mqtt/journal.ts';
import { addResultProfile } from './pipeline/profile.ts';
import { AgentLink, resultKey } from './mqtt/link.ts';
import { InventoryPacer } from './mqtt/inventory-pacer.ts';
import { Outbox } from './mqtt/outbox.ts';
import { jobMetrics } from './pipeline/job-metrics.ts';
import { BuildStepError, type BoardSlot, type JobSteps, type StepContext } from './pipeline/types.ts';
import { resultLabels } from './pipeline/protocol-run.ts';
import { CaptureError } from './serial/capture.ts';

export const AGENT_VERSION = '0.1.0';
export const RESTARTED_DURING_JOB = 'agent restarted during job';

export interface AgentDeps {
  steps: JobSteps;
  enumerator?: Enumerator;
  log?: (msg: string) => void;
  /** The smoke job that decides whether a quarantined board may return. */
  smokeJob?: (board: BoardSlot) => JobSpec;
  /** The protocol features advertised in the status (default: all this agent understands, wire
   * AGENT_FEATURES). Tests pass [] to stand in for an agent older than them. */
  features?: readonly AgentFeature[];
}

interface Running { spec: JobSpec; abort: AbortController; done: Promise<void> }

export class Agent {
  readonly boards = new Map<string, BoardSlot>();
  readonly health: BoardHealth;
  readonly journal: JobJournal;
  readonly outbox: Outbox;
  readonly link: AgentLink;
  readonly healthReporter: HealthReporter;
  private readonly inventoryPacer = new InventoryPacer((inv) => this.link.setInventory(inv));
  private startedAtMs = Date.now();
  private queue: JobSpec[] = [];
  private running = new Map<string, Running>();
  private watcher: DiscoveryWatcher | undefined;
  private stopping = false;
  private log: (msg: string) => void;
  private defs = new Map<string, AgentBoardDef>();
  lastDiscovery: DiscoveryResult | undefined;

  constructor(readonly config: RackConfig, private deps: AgentDeps) {
    this.log = deps.log ?? ((m) => process.stderr.write(`[agent ${config.agentId}] ${m}\n`));
    this.health = new BoardHealth(config.health.quarantineAfter);
    this.journal = new JobJournal(join(config.workDir, 'journal'));
    this.outbox = new Outbox(join(config.workDir, 'outbox'));
    this.link = new AgentLink({
      agentId: config.agentId, broker: config.broker, outbox: this.outbox, version: statusVersion(AGENT_VERSION, deps.features ?? AGENT_FEATURES),
      onJob: (p) => this.onJobMessage(p), log: this.log,
    });
    this.healthReporter = new HealthReporter({
      intervalS: config.health.sampleIntervalS, sample: () => this.healthSample(),
      publish: (h) => { this.link.publishHealth(h); }, log: this.log,
    });
  }

  /** Sets up boards, recovers from a previous run, connects, and starts taking jobs. */
  async start(): Promise<void> {
    this.startedAtMs = Date.now();
    await this.prepare();
    await this.discover().catch((e: Error) => this.log(`discovery failed (physical boards count as missing until it works): ${e.message}`));
    this.recoverJournal();
    await this.link.connect();
    this.publishInventory();
    this.healthReporter.start();
    if (this.config.boards.length) {
      this.watcher!.on('change', (c) => this.onDiscoveryChange(c.attached, c.detached, c.result));
      this.watcher!.on('error', (e) => this.log(`discovery: ${e.message}`));
      this.watcher!.start(this.config.discoveryIntervalMs);
    }
    this.schedule();
  }

  /** Loads board definitions and sets up the board slots (no network, no devices). */
  async prepare(): Promise<void> {
    if (this.boards.size) return;
    this.defs = await boardDefinitions();
    this.setupBoards();
  }

  private setupBoards(): void {
    for (const v of this.config.virtual) {
      const def = this.defs.get(v.kind);
      if (!def) throw new Error(`${this.config.source}: virtual board kind "${v.kind}" is unknown (known: ${[...this.defs.keys()].sort().join(', ')})`);
      if (!def.virtual) throw new Error(`${this.config.source}: "${v.kind}" is a physical board; list it under boards, not virtual`);
      for (let i = 0; i < v.count; i++) {
        const boardId = `${this.config.agentId}-${v.kind}-${i}`;
        this.boards.set(boardId, { boardId, kind: v.kind, def, virtual: true, present: true });
        this.health.ensure(boardId);
      }
    }
    for (const b of this.config.boards) {
      const def = this.defs.get(b.kind);
      if (!def) throw new Error(`${this.config.source}: board ${b.id} has unknown kind "${b.kind}" (known: ${[...this.defs.keys()].sort().join(', ')})`);
      this.boards.set(b.id, { boardId: b.id, kind: b.kind, def, virtual: false, config: b, present: false, serialNumber: b.serialNumber, port: b.port });
      this.health.ensure(b.id, 'missing');
    }
  }

  /** One discovery pass (also used by `--list`). */
  async discover(): Promise<DiscoveryResult> {
    const probeSerials = this.config.boards.flatMap((b) => (b.probe?.serialNumber ? [b.probe.serialNumber] : []));
    this.watcher ??= new DiscoveryWatcher(this.deps.enumerator ?? systemEnumerator(), this.config.boards, this.defs, probeSerials);
    if (!this.config.boards.length) return (this.lastDiscovery = { matched: [], missing: [], unknown: [] });
    const res = await this.watcher.scan();
    this.applyDiscovery(res);
    return res;
  }

  private applyDiscovery(res: DiscoveryResult): void {
    this.lastDiscovery = res;
    for (const slot of this.boards.values()) {
      if (slot.virtual) continue;
      const m = res.matched.find((x) => x.boardId === slot.boardId);
      slot.present = m !== undefined;
      if (m) { slot.port = m.port ?? slot.config?.port; slot.serialNumber = m.serialNumber; slot.probePort = m.probePort; }
      const h = this.health.ensure(slot.boardId);
      if (!slot.present) this.health.setState(slot.boardId, 'missing');
      else if (h.state === 'missing') this.health.setState(slot.boardId, this.running.has(slot.boardId) ? 'busy' : 'idle');
    }
  }

  private onDiscoveryChange(attached: string[], detached: string[], res: DiscoveryResult): void {
    this.applyDiscovery(res);
    for (const id of detached) {
      this.log(`board ${id} disappeared`);
      // The job on an unplugged board cannot finish: fail it now, cleanly.
      this.running.get(id)?.abort.abort(new Error(`board ${id} was disconnected`));
    }
    for (const id of attached) this.log(`board ${id} is present`);
    this.publishInventory();
    this.schedule();
  }

  /** Jobs cut short by a crash are failed; jobs accepted but not started run now. */
  private recoverJournal(): void {
    for (const e of this.journal.unfinished()) {
      if (e.state === 'running' || !e.spec) {
        if (this.outbox.has(resultKey(e.jobId))) {
          // The job finished and its result reached the outbox just before the stop: it stands.
          this.journal.set(e.jobId, 'done');
          continue;
        }
        this.log(`job ${e.jobId} was running when the agent stopped: reporting it failed`);
        const spec = e.spec;
        const now = new Date().toISOString();
        if (spec) {
          const slot = e.boardId ? this.boards.get(e.boardId) : undefined;
          this.link.storeResult(this.failedResult(spec, slot, RESTARTED_DURING_JOB, e.updatedAt, now));
        }
        this.journal.set(e.jobId, 'failed', { reason: RESTARTED_DURING_JOB });
      } else {
        this.queue.push(e.spec);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Jobs in

  private onJobMessage(payload: Buffer): void {
    const v = validateJobSpec(payload);
    if (!v.ok) {
      let jobId = '(unknown)';
      // Echoed only when it is a safe id: a refused job's id may be 5 MB or hold a NUL.
      try { const j = JSON.parse(payload.toString('utf8')) as { jobId?: unknown }; if (isSafeId(j.jobId)) jobId = j.jobId; } catch { /* not JSON */ }
      const reason = `malformed job: ${v.errors.join('; ')}`;
      this.log(`rejected job ${jobId}: ${reason}`);
      this.progress({ jobId }, 'failed', undefined, reason);
      return;
    }
    const spec = v.value;
    // A delivery is identified by job id and attempt: QoS 1 may hand us the same attempt twice
    // (never run twice), while a higher attempt is the daemon re-queueing a job it gave up on
    // (run it; the daemon ignores whatever the stale attempt still reports).
    const seen = this.journal.get(spec.jobId);
    if (seen && (seen.spec?.attempt ?? 1) >= spec.attempt) {
      this.log(`job ${spec.jobId} attempt ${spec.attempt} delivered again (state ${seen.state}): not running it twice`);
      return;
    }
    // Journaled before the broker gets our acknowledgement: a crash now redelivers or recovers it.
    this.journal.set(spec.jobId, 'accepted', { spec });
    this.progress(spec, 'accepted');
    this.queue.push(spec);
    this.schedule();
  }

  /** Starts every queued job that has a free board; fails the ones that never can. */
  private schedule(): void {
    if (this.stopping) return;
    const keep: JobSpec[] = [];
    for (const spec of this.queue) {
      const candidates = [...this.boards.values()].filter((b) => (spec.boardId ? b.boardId === spec.boardId : b.kind === spec.boardKind));
      if (candidates.length === 0) {
        this.failWithoutBoard(spec, spec.boardId ? `this agent has no board ${spec.boardId}` : `this agent has no board of kind ${spec.boardKind}`);
        continue;
      }
      if (spec.boardId && candidates[0]!.kind !== spec.boardKind) {
        this.failWithoutBoard(spec, `board ${spec.boardId} is a ${candidates[0]!.kind}, not a ${spec.boardKind}`);
        continue;
      }
      if (Date.now() > spec.deadline) {
        this.failWithoutBoard(spec, 'deadline passed before a board was free');
        continue;
      }
      const free = candidates.find((b) => !this.running.has(b.boardId) && b.present && this.health.get(b.boardId)?.state === 'idle');
      if (!free) {
        const usable = candidates.some((b) => b.present && this.health.get(b.boardId)?.state !== 'quarantined');
        if (!usable) {
          const why = candidates.map((b) => `${b.boardId} ${this.health.get(b.boardId)?.state ?? 'unknown'}`).join(', ');
          this.failWithoutBoard(spec, `no usable board (${why})`);
        } else keep.push(spec);
        continue;
      }
      this.startJob(spec, free);
    }
    this.queue = keep;
  }

  private failWithoutBoard(spec: JobSpec, reason: string): void {
    this.log(`job ${spec.jobId} failed: ${reason}`);
    const now = new Date().toISOString();
    const entry = this.link.storeResult(this.failedResult(spec, undefined, reason, now, now));
    this.journal.set(spec.jobId, 'failed', { reason });
    this.progress(spec, 'failed', spec.boardId, reason);
    this.link.sendStored(entry).catch(() => {});
  }

  private startJob(spec: JobSpec, slot: BoardSlot): void {
    const abort = new AbortController();
    this.health.setState(slot.boardId, 'busy');
    this.journal.set(spec.jobId, 'running', { boardId: slot.boardId });
    const done = this.runJob(spec, slot, abort.signal)
      .catch((e: Error) => this.log(`job ${spec.jobId}: internal error: ${e.stack ?? e.message}`))
      .finally(() => {
        this.running.delete(slot.boardId);
        this.health.setState(slot.boardId, slot.present ? 'idle' : 'missing');
        this.publishInventory();
        this.schedule();
      });
    this.running.set(slot.boardId, { spec, abort, done });
    this.publishInventory();
  }

  // ---------------------------------------------------------------------------------------------
  // One job

  private async runJob(spec: JobSpec, slot: BoardSlot, signal: AbortSignal): Promise<void> {
    const startedAt = new Date().toISOString();
    const h = this.config.health;
    const ctx = (timeoutS: number): StepContext => ({
      signal, timeoutMs: timeoutS * 1000, workDir: join(this.config.workDir, 'jobs', safeName(spec.jobId)), log: (m) => this.log(`job ${spec.jobId}: ${m}`),
    });
    let result: JobResult;
    let boardFault = false;
    try {
      this.progress(spec, 'building', slot.boardId);
      const fw = await this.deps.steps.build(spec, slot, ctx(h.buildTimeoutS)).catch((e: Error) => {
        throw e instanceof BuildStepError ? e : new BuildStepError(`build failed: ${e.message}`);
      });
      throwIfAborted(signal);
      boardFault = true;
      const { run } = await withRetries(async () => {
        this.progress(spec, 'flashing', slot.boardId);
        const flashed = await this.deps.steps.flash(slot, fw, ctx(h.flashTimeoutS));
        throwIfAborted(signal);
        this.progress(spec, 'running', slot.boardId);
        const run = await this.deps.steps.run(slot, flashed, fw, ctx(h.runTimeoutS));
        return { flashed, run };
      }, h, {
        signal,
        onRetry: async (e, attempt, delay) => {
          this.log(`job ${spec.jobId} on ${slot.boardId}: attempt ${attempt} failed (${e.message.split('\n')[0]}); retrying in ${delay} ms`);
          if (this.deps.steps.recover) await this.deps.steps.recover(slot, ctx(h.flashTimeoutS)).catch((re: Error) => this.log(`recovering ${slot.boardId} failed: ${re.message}`));
        },
      });
      boardFault = false;
      const metrics = jobMetrics(run, fw, slot, (m) => this.log(`job ${spec.jobId}: ${m}`));
      result = {
        v: 1, jobId: spec.jobId, agentId: this.config.agentId, boardId: slot.boardId, boardKind: slot.kind,
        model: spec.model.name, backend: spec.backend, tiling: spec.tiling, arithmetic: fw.arithmetic, ok: true, metrics,
        firmwareHash: fw.firmwareHash, ...resultLabels(spec, fw, run),
        serial: { records: run.capture.stats.records, noiseLines: run.capture.stats.noiseLines, corruptLines: run.capture.stats.corruptLines },
        attempt: spec.attempt, startedAt, finishedAt: new Date().toISOString(), tags: spec.tags,
      };
      addResultProfile(metrics, run.capture.records, fw.profile, (m) => this.log(`job ${spec.jobId}: ${m}`));
      this.health.recordSuccess(slot.boardId);
    } catch (err) {
      const e = err as Error;
      const reason = signal.aborted ? `${(signal.reason as Error | undefined)?.message ?? 'aborted'}${e.message && !/aborted|cancel/i.test(e.message) ? ` (${e.message.split('\n')[0]})` : ''}` : e.message;
      result = this.failedResult(spec, slot, reason, startedAt, new Date().toISOString());
      if (err instanceof CaptureError) {
        const s = err.partial.stats;
        result.serial = { records: s.records, noiseLines: s.noiseLines, corruptLines: s.corruptLines };
      }
      // Count against the board only what is its doing: not a stop or an unplug (aborted), not a
      // firmware that reported its own error (an ERR record: the build's fault).
      const firmwareError = err instanceof CaptureError && err.failure === 'firmware-error';
      if (boardFault && !signal.aborted && !firmwareError) {
        if (this.health.recordFailure(slot.boardId, reason)) {
          this.log(`board ${slot.boardId} quarantined after ${this.config.health.quarantineAfter} failed jobs in a row`);
          void this.healthCheckLater(slot);
        }
      }
    }
    this.health.recordJobEnd(slot.boardId, result.finishedAt, result.serial);
    // Result into the outbox (durable), then the journal says done, then it is sent. A crash
    // before the journal entry finds the result in the outbox on restart and lets it stand;
    // a crash after finds the journal done and the outbox flush sends it. Never both outcomes.
    const entry = this.link.storeResult(result);
    this.journal.set(spec.jobId, result.ok ? 'done' : 'failed', { reason: result.error });
    // Not awaited: the board is free as soon as the result is durable; during a broker outage
    // the PUBACK may take long, and a stop must not wait for it (the outbox keeps the result).
    this.link.sendStored(entry).catch((e: Error) => this.log(`result of ${spec.jobId} stays in the outbox: ${e.message}`));
    this.progress(spec, result.ok ? 'done' : 'failed', slot.boardId, result.error);
    this.log(`job ${spec.jobId} on ${slot.boardId}: ${result.ok ? `ok, count ${result.metrics?.count}` : `failed: ${result.error?.split('\n')[0]}`}`);
  }

  private failedResult(spec: JobSpec, slot: BoardSlot | undefined, error: string, startedAt: string, finishedAt: string): JobResult {
    return {
      v: 1, jobId: spec.jobId, agentId: this.config.agentId, boardId: slot?.boardId ?? spec.boardId ?? `${this.config.agentId}-none`,
      boardKind: slot?.kind ?? spec.boardKind, model: spec.model.name, backend: spec.backend, tiling: spec.tiling,
      // Nothing was built (or it did not get far): the arithmetic the job asked for.
      arithmetic: arithmeticOf(spec), ok: false, error: error.slice(0, 4000), attempt: spec.attempt, startedAt, finishedAt, tags: spec.tags,
    };
  }

  /** A quarantined board returns after a smoke job passes; tried with backoff until it does. */
  private async healthCheckLater(slot: BoardSlot): Promise<void> {
    let delay = this.config.health.backoffMs;
    while (!this.stopping && this.health.get(slot.boardId)?.state === 'quarantined') {
      await new Promise((r) => setTimeout(r, delay).unref());
      if (this.stopping || !slot.present) continue;
      if (await this.healthCheck(slot)) {
        this.log(`board ${slot.boardId} passed its health check: back in service`);
        this.health.release(slot.boardId);
        this.publishInventory();
        this.schedule();
        return;
      }
      delay = Math.min(delay * this.config.health.backoffFactor, 10 * 60_000);
    }
  }

  /** Runs the smoke job on the board (recovering it first); true when it completes correctly. */
  async healthCheck(slot: BoardSlot): Promise<boolean> {
    const spec: JobSpec = this.deps.smokeJob?.(slot) ?? {
      v: 1, jobId: `health-${slot.boardId}-${Date.now()}`, boardId: slot.boardId, boardKind: slot.kind,
      model: { name: this.config.health.smokeModel }, backend: 'aot', tiling: 'none', reps: 1, attempt: 1, deadline: Date.now() + 3600_000,
    };
    const h = this.config.health;
    const abort = new AbortController();
    const ctx = (s: number): StepContext => ({ signal: abort.signal, timeoutMs: s * 1000, workDir: join(this.config.workDir, 'health', safeName(slot.boardId)), log: (m) => this.log(`health ${slot.boardId}: ${m}`) });
    try {
      if (this.deps.steps.recover) await this.deps.steps.recover(slot, ctx(h.flashTimeoutS));
      const fw = await this.deps.steps.build(spec, slot, ctx(h.buildTimeoutS));
      const flashed = await this.deps.steps.flash(slot, fw, ctx(h.flashTimeoutS));
      const run = await this.deps.steps.run(slot, flashed, fw, ctx(h.runTimeoutS));
      return jobMetrics(run, fw, slot).outputsMatch;
    } catch (e) {
      this.log(`health check of ${slot.boardId} failed: ${(e as Error).message.split('\n')[0]}`);
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Status out

  /** A progress phase of a job, unless its spec turned progress off (wire's `reportsProgress`). */
  private progress(spec: Pick<JobSpec, 'jobId' | 'progress'>, phase: JobPhase, boardId?: string, message?: string): void {
    if (!reportsProgress(spec, phase)) return;
    const { jobId } = spec;
    this.link.publishProgress({ v: 1, jobId, agentId: this.config.agentId, boardId, phase, message: message?.slice(0, 2000), ts: new Date().toISOString() });
  }

  inventory(): AgentInventory {
    const boards: BoardInfo[] = [...this.boards.values()].map((b) => {
      const h = this.health.get(b.boardId);
      return {
        boardId: b.boardId, kind: b.kind, virtual: b.virtual, state: h?.state ?? 'idle',
        ...(b.port ? { port: b.port } : {}), ...(b.serialNumber ? { serialNumber: b.serialNumber } : {}),
        failures: h?.consecutiveFailures ?? 0,
      };
    });
    return { v: 1, agentId: this.config.agentId, boards, ts: new Date().toISOString() };
  }

  private publishInventory(): void {
    const inv = this.inventory();
    this.inventoryPacer.offer(inv);
    this.healthReporter.noteStates(inv.boards);
  }

  /** The agent's health right now (what goes out on the health topic). */
  healthSample(): Promise<AgentHealth> {
    return takeHealthSample({
      agentId: this.config.agentId, startedAtMs: this.startedAtMs, workDir: this.config.workDir,
      boards: () => [...this.boards.values()].map((b) => ({ boardId: b.boardId, kind: b.kind })), health: this.health,
    });
  }

  /** Stops taking jobs, fails the running ones cleanly, publishes "offline", disconnects. */
  async stop(reason = 'agent stopping'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.healthReporter.stop();
    this.watcher?.stop();
    for (const r of this.running.values()) r.abort.abort(new Error(reason));
    await Promise.all([...this.running.values()].map((r) => r.done));
    this.inventoryPacer.flush();
    this.inventoryPacer.stop();
    await this.link.close();
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw (signal.reason as Error | undefined) ?? new Error('aborted');
}

/** A folder name for free text from the network (job ids, board ids): a readable prefix plus a
 * hash of the whole text, so ids that differ only after 40 characters or in characters a file
 * name cannot hold (`a/b`, `a_b`) never share a folder, and no id is too long for a path. */
export function safeName(s: string): string {
  return `${s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}-${createHash('sha256').update(s).digest('hex').slice(0, 16)}`;
}
