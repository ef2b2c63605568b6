// The daemon's one embedded database: SQLite through better-sqlite3, in WAL mode. It holds the
// jobs (every state change), the points waiting for InfluxDB, and the points InfluxDB refused.
// Keeping all three in one file is what makes a job's state change and the points it produces one
// transaction: a crash leaves both or neither, never "journal says done, InfluxDB never hears".
//
// Durability: WAL with synchronous=NORMAL. A committed transaction survives the daemon being
// killed (it is in the WAL, which the next open replays); a power cut may lose the transactions
// since the last WAL sync. `synchronous: 'full'` fsyncs every commit instead (one fsync per MQTT
// message: the price is ingest rate, measured in bench/results/lab.md).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

// 2: points rows carry several points (a JSON array) and their number `n` (daemon/influx/point-queue.ts);
//    uploads are kept once per content hash (daemon/jobs/uploads.ts).
// 3: new points rows hold line protocol, not JSON (daemon/influx/point-queue.ts); older rows are
//    still read, so nothing is converted on open — but an older tinyrack cannot read the new rows.
//    jobs rows carry the lease in columns (attempt, board_id, deadline; with state, agent_id and
//    updated_at): a dispatch updates those alone, the record keeps the rest (job-store.ts).
//    Rows with attempt NULL (written before) are their record alone.
// 4: no index on jobs(state, seq) nor jobs(suite, state). Every job changes state twice after its
//    insert, and each change moved its entry in both (measured with 100,000 jobs: dispatch 34 -> 18 µs,
//    finish 45 -> 25 µs per job without them). What they served is read from memory (the unfinished
//    jobs, a suite's oldest unfinished one: job-store.ts) or once at start, which reads every
//    finished job anyway (the regression baselines). Opening an older database drops them. A
//    reload of memory after a rolled-back unit is a table scan now (~0.2 s per 100,000 rows).
// 5: jobs rows carry a finished job's result and error in columns (result: its JSON; error): a
//    result — the last of a job's three writes — updates those and the lease columns alone
//    instead of re-serializing and rewriting the whole record with the result inside it
//    (job-store.ts). Rows with result and error NULL (written before, or not finished by a result)
//    are their record alone for both. An older tinyrack would read a finished row without its result.
const SCHEMA_VERSION = 5;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  job_id     TEXT PRIMARY KEY,
  seq        INTEGER NOT NULL,
  state      TEXT NOT NULL,
  agent_id   TEXT,
  suite      TEXT,
  suite_run  TEXT,
  request_id TEXT,
  updated_at INTEGER NOT NULL,
  record     TEXT NOT NULL,
  attempt    INTEGER,
  board_id   TEXT,
  deadline   INTEGER,
  result     TEXT,
  error      TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_suite_run ON jobs(suite_run) WHERE suite_run IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_by_request ON jobs(request_id) WHERE request_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS points (
  id    INTEGER PRIMARY KEY AUTOINCREMENT,
  point TEXT NOT NULL,
  n     INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS dead_points (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  at     INTEGER NOT NULL,
  reason TEXT NOT NULL,
  point  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
  sha256   TEXT PRIMARY KEY,
  bytes    BLOB NOT NULL,
  first_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export interface LabDbOptions { synchronous?: 'normal' | 'full' }

/** Opens (creating if needed) the lab database; migrations run inside one transaction. */
export function openLabDb(path: string, opts: LabDbOptions = {}): LabDb {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new Error(`${path} was written by a newer tinyrack (schema ${version}, this one knows ${SCHEMA_VERSION}); refusing to touch it`);
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    // Version 1 rows hold one point object each: n = 1 is what they are.
    const cols = db.prepare('SELECT name FROM pragma_table_info(\'points\')').pluck().all() as string[];
    if (!cols.includes('n')) db.exec('ALTER TABLE points ADD COLUMN n INTEGER NOT NULL DEFAULT 1');
    const jobCols = db.prepare('SELECT name FROM pragma_table_info(\'jobs\')').pluck().all() as string[];
    for (const [c, type] of [['attempt', 'INTEGER'], ['board_id', 'TEXT'], ['deadline', 'INTEGER'], ['result', 'TEXT'], ['error', 'TEXT']] as const) {
      if (!jobCols.includes(c)) db.exec(`ALTER TABLE jobs ADD COLUMN ${c} ${type}`);
    }
    db.exec('DROP INDEX IF EXISTS jobs_by_state; DROP INDEX IF EXISTS jobs_by_suite;');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
  return new LabDb(db, path);
}

/** The database plus one unit-of-work transaction at a time (nested calls join the outer one). */
export class LabDb {
  private depth = 0;
  private readonly rollbackHooks: Array<() => void> = [];
  /** Transaction control, prepared once: exec() parses its text on every call, and the daemon
   * runs a savepoint and its release per MQTT message (~10 % of the store's time, profiled). */
  private readonly ctl: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', Database.Statement>;

  constructor(readonly db: Db, readonly path: string) {
    const p = (sql: string) => db.prepare(sql);
    this.ctl = {
      begin: p('BEGIN IMMEDIATE'), commit: p('COMMIT'), rollback: p('ROLLBACK'),
      savepoint: p('SAVEPOINT unit'), release: p('RELEASE unit'), rollbackTo: p('ROLLBACK TO unit'),
    };
  }

  get inTransaction(): boolean { return this.depth > 0; }

  /** Opens a transaction that stays open across calls (group commit: daemon/unit-of-work.ts);
   * tx() and savepoint() inside it join it; commit() ends it. */
  begin(): void {
    if (this.depth > 0) throw new Error('a transaction is already open');
    this.ctl.begin.run();
    this.depth = 1;
  }

  /** Commits the transaction begin() opened; if that fails it is rolled back (caches reload). */
  commit(): void {
    if (this.depth !== 1) throw new Error('no open group transaction to commit');
    try {
      this.ctl.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.ctl.rollback.run();
      for (const h of this.rollbackHooks) h();
      throw err;
    } finally {
      this.depth = 0;
    }
  }

  /** Runs fn inside the open transaction so that a throw undoes fn's writes alone (and reloads
   * the in-memory caches) while the rest of the transaction stands. */
  savepoint<T>(fn: () => T): T {
    if (this.depth === 0) return this.tx(fn);
    this.ctl.savepoint.run();
    this.depth++;
    try {
      const out = fn();
      this.ctl.release.run();
      return out;
    } catch (err) {
      this.ctl.rollbackTo.run();
      this.ctl.release.run();
      for (const h of this.rollbackHooks) h();
      throw err;
    } finally {
      this.depth--;
    }
  }

  /** Runs fn in a transaction: committed when it returns, rolled back (and the rollback hooks
   * run, so in-memory caches reload) when it throws. Inside an open transaction it joins it. */
  tx<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.ctl.begin.run();
    this.depth++;
    try {
      const out = fn();
      this.ctl.commit.run();
      return out;
    } catch (err) {
      if (this.db.inTransaction) this.ctl.rollback.run();
      for (const h of this.rollbackHooks) h();
      throw err;
    } finally {
      this.depth--;
    }
  }

  onRollback(hook: () => void): void { this.rollbackHooks.push(hook); }

  close(): void { if (this.db.open) this.db.close(); }
}
