// The points waiting for InfluxDB, as a table of the lab database: added inside the unit of work
// that produced them (one transaction with the job state), taken out by the writer in id order
// only after InfluxDB accepted them. Points InfluxDB refuses as malformed go to dead_points with
// the reason, so one bad point never holds up the ones behind it.
//
// One row holds the points of one add() (a unit-of-work group: every result of a burst), as a
// JSON array of up to ROW_POINTS points with their number in `n`; rows written before that (schema
// version 1, and the JSON-lines import) hold one point object. A row per point cost an insert and
// a delete per point — four of each per result — and profiled as the largest part of the writer.
// The writer takes whole rows and settles them (accepted points gone, refused ones buried) in one
// transaction, after InfluxDB answered for all of them: a crash before that writes them again,
// which overwrites (stable timestamps), and never splits a row.
import type { IPoint } from 'influx';
import type Database from 'better-sqlite3';
import type { LabDb } from '../jobs/lab-db.ts';

/** Points per row: large enough that inserts are rare, small enough that a writer batch (5,000
 * points by default) is several rows and a row of a 100,000-job suite firing is not 50 MB. */
const ROW_POINTS = 500;

export interface DeadPoint { id: number; at: number; reason: string; point: IPoint }

/** What the writer took: whole rows (their ids and point count) and their points, oldest first. */
export interface PointBatch { firstRow: number; lastRow: number; points: IPoint[] }

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

  /** Adds points in the current transaction (or a transaction of its own). */
  add(points: IPoint[]): void {
    if (!points.length) return;
    this.lab.tx(() => {
      for (let i = 0; i < points.length; i += ROW_POINTS) {
        const chunk = points.slice(i, i + ROW_POINTS);
        this.sql.add.run(JSON.stringify(chunk), chunk.length);
      }
    });
    this.pending += points.length;
  }

  /** The oldest rows holding at least n points (at least one row), in order; none: undefined. */
  peek(n: number): PointBatch | undefined {
    let batch: PointBatch | undefined;
    for (const r of this.sql.rows.iterate() as IterableIterator<{ id: number; point: string; n: number }>) {
      const parsed = JSON.parse(r.point) as IPoint | IPoint[];
      if (!batch) batch = { firstRow: r.id, lastRow: r.id, points: [] };
      batch.lastRow = r.id;
      if (Array.isArray(parsed)) { for (const p of parsed) batch.points.push(p); } else batch.points.push(parsed);
      if (batch.points.length >= n) break;
    }
    return batch;
  }

  /** Ends a batch: its rows leave the table and its refused points go to the dead letters, in one
   * transaction. Called once InfluxDB accepted (or refused) every point of the batch. */
  settle(batch: PointBatch, dead: Array<{ point: IPoint; reason: string }>, at = Date.now()): void {
    this.lab.tx(() => {
      for (const d of dead) this.sql.bury.run(at, d.reason, JSON.stringify(d.point));
      this.sql.settle.run(batch.firstRow, batch.lastRow);
    });
    this.pending -= batch.points.length;
    this.dead += dead.length;
  }

  deadPoints(): DeadPoint[] {
    return (this.sql.deadList.all() as Array<{ id: number; at: number; reason: string; point: string }>)
      .map((r) => ({ id: r.id, at: r.at, reason: r.reason, point: JSON.parse(r.point) as IPoint }));
  }
}
