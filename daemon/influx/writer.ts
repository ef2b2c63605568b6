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
//
// The point table holds each point as its line already (made once at commit: line-protocol.ts),
// so a batch is posted as stored text over one kept-alive HTTP connection: no parsing, checking
// or escaping on the way out. The `influx` client is used for the set-up queries only.
import { InfluxDB, type IPoint } from 'influx';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { schema, MEASUREMENTS } from './schema.ts';
import { PointQueue, type Refused } from './point-queue.ts';
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
  /** How long new points may wait for more to fill a batch (default 200 ms). InfluxDB's cost is
   * largely per write request (parse, WAL append and fsync, index look-ups per batch): sending each
   * commit group as it comes meant many small requests while results stream in. */
  lingerMs?: number;
  /** Raw data retention (InfluxDB duration, e.g. "52w"); downsampled data is kept forever. */
  rawRetention?: string;
  log?: (line: string) => void;
  /** Commits the daemon's open unit-of-work group, so drain() also covers the points of state
   * changes already made in memory. */
  commitPending?: () => void;
}

export const RAW_RP = 'tinyrack_raw';
export const LONG_RP = 'tinyrack_long';

/** A write InfluxDB answered with an error status (the body says why). */
class WriteError extends Error {
  constructor(readonly statusCode: number, body: string) { super(`InfluxDB answered ${statusCode}: ${body.trim().slice(0, 1000)}`); }
}

/** InfluxDB said the request itself is wrong (4xx other than auth): retrying the same bytes cannot help. */
function isRefusal(err: unknown): string | undefined {
  const code = err instanceof WriteError ? err.statusCode : undefined;
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
  /** Write requests InfluxDB accepted since start (written / requests: the batch size it saw). */
  requests = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** Points set aside as malformed since start (the database keeps them all: queue.deadPoints()). */
  deadLettered = 0;
  lastError: string | undefined;
  private readonly batchSize: number;
  private readonly log: (line: string) => void;
  /** Called after each batch InfluxDB accepted, with its lines (bench: publish-to-InfluxDB times). */
  onWritten: ((lines: string[]) => void) | undefined;
  /** POST /write: the URL's parts, and one kept-alive connection for all batches. */
  private readonly post: { request: typeof httpRequest; agent: HttpAgent; host: string; port: number; path: string; auth?: string };

  constructor(private readonly opts: InfluxSinkOptions) {
    const u = new URL(opts.url);
    this.influx = new InfluxDB({
      host: u.hostname, port: Number(u.port || 8086), protocol: u.protocol === 'https:' ? 'https' : 'http',
      database: opts.database, schema: schema.map((s) => ({ ...s, database: opts.database })),
      ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
    });
    const https = u.protocol === 'https:';
    const q = new URLSearchParams({ db: opts.database, precision: 'n' });
    this.post = {
      // An idle kept-alive socket is closed from our side after 10 s, before a server or proxy
      // might drop it under a write (that write would fail once and be retried after backoff).
      request: https ? httpsRequest : httpRequest, agent: new (https ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets: 1, timeout: 10_000 }),
      host: u.hostname, port: Number(u.port || 8086), path: `${u.pathname.replace(/\/$/, '')}/write?${q}`,
      ...(u.username ? { auth: `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` } : {}),
    };
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

  /** Points were added (by the daemon's unit of work): write a full batch now, a partial one after
   * the linger (more points usually follow: one request instead of many), without the timer. */
  nudge(): void {
    if (this.closed || this.flushing || this.queue.backlog === 0) return;
    if (this.queue.backlog >= this.batchSize) { setImmediate(() => { void this.flush(); }); return; }
    if (this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => { this.lingerTimer = undefined; void this.flush(); }, this.opts.lingerMs ?? 200);
    this.lingerTimer.unref();
  }

  /** Writes what is pending (respecting backoff unless force); resolves when done or failed. A
   * forced flush (drain, close) writes everything; otherwise full batches, and a partial batch
   * left over waits for the linger (nudge) to fill up. */
  flush(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.queue.backlog && this.ready) return Promise.resolve();
    if (!force && Date.now() < this.nextTryAt) return Promise.resolve();
    // Points committed meanwhile (their nudge found the writer busy) get their turn after it.
    this.flushing = this.flushOnce(force).finally(() => { this.flushing = undefined; if (!this.lastError) this.nudge(); });
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

  private async flushOnce(all: boolean): Promise<void> {
    try {
      if (!this.ready) await this.setup();
      for (let first = true; ; first = false) {
        // After the first batch, a partial one waits for the linger unless everything must go now.
        if (!first && !all && this.queue.backlog < this.batchSize) break;
        const batch = this.queue.peek(this.batchSize);
        if (!batch) break;
        // Points the line checks refused at commit are buried with their batch, in order.
        const dead: Refused[] = [...batch.refused];
        await this.writeNarrowing(batch.lines, dead);
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
  private async writeNarrowing(lines: string[], dead: Refused[]): Promise<void> {
    if (!lines.length) return;
    try {
      await this.postLines(lines);
    } catch (err) {
      const refusal = isRefusal(err);
      if (refusal === undefined) throw err;
      if (lines.length === 1) { dead.push({ line: lines[0]!, reason: `InfluxDB refused it: ${refusal}` }); return; }
      const half = lines.length >> 1;
      await this.writeNarrowing(lines.slice(0, half), dead);
      await this.writeNarrowing(lines.slice(half), dead);
      return;
    }
    this.written += lines.length;
    this.requests++;
    this.onWritten?.(lines);
  }

  /** One POST /write of the lines; resolves on 204, rejects with WriteError on an error status
   * (or the socket's error: InfluxDB down). */
  private postLines(lines: string[]): Promise<void> {
    const body = Buffer.from(lines.join('\n'));
    const o = this.post;
    return new Promise((resolve, reject) => {
      const req = o.request({
        host: o.host, port: o.port, path: o.path, method: 'POST', agent: o.agent, ...(o.auth ? { auth: o.auth } : {}),
        headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve();
          else reject(new WriteError(code, Buffer.concat(chunks).toString('utf8')));
        });
      });
      // A stalled InfluxDB must not hold the writer forever: the batch is retried with backoff.
      req.setTimeout(30_000, () => req.destroy(new Error('InfluxDB write timed out after 30 s')));
      req.on('error', reject);
      req.end(body);
    });
  }

  private logDead(d: Refused, number: number): void {
    this.deadLettered++;
    const what = 'line' in d ? `line ${d.line.slice(0, 300)}` : `point ${JSON.stringify(d.point).slice(0, 300)}`;
    this.log(`influx: point set aside as malformed (dead letter ${number} in ${this.queue.lab.path}): ${d.reason.slice(0, 500)}; ${what}`);
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
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    if (this.flushing) await this.flushing;
    if (drainMs > 0 && this.queue.backlog) await this.drain(drainMs);
    this.closed = true;
    this.post.agent.destroy();
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
