// The points waiting for InfluxDB, as a table of the lab database: added inside the unit of work
// that produced them (one transaction with the job state), taken out by the writer in id order
// only after InfluxDB accepted them. Points InfluxDB refuses as malformed go to dead_points with
// the reason, so one bad point never holds up the ones behind it.
import type { IPoint } from 'influx';
import type Database from 'better-sqlite3';
import type { LabDb } from '../jobs/lab-db.ts';

export interface QueuedPoint { id: number; point: IPoint }
export interface DeadPoint { id: number; at: number; reason: string; point: IPoint }

export class PointQueue {
  private pending = 0;
  private dead = 0;
  private readonly sql: {
    add: Database.Statement; peek: Database.Statement; del: Database.Statement; bury: Database.Statement;
    deadList: Database.Statement;
  };

  constructor(readonly lab: LabDb) {
    const d = lab.db;
    this.sql = {
      add: d.prepare('INSERT INTO points (point) VALUES (?)'),
      peek: d.prepare('SELECT id, point FROM points ORDER BY id LIMIT ?'),
      del: d.prepare('DELETE FROM points WHERE id = ?'),
      bury: d.prepare('INSERT INTO dead_points (at, reason, point) VALUES (?, ?, ?)'),
      deadList: d.prepare('SELECT id, at, reason, point FROM dead_points ORDER BY id'),
    };
    lab.onRollback(() => this.recount());
    this.recount();
  }

  private recount(): void {
    this.pending = this.lab.db.prepare('SELECT count(*) FROM points').pluck().get() as number;
    this.dead = this.lab.db.prepare('SELECT count(*) FROM dead_points').pluck().get() as number;
  }

  /** Points waiting for InfluxDB. */
  get backlog(): number { return this.pending; }
  /** Points set aside as malformed (ever, in this database). */
  get deadLetters(): number { return this.dead; }

  /** Adds points in the current transaction (or a transaction of its own). */
  add(points: IPoint[]): void {
    if (!points.length) return;
    this.lab.tx(() => { for (const p of points) this.sql.add.run(JSON.stringify(p)); });
    this.pending += points.length;
  }

  /** The oldest n points, in order. */
  peek(n: number): QueuedPoint[] {
    return (this.sql.peek.all(n) as Array<{ id: number; point: string }>).map((r) => ({ id: r.id, point: JSON.parse(r.point) as IPoint }));
  }

  /** Removes points InfluxDB accepted. */
  remove(ids: number[]): void {
    if (!ids.length) return;
    this.lab.tx(() => { for (const id of ids) this.sql.del.run(id); });
    this.pending -= ids.length;
  }

  /** Moves one point to the dead letters, with the reason InfluxDB (or the line checker) gave. */
  bury(p: QueuedPoint, reason: string, at = Date.now()): void {
    this.lab.tx(() => { this.sql.del.run(p.id); this.sql.bury.run(at, reason, JSON.stringify(p.point)); });
    this.pending--;
    this.dead++;
  }

  deadPoints(): DeadPoint[] {
    return (this.sql.deadList.all() as Array<{ id: number; at: number; reason: string; point: string }>)
      .map((r) => ({ id: r.id, at: r.at, reason: r.reason, point: JSON.parse(r.point) as IPoint }));
  }
}
