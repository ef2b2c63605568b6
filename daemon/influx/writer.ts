// Batched writes to InfluxDB 1.x from the lab database's point table (daemon/influx/point-queue.ts).
// Points enter that table in the same transaction as the job state that produced them; the writer
// takes the oldest batch (whole rows of the point table), writes it, and deletes it only after
// InfluxDB answered for every point of it. While
// InfluxDB is down the table grows and is retried with backoff; after a restart the table is
// simply still there. Points carry their own timestamps, so a batch written twice (accepted, then
// the daemon died before the delete) overwrites itself: never lost, never doubled.
//
// The writer never wedges on one bad point. A point the line checker refuses, or that InfluxDB
// answers with 400 (`unable to parse`, `points beyond retention policy`, `field type conflict`),
// is set aside in dead_points with the reason — a log line each time, a counter, a health point —
// and the points behind it keep flowing. A 400 for a batch is narrowed down by halving (every
// re-write of an accepted point is a no-op overwrite), so k bad points in a batch of n cost about
// k·log2(n) extra requests.
import { InfluxDB, type IPoint } from 'influx';
import { schema, MEASUREMENTS } from './schema.ts';
import { checkPoint } from './line-safety.ts';
import { PointQueue } from './point-queue.ts';
import { openLabDb, type LabDb } from '../jobs/lab-db.ts';

export interface InfluxSinkOptions {
  /** e.g. http://127.0.0.1:8086 */
  url: string;
  database: string;
  /** The daemon's point table; without it the sink keeps its own database at spoolPath. */
  queue?: PointQueue;
  spoolPath?: string;
  batchSize?: number;
  flushIntervalMs?: number;
  /** Raw data retention (InfluxDB duration, e.g. "52w"); downsampled data is kept forever. */
  rawRetention?: string;
  log?: (line: string) => void;
  /** Commits the daemon's open unit-of-work group, so drain() also covers the points of state
   * changes already made in memory. */
  commitPending?: () => void;
}

export const RAW_RP = 'tinyrack_raw';
export const LONG_RP = 'tinyrack_long';

/** InfluxDB said the request itself is wrong (4xx other than auth): retrying the same bytes cannot help. */
function isRefusal(err: unknown): string | undefined {
  const code = (err as { res?: { statusCode?: number } }).res?.statusCode;
  if (code !== undefined && code >= 400 && code < 500 && code !== 401 && code !== 403 && code !== 404 && code !== 408 && code !== 429) {
    return (err as Error).message;
  }
  return undefined;
}

export class InfluxSink {
  readonly influx: InfluxDB;
  readonly queue: PointQueue;
  private readonly ownDb: LabDb | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private ready = false;
  private backoffMs = 0;
  private nextTryAt = 0;
  private closed = false;
  /** Points InfluxDB has accepted since start. */
  written = 0;
  /** Points set aside as malformed since start (the database keeps them all: queue.deadPoints()). */
  deadLettered = 0;
  lastError: string | undefined;
  private readonly batchSize: number;
  private readonly log: (line: string) => void;
  /** Called after each batch InfluxDB accepted, with the points' queue ids (bench: publish-to-InfluxDB times). */
  onWritten: ((points: IPoint[]) => void) | undefined;

  constructor(private readonly opts: InfluxSinkOptions) {
    const u = new URL(opts.url);
    this.influx = new InfluxDB({
      host: u.hostname, port: Number(u.port || 8086), protocol: u.protocol === 'https:' ? 'https' : 'http',
      database: opts.database, schema: schema.map((s) => ({ ...s, database: opts.database })),
      ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
    });
    this.batchSize = opts.batchSize ?? 5000;
    this.log = opts.log ?? (() => {});
    if (opts.queue) this.queue = opts.queue;
    else {
      if (!opts.spoolPath) throw new Error('InfluxSink needs the daemon\'s point queue or a spoolPath for a database of its own');
      this.ownDb = openLabDb(opts.spoolPath);
      this.queue = new PointQueue(this.ownDb);
    }
  }

  /** Points waiting for InfluxDB. */
  get backlog(): number { return this.queue.backlog; }

  start(): void {
    const every = this.opts.flushIntervalMs ?? 1000;
    this.timer = setInterval(() => { void this.flush(); }, every);
    this.timer.unref();
    void this.flush();
  }

  /** Queues points durably (their own transaction unless one is open); they go with the next batch. */
  write(points: IPoint[]): void {
    if (!points.length) return;
    if (this.closed) throw new Error('InfluxDB sink is closed');
    this.queue.add(points);
    this.nudge();
  }

  /** Points were added (by the daemon's unit of work): write soon, without waiting for the timer. */
  nudge(): void {
    if (!this.closed && !this.flushing && this.queue.backlog > 0) setImmediate(() => { void this.flush(); });
  }

  /** Writes everything pending now (respecting backoff unless force); resolves when done or failed. */
  flush(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.queue.backlog && this.ready) return Promise.resolve();
    if (!force && Date.now() < this.nextTryAt) return Promise.resolve();
    this.flushing = this.flushOnce().finally(() => { this.flushing = undefined; });
    return this.flushing;
  }

  /** Flushes until the queue is empty or timeoutMs passes; returns the points still pending. */
  async drain(timeoutMs: number): Promise<number> {
    this.opts.commitPending?.();
    const until = Date.now() + timeoutMs;
    while (this.queue.backlog && Date.now() < until) {
      await this.flush(true);
      if (this.queue.backlog) await new Promise((r) => setTimeout(r, 200));
    }
    return this.queue.backlog;
  }

  private async flushOnce(): Promise<void> {
    try {
      if (!this.ready) await this.setup();
      for (;;) {
        const batch = this.queue.peek(this.batchSize);
        if (!batch) break;
        const dead: Array<{ point: IPoint; reason: string }> = [];
        const good: IPoint[] = [];
        for (const p of batch.points) {
          const c = checkPoint(p);
          if (!c.ok) { dead.push({ point: p, reason: `refused before sending: ${c.reason}` }); continue; }
          // The client's own schema coercion throws for a wrong field type: refused the same way.
          try { this.influx.parsePoint(c.point, { precision: 'n' }); } catch (e) { dead.push({ point: p, reason: `refused before sending: ${(e as Error).message}` }); continue; }
          good.push(c.point);
        }
        await this.writeNarrowing(good, dead);
        // Every point of the batch is answered for: its rows go, its refused points are buried.
        this.queue.settle(batch, dead);
        dead.forEach((d, i) => this.logDead(d, this.queue.deadLetters - dead.length + i + 1));
      }
      if (this.lastError) this.log(`influx: writes resumed (${this.written} points written)`);
      this.backoffMs = 0;
      this.nextTryAt = 0;
      this.lastError = undefined;
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== this.lastError) this.log(`influx: write failed, ${this.queue.backlog} points kept in ${this.queue.lab.path}: ${msg}`);
      this.lastError = msg;
      this.backoffMs = Math.min(30_000, this.backoffMs ? this.backoffMs * 2 : 500);
      this.nextTryAt = Date.now() + this.backoffMs;
    }
  }

  /** Writes points; on a refusal, halves until the refused points are found (added to `dead`).
   * Any other error (InfluxDB down, 5xx) propagates: the batch stays queued for the retry. */
  private async writeNarrowing(points: IPoint[], dead: Array<{ point: IPoint; reason: string }>): Promise<void> {
    if (!points.length) return;
    try {
      await this.influx.writePoints(points, { precision: 'n' });
    } catch (err) {
      const refusal = isRefusal(err);
      if (refusal === undefined) throw err;
      if (points.length === 1) { dead.push({ point: points[0]!, reason: `InfluxDB refused it: ${refusal}` }); return; }
      const half = points.length >> 1;
      await this.writeNarrowing(points.slice(0, half), dead);
      await this.writeNarrowing(points.slice(half), dead);
      return;
    }
    this.written += points.length;
    this.onWritten?.(points);
  }

  private logDead(d: { point: IPoint; reason: string }, number: number): void {
    this.deadLettered++;
    this.log(`influx: point set aside as malformed (dead letter ${number} in ${this.queue.lab.path}): ${d.reason.slice(0, 500)}; point ${JSON.stringify(d.point).slice(0, 300)}`);
  }

  /** Database, retention policies and downsampling continuous queries (idempotent). */
  private async setup(): Promise<void> {
    const db = this.opts.database;
    await this.influx.createDatabase(db);
    const rps = await this.influx.showRetentionPolicies(db);
    const raw = { database: db, duration: this.opts.rawRetention ?? '52w', replication: 1, isDefault: true };
    if (rps.some((r) => r.name === RAW_RP)) await this.influx.alterRetentionPolicy(RAW_RP, raw);
    else await this.influx.createRetentionPolicy(RAW_RP, raw);
    if (!rps.some((r) => r.name === LONG_RP)) {
      await this.influx.createRetentionPolicy(LONG_RP, { database: db, duration: 'INF', replication: 1, isDefault: false });
    }
    const cqs = await this.influx.showContinousQueries(db);
    for (const [name, query] of Object.entries(continuousQueries(db))) {
      if (!cqs.some((c) => c.name === name)) await this.influx.createContinuousQuery(name, query, db);
    }
    this.ready = true;
  }

  async close(drainMs = 2000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.flushing) await this.flushing;
    if (drainMs > 0 && this.queue.backlog) await this.drain(drainMs);
    this.closed = true;
    this.ownDb?.close();
  }
}

/** Hourly and daily downsampling of results into the forever-kept policy. */
export function continuousQueries(db: string): Record<string, string> {
  const q = (every: string) =>
    `SELECT median("count") AS "count", mean("latency_us") AS "latency_us", mean("energy_uj") AS "energy_uj", ` +
    `max("arena_bytes") AS "arena_bytes", max("rom_bytes") AS "rom_bytes", max("ram_bytes") AS "ram_bytes" ` +
    `INTO "${db}"."${LONG_RP}"."${MEASUREMENTS.results}_${every}" FROM "${db}"."${RAW_RP}"."${MEASUREMENTS.results}" GROUP BY time(${every}), *`;
  return { cq_results_1h: q('1h'), cq_results_1d: q('1d') };
}
