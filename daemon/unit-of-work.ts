// One unit of work per thing that happens to the daemon (an MQTT message, a tick, a dispatch
// round, a suite firing): the job state changes it makes and the InfluxDB points it produces are
// committed in ONE transaction of the lab database, and the MQTT messages it sends leave only
// after that commit. So a crash leaves either the state change with its points or neither — and
// never a message on the wire (a job sent to an agent, a reply) that the store does not know of.
import type { IPoint } from 'influx';
import type { LabDb } from './jobs/lab-db.ts';
import type { PointQueue } from './influx/point-queue.ts';

export interface Outgoing { topic: string; payload: string | Buffer; retain: boolean }

export class UnitOfWork {
  private points: IPoint[] | undefined;
  private outgoing: Outgoing[] | undefined;

  constructor(
    private readonly lab: LabDb,
    /** Where points go; undefined when InfluxDB is off (points are then dropped). */
    private readonly queue: PointQueue | undefined,
    private readonly send: (m: Outgoing) => void,
    /** After each committed unit (e.g. nudge the InfluxDB writer). */
    private readonly committed: (points: number) => void,
  ) {}

  get open(): boolean { return this.points !== undefined; }

  /** Runs fn as one unit (nested calls join the open one). */
  run<T>(fn: () => T): T {
    if (this.points) return fn();
    this.points = [];
    this.outgoing = [];
    let ok = false;
    try {
      const out = this.lab.tx(() => {
        const r = fn();
        this.queue?.add(this.points!);
        return r;
      });
      ok = true;
      return out;
    } finally {
      const outgoing = this.outgoing;
      const n = this.points.length;
      this.points = undefined;
      this.outgoing = undefined;
      // Rolled back: nothing happened, so nothing is said.
      if (ok) {
        for (const m of outgoing) this.send(m);
        this.committed(n);
      }
    }
  }

  point(...points: IPoint[]): void {
    this.pointAll(points);
  }

  /** The same for a list of any length (a suite firing of 100,000 jobs: no argument spreading). */
  pointAll(points: IPoint[]): void {
    if (!points.length) return;
    if (this.points) { for (const p of points) this.points.push(p); } else this.run(() => this.pointAll(points));
  }

  publish(topic: string, payload: string | Buffer, retain = false): void {
    if (this.outgoing) this.outgoing.push({ topic, payload, retain });
    else this.send({ topic, payload, retain });
  }
}
