// Batched, durable writes to InfluxDB 1.x. Every point is first appended (fsync'ed) to an
// on-disk spool, then written in batches; a batch leaves the spool only after InfluxDB accepted
// it. While InfluxDB is down the spool grows and is retried with backoff; after a daemon restart
// the spool is read back. Points carry their own timestamps, so a batch written twice (accepted,
// then the daemon died before trimming the spool) overwrites itself: never lost, never doubled.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InfluxDB, type IPoint } from 'influx';
import { schema, MEASUREMENTS } from './schema.ts';

export interface InfluxSinkOptions {
  /** e.g. http://127.0.0.1:8086 */
  url: string;
  database: string;
  spoolPath: string;
  batchSize?: number;
  flushIntervalMs?: number;
  /** Raw data retention (InfluxDB duration, e.g. "52w"); downsampled data is kept forever. */
  rawRetention?: string;
  log?: (line: string) => void;
}

export const RAW_RP = 'tinyrack_raw';
export const LONG_RP = 'tinyrack_long';

export class InfluxSink {
  readonly influx: InfluxDB;
  private pending: IPoint[] = [];
  private spoolFd: number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private ready = false;
  private backoffMs = 0;
  private nextTryAt = 0;
  private closed = false;
  /** Points InfluxDB has accepted since start. */
  written = 0;
  lastError: string | undefined;
  private readonly batchSize: number;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: InfluxSinkOptions) {
    const u = new URL(opts.url);
    this.influx = new InfluxDB({
      host: u.hostname, port: Number(u.port || 8086), protocol: u.protocol === 'https:' ? 'https' : 'http',
      database: opts.database, schema: schema.map((s) => ({ ...s, database: opts.database })),
      ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
    });
    this.batchSize = opts.batchSize ?? 500;
    this.log = opts.log ?? (() => {});
    mkdirSync(dirname(opts.spoolPath), { recursive: true });
    if (existsSync(opts.spoolPath)) {
      for (const line of readFileSync(opts.spoolPath, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try { this.pending.push(JSON.parse(line) as IPoint); } catch { /* torn final line from a crash */ }
      }
    }
    this.rewriteSpool();
    this.spoolFd = openSync(opts.spoolPath, 'a');
  }

  /** Points waiting for InfluxDB (in the spool). */
  get backlog(): number { return this.pending.length; }

  start(): void {
    const every = this.opts.flushIntervalMs ?? 1000;
    this.timer = setInterval(() => { void this.flush(); }, every);
    this.timer.unref();
    void this.flush();
  }

  /** Queues points durably; they are written with the next batch. */
  write(points: IPoint[]): void {
    if (!points.length) return;
    if (this.closed) throw new Error('InfluxDB sink is closed');
    writeSync(this.spoolFd, points.map((p) => `${JSON.stringify(p)}\n`).join(''));
    fsyncSync(this.spoolFd);
    this.pending.push(...points);
    if (this.pending.length >= this.batchSize) void this.flush();
  }

  /** Writes everything pending now (respecting backoff unless force); resolves when done or failed. */
  flush(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.pending.length && this.ready) return Promise.resolve();
    if (!force && Date.now() < this.nextTryAt) return Promise.resolve();
    this.flushing = this.flushOnce().finally(() => { this.flushing = undefined; });
    return this.flushing;
  }

  /** Flushes until the spool is empty or timeoutMs passes; returns the points still pending. */
  async drain(timeoutMs: number): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (this.pending.length && Date.now() < until) {
      await this.flush(true);
      if (this.pending.length) await new Promise((r) => setTimeout(r, 200));
    }
    return this.pending.length;
  }

  private async flushOnce(): Promise<void> {
    try {
      if (!this.ready) await this.setup();
      while (this.pending.length) {
        const batch = this.pending.slice(0, this.batchSize);
        await this.influx.writePoints(batch, { precision: 'n' });
        this.pending = this.pending.slice(batch.length);
        this.written += batch.length;
        this.rewriteSpool();
      }
      if (this.lastError) this.log(`influx: writes resumed (${this.written} points written)`);
      this.backoffMs = 0;
      this.nextTryAt = 0;
      this.lastError = undefined;
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== this.lastError) this.log(`influx: write failed, ${this.pending.length} points kept in ${this.opts.spoolPath}: ${msg}`);
      this.lastError = msg;
      this.backoffMs = Math.min(30_000, this.backoffMs ? this.backoffMs * 2 : 500);
      this.nextTryAt = Date.now() + this.backoffMs;
    }
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

  /** Keeps the spool equal to the pending points: temp file, fsync, atomic rename. */
  private rewriteSpool(): void {
    const tmp = `${this.opts.spoolPath}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, this.pending.map((p) => `${JSON.stringify(p)}\n`).join(''));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.opts.spoolPath);
    if (this.spoolFd !== undefined) {
      closeSync(this.spoolFd);
      this.spoolFd = openSync(this.opts.spoolPath, 'a');
    }
  }

  async close(drainMs = 2000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.flushing) await this.flushing;
    if (drainMs > 0 && this.pending.length) await this.drain(drainMs);
    this.closed = true;
    closeSync(this.spoolFd);
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
