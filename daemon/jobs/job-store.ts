// The durable job store: every job and each of its state changes goes through the journal
// before the daemon acts on it, so after a restart the daemon knows exactly which jobs are
// queued, which are out on a board (with which attempt and deadline) and which are finished.
//
// State machine:  queued --dispatch--> dispatched --result(ok)--> done
//                    ^                     |   \--result(!ok)--> failed
//                    +----requeue----------+ (agent offline / deadline passed, attempt < max)
//                                          \--> failed (attempts exhausted)
// A result is accepted only for a dispatched job, from the agent holding it, for the current
// attempt: duplicates of a finished job and results of a stale attempt are ignored. A result built
// in another arithmetic than the job asked for (an agent older than the field ignores it) fails
// the job: its numbers answer a different question.
import type { ByoFields } from '../../wire/firmware-image.ts';
import { randomUUID } from 'node:crypto';
import { arithmeticOf, type Arithmetic, type Backend, type JobResult, type JobSpec, type ModelRef, type TilingMode } from '../../wire/mqtt.ts';
import { Journal } from './journal.ts';

export type JobState = 'queued' | 'dispatched' | 'done' | 'failed';

export interface JobRecord {
  jobId: string;
  /** Enqueue order (jobs created in the same millisecond still run oldest first). */
  seq: number;
  state: JobState;
  model: ModelRef;
  boardKind: string;
  /** Set when the job asks for one specific board. */
  wantBoardId?: string;
  backend: Backend;
  tiling: TilingMode;
  /** Set on every new job; absent only in records journaled before the field (= 'reference'). */
  arithmetic?: Arithmetic;
  reps: number;
  tags?: Record<string, string>;
  /** Bring your own firmware: the image, its protocol and who submitted it (wire/firmware-image.ts). */
  byo?: ByoFields;
  /** Attempts made so far (the current one while dispatched). */
  attempt: number;
  maxAttempts: number;
  /** Time one attempt may take before the daemon gives it up and re-queues. */
  attemptTimeoutMs: number;
  agentId?: string;
  boardId?: string;
  deadline?: number;
  createdAt: number;
  updatedAt: number;
  /** On-demand requests: where to send acknowledgement, progress and result. */
  request?: { requestId: string; replyTo: string };
  result?: JobResult;
  error?: string;
  /** Why earlier attempts ended (requeue reasons), oldest first. */
  history?: string[];
}

export interface NewJob {
  model: ModelRef; boardKind: string; boardId?: string; backend: Backend; tiling: TilingMode;
  /** Default 'reference'. */
  arithmetic?: Arithmetic;
  reps: number;
  tags?: Record<string, string>; request?: { requestId: string; replyTo: string };
  byo?: ByoFields;
  maxAttempts?: number; attemptTimeoutMs?: number; jobId?: string;
}

export type ResultVerdict =
  | { accepted: true; job: JobRecord }
  | { accepted: false; reason: 'unknown-job' | 'already-finished' | 'stale-attempt' | 'not-dispatched' | 'wrong-agent'; job?: JobRecord };

export class JobStore {
  private readonly journal: Journal<JobRecord>;
  private readonly defaults: { maxAttempts: number; attemptTimeoutMs: number };
  private nextSeq: number;

  constructor(path: string, defaults: { maxAttempts?: number; attemptTimeoutMs?: number } = {}, private readonly now: () => number = Date.now) {
    this.journal = new Journal<JobRecord>(path, (r) => r.jobId);
    this.defaults = { maxAttempts: defaults.maxAttempts ?? 3, attemptTimeoutMs: defaults.attemptTimeoutMs ?? 10 * 60_000 };
    this.nextSeq = this.journal.all().reduce((m, j) => Math.max(m, j.seq ?? 0), 0) + 1;
  }

  get(jobId: string): JobRecord | undefined { return this.journal.get(jobId); }
  all(): JobRecord[] { return this.journal.all(); }
  inState(state: JobState): JobRecord[] {
    return this.all().filter((j) => j.state === state).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0) || a.createdAt - b.createdAt);
  }
  count(state: JobState): number {
    let n = 0;
    for (const j of this.all()) if (j.state === state) n++;
    return n;
  }
  byRequest(requestId: string): JobRecord | undefined {
    return this.all().find((j) => j.request?.requestId === requestId);
  }
  byTag(key: string, value: string): JobRecord[] { return this.all().filter((j) => j.tags?.[key] === value); }

  enqueue(n: NewJob): JobRecord {
    return this.enqueueMany([n])[0]!;
  }

  /** Queues several jobs with one journal write. */
  enqueueMany(list: NewJob[]): JobRecord[] {
    const t = this.now();
    const jobs = list.map((n): JobRecord => ({
      jobId: n.jobId ?? randomUUID(), seq: this.nextSeq++, state: 'queued', model: n.model, boardKind: n.boardKind,
      ...(n.boardId ? { wantBoardId: n.boardId } : {}), backend: n.backend, tiling: n.tiling,
      arithmetic: arithmeticOf(n), reps: n.reps,
      ...(n.tags ? { tags: n.tags } : {}), ...(n.request ? { request: n.request } : {}), ...(n.byo ? { byo: n.byo } : {}),
      attempt: 0, maxAttempts: n.maxAttempts ?? this.defaults.maxAttempts,
      attemptTimeoutMs: n.attemptTimeoutMs ?? this.defaults.attemptTimeoutMs, createdAt: t, updatedAt: t,
    }));
    const ids = new Set<string>();
    for (const j of jobs) {
      if (this.journal.get(j.jobId) || ids.has(j.jobId)) throw new Error(`job ${j.jobId} already exists`);
      ids.add(j.jobId);
    }
    this.journal.putMany(jobs);
    return jobs;
  }

  /** Marks a queued job as out on a board; returns the JobSpec to send to the agent. */
  dispatch(jobId: string, agentId: string, boardId: string): JobSpec {
    return this.dispatchMany([{ jobId, agentId, boardId }])[0]!;
  }

  /** Several dispatches with one journal write (one dispatch round over all free boards). */
  dispatchMany(list: Array<{ jobId: string; agentId: string; boardId: string }>): JobSpec[] {
    const t = this.now();
    const nexts = list.map(({ jobId, agentId, boardId }): JobRecord => {
      const job = this.mustGet(jobId);
      if (job.state !== 'queued') throw new Error(`job ${jobId} is ${job.state}, not queued`);
      return { ...job, state: 'dispatched', attempt: job.attempt + 1, agentId, boardId, deadline: t + job.attemptTimeoutMs, updatedAt: t };
    });
    this.journal.putMany(nexts);
    return nexts.map(specOf);
  }

  /** Puts a dispatched job back in the queue, or fails it when its attempts are used up. */
  requeue(jobId: string, reason: string): JobRecord {
    const job = this.mustGet(jobId);
    if (job.state !== 'dispatched') return job;
    const history = [...(job.history ?? []), `attempt ${job.attempt} on ${job.boardId}: ${reason}`];
    const t = this.now();
    const exhausted = job.attempt >= job.maxAttempts;
    const next: JobRecord = exhausted
      ? { ...job, state: 'failed', error: `gave up after ${job.attempt} attempts: ${reason}`, history, updatedAt: t }
      : { ...without(job, ['agentId', 'boardId', 'deadline']), state: 'queued', history, updatedAt: t };
    this.journal.put(next);
    return next;
  }

  /** Cancels a job that has not finished (e.g. it can never be placed). */
  fail(jobId: string, error: string): JobRecord {
    const job = this.mustGet(jobId);
    if (job.state === 'done' || job.state === 'failed') return job;
    const next: JobRecord = { ...job, state: 'failed', error, updatedAt: this.now() };
    this.journal.put(next);
    return next;
  }

  /** Applies an agent's final result if it belongs to the job's current attempt. */
  complete(result: JobResult): ResultVerdict {
    const job = this.journal.get(result.jobId);
    if (!job) return { accepted: false, reason: 'unknown-job' };
    if (job.state === 'done' || job.state === 'failed') return { accepted: false, reason: 'already-finished', job };
    if (job.state !== 'dispatched') return { accepted: false, reason: 'not-dispatched', job };
    if (result.attempt !== job.attempt) return { accepted: false, reason: 'stale-attempt', job };
    if (result.agentId !== job.agentId) return { accepted: false, reason: 'wrong-agent', job };
    const applied = answersJob(result, job);
    const next: JobRecord = {
      ...job, state: applied.ok ? 'done' : 'failed', result: applied, updatedAt: this.now(),
      ...(applied.ok ? {} : { error: applied.error ?? 'agent reported failure' }),
    };
    this.journal.put(next);
    return { accepted: true, job: next };
  }

  /** Drops finished jobs older than maxAgeMs (their results are in InfluxDB by then). */
  pruneFinished(maxAgeMs: number): number {
    const cutoff = this.now() - maxAgeMs;
    return this.journal.prune((j) => !((j.state === 'done' || j.state === 'failed') && j.updatedAt < cutoff));
  }

  close(): void { this.journal.close(); }

  private mustGet(jobId: string): JobRecord {
    const j = this.journal.get(jobId);
    if (!j) throw new Error(`no job ${jobId}`);
    return j;
  }
}

/** A successful result built in another arithmetic than the job's becomes a failure saying so
 * (metrics kept for the record, but no result point or baseline is made of them). */
function answersJob(result: JobResult, job: JobRecord): JobResult {
  const built = arithmeticOf(result);
  const asked = arithmeticOf(job);
  if (!result.ok || built === asked) return result;
  return {
    ...result, ok: false,
    error: `agent ${result.agentId} built arithmetic ${built}, the job asked for ${asked} (an agent older than the arithmetic field?)`,
  };
}

export function specOf(job: JobRecord): JobSpec {
  if (job.boardId === undefined || job.deadline === undefined) throw new Error(`job ${job.jobId} is not dispatched`);
  return {
    v: 1, jobId: job.jobId, boardId: job.boardId, boardKind: job.boardKind, model: job.model,
    backend: job.backend, tiling: job.tiling, arithmetic: arithmeticOf(job), reps: job.reps, attempt: job.attempt, deadline: job.deadline,
    ...(job.tags ? { tags: job.tags } : {}), ...(job.byo ?? {}),
  };
}

function without<T extends object, K extends keyof T>(o: T, keys: K[]): Omit<T, K> {
  const c = { ...o };
  for (const k of keys) delete c[k];
  return c;
}
