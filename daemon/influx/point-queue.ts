// The points waiting for InfluxDB, as a table of the lab database: added inside the unit of work
// that produced them (one transaction with the job state), taken out by the writer in id order
// only after InfluxDB accepted them. Points InfluxDB refuses as malformed go to dead_points with
// the reason, so one bad point never holds up the ones behind it.
//
// One row holds the points of one add() (a unit-of-work group: every result of a burst), up to
// ROW_POINTS of them with their number in `n`, as a JSON array of the line-protocol lines the
// writer posts (schema version 3, daemon/influx/line-protocol.ts): each point is made a line once,
// at commit, and the writer sends the stored lines without re-checking or re-encoding them. (A
// JSON array of strings, not the lines joined: a string field may hold a line break, which line
// protocol carries inside the quotes, so a newline cannot separate lines in storage; parsing an
// array of strings is cheap next to an array of point objects.) A point the line checks refuse
// is kept in its row as `# ` + JSON of the point and the reason, so the writer buries it in order
// with the batch it belongs to — one place for dead letters, their log line and their counter.
// Rows written before hold points as JSON objects: an array of them (version 2) or one object
// (version 1, and the JSON-lines import); they are made lines when the writer reads them.
// A row per point cost an insert and a delete per point — four of each per result. The writer
// takes whole rows and settles them (accepted points gone, refused ones buried) in one
// transaction, after InfluxDB answered for all of them: a crash before that writes them again,
// which overwrites (stable timestamps), and never splits a row.
import type { IPoint } from 'influx';
import type Database from 'better-sqlite3';
import type { LabDb } from '../jobs/lab-db.ts';
import { toLine } from './line-protocol.ts';

/** Points per row: large enough that inserts are rare, small enough that a writer batch (5,000
 * points by default) is several rows and a row of a 100,000-job suite firing is a few dozen KB. */
const ROW_POINTS = 500;

/** A dead letter: the reason, and what was refused — the point (refused before sending) or the
 * line InfluxDB refused. */
export interface DeadPoint { id: number; at: number; reason: string; point?: IPoint; line?: string }

/** A point refused before or by InfluxDB, on its way to dead_points. */
export type Refused = { reason: string } & ({ point: IPoint } | { line: string });

/** What the writer took: whole rows (their ids and point count), their lines oldest first, and the
 * points of those rows the line checks refused (reason already says so). */
export interface PointBatch { firstRow: number; lastRow: number; count: number; lines: string[]; refused: Refused[] }

const REFUSED_PREFIX = '# ';

export class PointQueue {
  private pending = 0;
  private dead = 0;
  private readonly sql: {
    add: Database.Statement; rows: Database.Statement; settle: Database.Statement; bury: Database.Statement;
    deadList: Database.Statement;
  };

  constructor(readonly lab: LabDb) {
    const d = lab.db;
    this.sql = {
      add: d.prepare('INSERT INTO points (point, n) VALUES (?, ?)'),
      rows: d.prepare('SELECT id, point, n FROM points ORDER BY id'),
      settle: d.prepare('DELETE FROM points WHERE id BETWEEN ? AND ?'),
      bury: d.prepare('INSERT INTO dead_points (at, reason, point) VALUES (?, ?, ?)'),
      deadList: d.prepare('SELECT id, at, reason, point FROM dead_points ORDER BY id'),
    };
    lab.onRollback(() => this.recount());
    this.recount();
  }

  private recount(): void {
    this.pending = this.lab.db.prepare('SELECT coalesce(sum(n), 0) FROM points').pluck().get() as number;
    this.dead = this.lab.db.prepare('SELECT count(*) FROM dead_points').pluck().get() as number;
  }

  /** Points waiting for InfluxDB. */
  get backlog(): number { return this.pending; }
  /** Points set aside as malformed (ever, in this database). */
  get deadLetters(): number { return this.dead; }

  /** Adds points in the current transaction (or a transaction of its own), each as its line. */
  add(points: IPoint[]): void {
    if (!points.length) return;
    this.lab.tx(() => {
      for (let i = 0; i < points.length; i += ROW_POINTS) {
        const end = Math.min(points.length, i + ROW_POINTS);
        const lines: string[] = [];
        for (let k = i; k < end; k++) lines.push(lineOf(points[k]!));
        this.sql.add.run(JSON.stringify(lines), lines.length);
      }
    });
    this.pending += points.length;
  }

  /** The oldest rows holding at least n points (at least one row), in order; none: undefined. */
  peek(n: number): PointBatch | undefined {
    let batch: PointBatch | undefined;
    for (const r of this.sql.rows.iterate() as IterableIterator<{ id: number; point: string; n: number }>) {
      if (!batch) batch = { firstRow: r.id, lastRow: r.id, count: 0, lines: [], refused: [] };
      batch.lastRow = r.id;
      batch.count += r.n;
      // Lines (strings), or points written before lines were stored (schema 1 and 2): made lines now.
      const parsed = JSON.parse(r.point) as Array<string | IPoint> | IPoint;
      for (const x of Array.isArray(parsed) ? parsed : [parsed]) takeLine(batch, typeof x === 'string' ? x : lineOf(x));
      if (batch.count >= n) break;
    }
    return batch;
  }

  /** Ends a batch: its rows leave the table and its refused points go to the dead letters, in one
   * transaction. Called once InfluxDB accepted (or refused) every point of the batch. */
  settle(batch: PointBatch, dead: Refused[], at = Date.now()): void {
    this.lab.tx(() => {
      for (const d of dead) this.sql.bury.run(at, d.reason, 'line' in d ? d.line : JSON.stringify(d.point));
      this.sql.settle.run(batch.firstRow, batch.lastRow);
    });
    this.pending -= batch.count;
    this.dead += dead.length;
  }

  deadPoints(): DeadPoint[] {
    return (this.sql.deadList.all() as Array<{ id: number; at: number; reason: string; point: string }>)
      .map((r) => ({ id: r.id, at: r.at, reason: r.reason, ...(r.point.startsWith('{') ? { point: JSON.parse(r.point) as IPoint } : { line: r.point }) }));
  }
}

/** A point's line, or the comment line that keeps it with the reason the line checks refused it. */
function lineOf(p: IPoint): string {
  const l = toLine(p);
  return l.ok ? l.line : REFUSED_PREFIX + JSON.stringify({ reason: l.reason, point: p });
}

function takeLine(batch: PointBatch, line: string): void {
  if (!line.startsWith(REFUSED_PREFIX)) { batch.lines.push(line); return; }
  const r = JSON.parse(line.slice(REFUSED_PREFIX.length)) as { reason: string; point: IPoint };
  batch.refused.push({ point: r.point, reason: `refused before sending: ${r.reason}` });
}
