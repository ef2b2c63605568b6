// The durable job store: every job and each of its state changes is a row in the lab database
// (daemon/jobs/lab-db.ts), written inside the daemon's current unit of work — the same
// transaction as the InfluxDB points the change produces. After a restart the daemon knows
// exactly which jobs are queued, which are out on a board (with which attempt and deadline) and
// which are finished.
//
// State machine:  queued --dispatch--> dispatched --result(ok)--> done
//                    ^                     |   \--result(!ok)--> failed
//                    +----requeue----------+ (agent offline / deadline passed, attempt < max)
//                                          \--> failed (attempts exhausted)
// A result is accepted only for a dispatched job, for the current attempt, from the agent holding
// the lease, for the board and the spec it was given: duplicates of a finished job, results of a
// stale attempt and results naming another board or another spec are refused. A result built in
// another arithmetic than the job asked for (an agent older than the field ignores it) fails the
// job: its numbers answer a different question.
//
// Memory holds only unfinished jobs (queued, dispatched) — what dispatching reads all the time;
// finished jobs are read from the database when asked for, so memory does not grow with history.
//
// A row is the job's record (JSON) plus its lease in columns (state, attempt, agent_id, board_id,
// deadline, updated_at), and the columns win: a dispatch — one of the three writes every job
// gets — updates the columns alone instead of re-serializing and rewriting the whole record
// (profiled as the largest single cost of ingest: JSON and row bytes). Every other change writes
// record and columns together — except a result, the last write: the finished state, the result
// (its JSON alone: the payload's own text when the daemon did not change it) and the error go to
// columns of their own, the record stays as it was (schema 5: rewriting the record with the
// result inside it was the largest share of the store's time per result). Rows without lease columns (attempt NULL: written before them, or imported) are their
// record alone; rows with result and error NULL hold those in the record, if anywhere.
import type { ByoFields } from '../../wire/firmware-image.ts';
import { newJobId } from './job-id.ts';
import { arithmeticOf, type AgentFeature, type Arithmetic, type Backend, type JobResult, type JobSpec, type ModelRef, type TilingMode } from '../../wire/mqtt.ts';
import { openLabDb, type LabDb } from './lab-db.ts';
import { UploadStore } from './uploads.ts';
import type Database from 'better-sqlite3';

export type JobState = 'queued' | 'dispatched' | 'done' | 'failed';
const STATES: JobState[] = ['queued', 'dispatched', 'done', 'failed'];

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
  /** Uploaded content held once by hash in the lab database (daemon/jobs/uploads.ts) instead of in
   * this record: `model` has no tfliteBase64 and `byo` no firmware while these are set; the
   * JobSpec (JobStore.specOf) carries the content again. Records written before hold it inline. */
  uploads?: { model?: { sha256: string }; firmware?: { sha256: string; name: string } };
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

export type RefusalReason = 'unknown-job' | 'already-finished' | 'stale-attempt' | 'not-dispatched' | 'wrong-agent' | 'wrong-board' | 'wrong-spec';

export type ResultVerdict =
  | { accepted: true; job: JobRecord }
  | { accepted: false; reason: RefusalReason; job?: JobRecord };

export class JobStore {
  readonly lab: LabDb;
  readonly uploads: UploadStore;
  private readonly ownsDb: boolean;
  private readonly defaults: { maxAttempts: number; attemptTimeoutMs: number };
  private nextSeq = 1;
  /** Unfinished jobs by id. */
  private live = new Map<string, JobRecord>();
  /** Queued job ids in seq order; entries whose job left the queue are skipped and dropped lazily. */
  private queue: Array<{ seq: number; jobId: string }> = [];
  /** queue[0..head) are known to have left the queue (dispatching takes from the front). */
  private head = 0;
  private inQueue = new Set<string>();
  /** Jobs out on boards (the daemon's leases), kept in step so a look does not walk a long queue. */
  private leases = new Set<string>();
  /** The boards those jobs are on, with how many (one, unless something went wrong), kept in step:
   * every dispatch round asks, and building the set from the leases walked them all each time. */
  private leasedCount = new Map<string, number>();
  private leased = new Set<string>();
  private counts: Record<JobState, number> = { queued: 0, dispatched: 0, done: 0, failed: 0 };
  /** Unfinished jobs per suite run, kept in step: "was this the run's last job?" is asked after
   * every result, and reading the whole run from the database each time made a run of n jobs
   * cost n² row reads. */
  private openInRun = new Map<string, number>();
  private readonly sql: {
    insert: Database.Statement; update: Database.Statement; lease: Database.Statement; finish: Database.Statement; get: Database.Statement; all: Database.Statement; bySuiteRun: Database.Statement;
    byRequest: Database.Statement; pruneIds: Database.Statement; del: Database.Statement;
  };

  /** Whether an agent advertised a protocol feature (the daemon points it at its registry). Every
   * spec, at dispatch and when re-sent, is made by specOf with it; the default, nothing advertised,
   * is the spec every agent accepts. */
  agentHasFeature: (agentId: string, feature: AgentFeature) => boolean = () => false;

  /** db: the lab database, or the path of one (opened and closed by this store). */
  constructor(db: LabDb | string, defaults: { maxAttempts?: number; attemptTimeoutMs?: number } = {}, private readonly now: () => number = Date.now) {
    this.ownsDb = typeof db === 'string';
    this.lab = typeof db === 'string' ? openLabDb(db) : db;
    this.defaults = { maxAttempts: defaults.maxAttempts ?? 3, attemptTimeoutMs: defaults.attemptTimeoutMs ?? 10 * 60_000 };
    this.uploads = new UploadStore(this.lab);
    const d = this.lab.db;
    this.sql = {
      insert: d.prepare(`INSERT INTO jobs (job_id, seq, state, agent_id, suite, suite_run, request_id, updated_at, record, attempt, board_id, deadline)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      update: d.prepare('UPDATE jobs SET state = ?, agent_id = ?, updated_at = ?, record = ?, attempt = ?, board_id = ?, deadline = ?, result = NULL, error = NULL WHERE job_id = ?'),
      lease: d.prepare('UPDATE jobs SET state = ?, agent_id = ?, updated_at = ?, attempt = ?, board_id = ?, deadline = ? WHERE job_id = ?'),
      finish: d.prepare('UPDATE jobs SET state = ?, agent_id = ?, updated_at = ?, attempt = ?, board_id = ?, deadline = ?, result = ?, error = ? WHERE job_id = ?'),
      get: d.prepare(`SELECT ${ROW} FROM jobs WHERE job_id = ?`),
      all: d.prepare(`SELECT ${ROW} FROM jobs ORDER BY seq`),
      bySuiteRun: d.prepare(`SELECT ${ROW} FROM jobs WHERE suite_run = ? ORDER BY seq`),
      byRequest: d.prepare(`SELECT ${ROW} FROM jobs WHERE request_id = ? LIMIT 1`),
      pruneIds: d.prepare(`SELECT job_id FROM jobs WHERE state IN ('done', 'failed') AND updated_at < ?`).pluck(),
      del: d.prepare('DELETE FROM jobs WHERE job_id = ?'),
    };
    this.lab.onRollback(() => this.load());
    this.load();
  }

  /** (Re)reads the unfinished jobs and the counts from the database (at open, and after a rollback). */
  private load(): void {
    const d = this.lab.db;
    this.live = new Map();
    for (const row of d.prepare(`SELECT ${ROW} FROM jobs WHERE state IN ('queued', 'dispatched') ORDER BY seq`).all() as JobRow[]) {
      const j = jobOf(row);
      this.live.set(j.jobId, j);
    }
    this.counts = { queued: 0, dispatched: 0, done: 0, failed: 0 };
    for (const row of d.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: JobState; n: number }>) {
      if (STATES.includes(row.state)) this.counts[row.state] = row.n;
    }
    this.nextSeq = ((d.prepare('SELECT max(seq) FROM jobs').pluck().get() as number | null) ?? 0) + 1;
    this.queue = [...this.live.values()].filter((j) => j.state === 'queued').map((j) => ({ seq: j.seq, jobId: j.jobId }));
    this.head = 0;
    this.inQueue = new Set(this.queue.map((q) => q.jobId));
    this.leases = new Set([...this.live.values()].filter((j) => j.state === 'dispatched').map((j) => j.jobId));
    this.leasedCount = new Map();
    this.leased = new Set();
    for (const id of this.leases) this.lease(this.live.get(id)!.boardId, 1);
    this.openInRun = new Map();
    for (const j of this.live.values()) if (j.tags?.suiteRun) this.openInRun.set(j.tags.suiteRun, (this.openInRun.get(j.tags.suiteRun) ?? 0) + 1);
  }

  /** Jobs of a suite run not finished yet (0: the run is over, or unknown). */
  unfinishedInRun(runId: string): number { return this.openInRun.get(runId) ?? 0; }

  get(jobId: string): JobRecord | undefined {
    const hot = this.live.get(jobId);
    if (hot) return hot;
    const row = this.sql.get.get(jobId) as JobRow | undefined;
    return row ? jobOf(row) : undefined;
  }

  /** Every job, finished ones included (reads the database: not for hot paths). */
  all(): JobRecord[] { return (this.sql.all.all() as JobRow[]).map(jobOf); }

  inState(state: JobState): JobRecord[] {
    if (state === 'queued') return [...this.queued()];
    if (state === 'dispatched') return [...this.leases].map((id) => this.live.get(id)!).sort((a, b) => a.seq - b.seq);
    return (this.lab.db.prepare(`SELECT ${ROW} FROM jobs WHERE state = ? ORDER BY seq`).all(state) as JobRow[]).map(jobOf);
  }

  /** Queued jobs, oldest first (lazy: dispatching usually stops after the first few). */
  *queued(): Generator<JobRecord> {
    // Skip (for good) the front entries that were dispatched since the last look.
    while (this.head < this.queue.length && !this.isQueued(this.queue[this.head]!.jobId)) this.inQueue.delete(this.queue[this.head++]!.jobId);
    if (this.head > 1024 && this.head * 2 > this.queue.length) { this.queue = this.queue.slice(this.head); this.head = 0; }
    let stale = 0;
    for (let i = this.head; i < this.queue.length; i++) {
      const j = this.live.get(this.queue[i]!.jobId);
      if (j?.state === 'queued') yield j; else stale++;
    }
    if (stale > 64 && stale * 2 > this.queue.length - this.head) this.compactQueue();
  }

  private isQueued(jobId: string): boolean { return this.live.get(jobId)?.state === 'queued'; }

  private compactQueue(): void {
    this.queue = this.queue.slice(this.head).filter((q) => this.isQueued(q.jobId));
    this.head = 0;
    this.inQueue = new Set(this.queue.map((q) => q.jobId));
  }

  count(state: JobState): number { return this.counts[state]; }

  /** Boards with a job out on them (the daemon's leases): a live view, kept in step by the store. */
  leasedBoards(): ReadonlySet<string> { return this.leased; }

  private lease(boardId: string | undefined, delta: 1 | -1): void {
    if (!boardId) return;
    const n = (this.leasedCount.get(boardId) ?? 0) + delta;
    if (n > 0) { this.leasedCount.set(boardId, n); this.leased.add(boardId); } else { this.leasedCount.delete(boardId); this.leased.delete(boardId); }
  }

  dispatchedTo(agentId: string): JobRecord[] {
    return this.inState('dispatched').filter((j) => j.agentId === agentId);
  }

  byRequest(requestId: string): JobRecord | undefined {
    const row = this.sql.byRequest.get(requestId) as JobRow | undefined;
    return row ? jobOf(row) : undefined;
  }

  byTag(key: string, value: string): JobRecord[] {
    if (key === 'suiteRun') return (this.sql.bySuiteRun.all(value) as JobRow[]).map(jobOf);
    return this.all().filter((j) => j.tags?.[key] === value);
  }

  /** The oldest unfinished job of a suite, if any (a run of it is still going). */
  unfinishedOfSuite(suite: string): JobRecord | undefined {
    // From memory, which holds every unfinished job: an index on (suite, state) for this cost a
    // move of its entry at each state change of every job (lab-db.ts, schema 4).
    let oldest: JobRecord | undefined;
    for (const j of this.live.values()) if (j.tags?.suite === suite && (!oldest || j.seq < oldest.seq)) oldest = j;
    return oldest;
  }

  enqueue(n: NewJob): JobRecord {
    return this.enqueueMany([n])[0]!;
  }

  /** Queues several jobs in one transaction. */
  enqueueMany(list: NewJob[]): JobRecord[] {
    const t = this.now();
    return this.lab.tx(() => {
      const jobs = list.map((n): JobRecord => ({
        jobId: n.jobId ?? newJobId(t), seq: this.nextSeq++, state: 'queued', model: n.model, boardKind: n.boardKind,
        ...(n.boardId ? { wantBoardId: n.boardId } : {}), backend: n.backend, tiling: n.tiling,
        arithmetic: arithmeticOf(n), reps: n.reps,
        ...(n.tags ? { tags: n.tags } : {}), ...(n.request ? { request: n.request } : {}), ...(n.byo ? { byo: n.byo } : {}),
        attempt: 0, maxAttempts: n.maxAttempts ?? this.defaults.maxAttempts,
        attemptTimeoutMs: n.attemptTimeoutMs ?? this.defaults.attemptTimeoutMs, createdAt: t, updatedAt: t,
      })).map((j) => this.storeUploads(j, t));
      // Ids the store makes (time-ordered, random) are new; a caller's own id is checked (a row
      // lookup each: not done for the 100,000 ids of a suite firing).
      const ids = new Set<string>();
      list.forEach((n, i) => {
        const id = jobs[i]!.jobId;
        if (n.jobId !== undefined && (this.get(id) || ids.has(id))) throw new Error(`job ${id} already exists`);
        ids.add(id);
      });
      for (const j of jobs) this.put(j);
      return jobs;
    });
  }

  /** Marks a queued job as out on a board; returns the JobSpec to send to the agent. */
  dispatch(jobId: string, agentId: string, boardId: string): JobSpec {
    return this.dispatchMany([{ jobId, agentId, boardId }])[0]!;
  }

  /** Several dispatches in one transaction (one dispatch round over all free boards). */
  dispatchMany(list: Array<{ jobId: string; agentId: string; boardId: string }>): JobSpec[] {
    const t = this.now();
    return this.lab.tx(() => list.map(({ jobId, agentId, boardId }) => {
      const job = this.mustGet(jobId);
      if (job.state !== 'queued') throw new Error(`job ${jobId} is ${job.state}, not queued`);
      const next = changed(job, { state: 'dispatched', attempt: job.attempt + 1, agentId, boardId, deadline: t + job.attemptTimeoutMs, updatedAt: t });
      this.put(next, 'lease');
      return this.specOf(next);
    }));
  }

  /** Puts a dispatched job back in the queue, or fails it when its attempts are used up. */
  requeue(jobId: string, reason: string): JobRecord {
    const job = this.mustGet(jobId);
    if (job.state !== 'dispatched') return job;
    const history = [...(job.history ?? []), `attempt ${job.attempt} on ${job.boardId}: ${reason}`];
    const t = this.now();
    const exhausted = job.attempt >= job.maxAttempts;
    const next: JobRecord = exhausted
      ? changed(job, { state: 'failed', error: `gave up after ${job.attempt} attempts: ${reason}`, history, updatedAt: t })
      : { ...without(job, ['agentId', 'boardId', 'deadline']), state: 'queued', history, updatedAt: t };
    this.lab.tx(() => this.put(next));
    return next;
  }

  /** Cancels a job that has not finished (e.g. it can never be placed). */
  fail(jobId: string, error: string): JobRecord {
    const job = this.mustGet(jobId);
    if (job.state === 'done' || job.state === 'failed') return job;
    const next = changed(job, { state: 'failed', error, updatedAt: this.now() });
    this.lab.tx(() => this.put(next));
    return next;
  }

  /** Applies an agent's final result if it answers the job's current lease. resultJson: the
   * result's JSON text if the caller has it (the payload it was parsed from: stored as is). */
  complete(result: JobResult, resultJson?: string): ResultVerdict {
    const job = this.get(result.jobId);
    if (!job) return { accepted: false, reason: 'unknown-job' };
    if (job.state === 'done' || job.state === 'failed') return { accepted: false, reason: 'already-finished', job };
    if (job.state !== 'dispatched') return { accepted: false, reason: 'not-dispatched', job };
    if (result.attempt !== job.attempt) return { accepted: false, reason: 'stale-attempt', job };
    if (result.agentId !== job.agentId) return { accepted: false, reason: 'wrong-agent', job };
    if (result.boardId !== job.boardId) return { accepted: false, reason: 'wrong-board', job };
    if (result.model !== job.model.name || result.boardKind !== job.boardKind || result.backend !== job.backend || result.tiling !== job.tiling) {
      return { accepted: false, reason: 'wrong-spec', job };
    }
    const applied = answersJob(result, job);
    const next = changed(job, { state: applied.ok ? 'done' : 'failed', result: applied, updatedAt: this.now() });
    if (!applied.ok) next.error = applied.error ?? 'agent reported failure';
    this.lab.tx(() => this.put(next, 'finish', applied === result ? resultJson : undefined));
    return { accepted: true, job: next };
  }

  /** The JobSpec for a dispatched job, its uploaded content put back from the uploads table. */
  specOf(job: JobRecord): JobSpec {
    const spec = specOf(job, job.agentId !== undefined && this.agentHasFeature(job.agentId, 'progress-opt-out'));
    const u = job.uploads;
    if (u?.model) spec.model = { name: job.model.name, tfliteBase64: this.uploads.base64(u.model.sha256), sha256: u.model.sha256 };
    if (u?.firmware) spec.firmware = { name: u.firmware.name, elfBase64: this.uploads.base64(u.firmware.sha256), sha256: u.firmware.sha256 };
    return spec;
  }

  /** A new job's uploaded content goes to the uploads table (once per content); the record keeps its hash. */
  private storeUploads(j: JobRecord, t: number): JobRecord {
    const tflite = j.model.tfliteBase64;
    const firmware = j.byo?.firmware;
    if (tflite === undefined && !firmware) return j;
    const out: JobRecord = { ...j, uploads: {} };
    if (tflite !== undefined) {
      out.model = { name: j.model.name };
      out.uploads!.model = { sha256: this.uploads.put(tflite, t) };
    }
    if (firmware) {
      const { firmware: _content, ...byo } = j.byo!;
      out.byo = byo;
      out.uploads!.firmware = { sha256: this.uploads.put(firmware.elfBase64, t), name: firmware.name };
    }
    return out;
  }

  /** Drops finished jobs older than maxAgeMs (their results are in InfluxDB by then), and the
   * uploads no remaining job names. */
  pruneFinished(maxAgeMs: number): number {
    const ids = this.sql.pruneIds.all(this.now() - maxAgeMs) as string[];
    if (!ids.length) return 0;
    this.lab.tx(() => { for (const id of ids) this.sql.del.run(id); this.uploads.prune(); });
    this.load();
    return ids.length;
  }

  close(): void { if (this.ownsDb) this.lab.close(); }

  /** Writes one record and keeps memory (live jobs, queue order, counts) in step. Callers are
   * inside a transaction; a rollback reloads memory from the database. */
  private put(next: JobRecord, write: 'record' | 'lease' | 'finish' = 'record', resultJson?: string): void {
    // Only unfinished jobs change state, so the previous state is in memory (or the job is new).
    // A plain UPDATE (an upsert first tried the insert), positional parameters (named ones are
    // looked up by name on every run); a lease change (dispatch) leaves the record as it is, and
    // so does a result (its columns: see the top of the file).
    const prev = this.live.get(next.jobId);
    const lease = [next.attempt, next.boardId ?? null, next.deadline ?? null] as const;
    if (prev && write === 'lease') this.sql.lease.run(next.state, next.agentId ?? null, next.updatedAt, ...lease, next.jobId);
    else if (prev && write === 'finish') {
      const result = resultJson ?? (next.result ? JSON.stringify(next.result) : null);
      this.sql.finish.run(next.state, next.agentId ?? null, next.updatedAt, ...lease, result, next.error ?? null, next.jobId);
    } else if (prev) this.sql.update.run(next.state, next.agentId ?? null, next.updatedAt, JSON.stringify(next), ...lease, next.jobId);
    else {
      this.sql.insert.run(next.jobId, next.seq, next.state, next.agentId ?? null, next.tags?.suite ?? null, next.tags?.suiteRun ?? null,
        next.request?.requestId ?? null, next.updatedAt, JSON.stringify(next), ...lease);
    }
    if (prev) this.counts[prev.state]--;
    this.counts[next.state]++;
    const run = next.tags?.suiteRun;
    const open = next.state === 'queued' || next.state === 'dispatched';
    if (run && !prev && open) this.openInRun.set(run, (this.openInRun.get(run) ?? 0) + 1);
    if (run && prev && !open) { const n = (this.openInRun.get(run) ?? 1) - 1; if (n > 0) this.openInRun.set(run, n); else this.openInRun.delete(run); }
    if (prev?.state === 'dispatched') this.lease(prev.boardId, -1);
    if (next.state === 'dispatched') { this.leases.add(next.jobId); this.lease(next.boardId, 1); } else this.leases.delete(next.jobId);
    if (next.state === 'queued' || next.state === 'dispatched') this.live.set(next.jobId, next);
    else this.live.delete(next.jobId);
    if (next.state === 'queued' && !this.inQueue.has(next.jobId)) {
      // New jobs have the highest seq (append); a re-queued one goes back to its place (which
      // may lie before the head: then the head moves back to it).
      let i = this.queue.length;
      if (i && this.queue[i - 1]!.seq > next.seq) {
        let lo = 0; let hi = i;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (this.queue[mid]!.seq < next.seq) lo = mid + 1; else hi = mid; }
        i = lo;
      }
      this.queue.splice(i, 0, { seq: next.seq, jobId: next.jobId });
      if (i < this.head) this.head = i;
      this.inQueue.add(next.jobId);
    }
  }

  private mustGet(jobId: string): JobRecord {
    const j = this.get(jobId);
    if (!j) throw new Error(`no job ${jobId}`);
    return j;
  }
}

/** The columns a job is read from: its record and its lease. */
const ROW = 'record, state, attempt, agent_id, board_id, deadline, updated_at, result, error';
interface JobRow {
  record: string; state: JobState; attempt: number | null; agent_id: string | null; board_id: string | null; deadline: number | null; updated_at: number;
  result: string | null; error: string | null;
}

/** A row as the job it holds: the record, with the lease and result columns over it (see the top of the file). */
function jobOf(row: JobRow): JobRecord {
  const j = JSON.parse(row.record) as JobRecord;
  if (row.result !== null) j.result = JSON.parse(row.result) as JobResult;
  if (row.error !== null) j.error = row.error;
  if (row.attempt === null) return j;
  j.state = row.state;
  j.attempt = row.attempt;
  j.updatedAt = row.updated_at;
  if (row.agent_id !== null) j.agentId = row.agent_id; else delete j.agentId;
  if (row.board_id !== null) j.boardId = row.board_id; else delete j.boardId;
  if (row.deadline !== null) j.deadline = row.deadline; else delete j.deadline;
  return j;
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

/** The JobSpec of a dispatched job as its record holds it (uploads by hash: JobStore.specOf). */
function specOf(job: JobRecord, progressOptOut: boolean): JobSpec {
  if (job.boardId === undefined || job.deadline === undefined) throw new Error(`job ${job.jobId} is not dispatched`);
  return {
    v: 1, jobId: job.jobId, boardId: job.boardId, boardKind: job.boardKind, model: job.model,
    backend: job.backend, tiling: job.tiling, arithmetic: arithmeticOf(job), reps: job.reps, attempt: job.attempt, deadline: job.deadline,
    ...(job.tags ? { tags: job.tags } : {}), ...(job.byo ?? {}),
    // Progress reaches only a flash request's requester (agent-input.ts): without one, nobody waits
    // for it. Only to an agent that advertised it understands the field: an older agent refuses a
    // spec carrying it (docs/mqtt-contract.md, Agent features).
    ...(job.request || !progressOptOut ? {} : { progress: false }),
  };
}

/** A copy of a record with some fields set. Not `{ ...job, state, agentId, ... }`: in V8 a spread
 * followed by fields the source lacks (agentId at dispatch, result at the end) made a new hidden
 * class per field per copy — 3-5.7 µs a record against 0.5-0.9 µs for Object.assign (microbenchmark),
 * and dispatch alone was ~4 % of the ingest daemon's samples. Same fields, same key order. */
function changed(job: JobRecord, changes: Partial<JobRecord>): JobRecord {
  return Object.assign({}, job, changes);
}

function without<T extends object, K extends keyof T>(o: T, keys: K[]): Omit<T, K> {
  const c = { ...o };
  for (const k of keys) delete c[k];
  return c;
}
