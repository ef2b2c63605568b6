// One unit of work per thing that happens to the daemon (an MQTT message, a tick, a dispatch
// round, a suite firing): the job state changes it makes and the InfluxDB points it produces are
// committed in ONE transaction of the lab database, and the MQTT messages it sends leave only
// after that commit. So a crash leaves either the state change with its points or neither — and
// never a message on the wire (a job sent to an agent, a reply) that the store does not know of.
//
// Group commit (the daemon's mode): the units of one burst of messages share one transaction,
// committed once the burst is handled (setImmediate) instead of once per message; each unit runs
// in a savepoint of its own, so a unit that throws is undone alone. The acknowledgements of the
// burst's messages must not leave before that commit (mqtt.js writes a PUBACK as soon as the
// handler returns): the daemon corks the broker socket when a group opens and uncorks it after
// the commit (the `opened` / `closed` hooks), so the broker hears "received" only for what is
// on disk.
//
// Commit window (`window`): when the daemon keeps up, a burst is a handful of messages and each
// commit (its WAL write, the uncork, the InfluxDB writer's nudge, the dispatch round) is spread over
// that handful — CPU per result rose as the load fell. So a group that is still small when its
// burst has been handled waits up to `window.ms` more for further messages before it
// commits; one that reaches `window.units` commits at the end of the burst it is in. The wait is
// latency on every acknowledgement, reply and job spec of the group (at most `window.ms`), never a
// loss: nothing leaves before the commit either way, and a stop or a drain commits at once.
import type { IPoint } from 'influx';
import type { LabDb } from './jobs/lab-db.ts';
import type { PointQueue } from './influx/point-queue.ts';
import { countedEventPoints, type CountedEvent } from './influx/job-event-counts.ts';

export interface Outgoing { topic: string; payload: string | Buffer; retain: boolean }

export interface GroupHooks {
  /** A group transaction opened (the daemon corks the broker socket). */
  opened(): void;
  /** It ended: committed (true) or undone (false). The daemon uncorks, or drops the connection so
   * the broker redelivers what it was not told about. */
  closed(committed: boolean): void;
  /** Runs as the group's last unit, just before its commit (the daemon's dispatch round: a board
   * freed by a result of the burst gets its next job in the same transaction, and the job spec
   * leaves with the commit instead of a transaction and an event-loop turn later). */
  beforeCommit?(): void;
}

/** See "Commit window" above. ms 0: every group commits at the end of its burst. */
export interface CommitWindow { ms: number; units: number }

/** The daemon's window unless the lab config or DaemonOptions say otherwise. 5 ms: at the idle
 * lab's ~3,000 results/s that is ~15 results per commit instead of a few, and 5 ms more on a reply
 * is nothing beside a job's seconds on a board. 100 units: under load a burst is larger than that
 * anyway (groups of ~230 at load ~7), so a loaded daemon never waits. */
export const DEFAULT_COMMIT_WINDOW: CommitWindow = { ms: 5, units: 100 };

/** What the group commits did so far (the bench reports units per commit). */
export interface GroupCommitStats { commits: number; units: number; waited: number }

export class UnitOfWork {
  private points: IPoint[] | undefined;
  /** Queued/started/done events of the open unit or group: one point per tag set at commit. */
  private counted: CountedEvent[] | undefined;
  private outgoing: Outgoing[] | undefined;
  private depth = 0;
  private groupOpen = false;
  private commitScheduled = false;
  /** The open group's window timer (it was small at the end of its first burst). */
  private windowTimer: NodeJS.Timeout | undefined;
  private unitsInGroup = 0;
  readonly groupStats: GroupCommitStats = { commits: 0, units: 0, waited: 0 };

  constructor(
    private readonly lab: LabDb,
    /** Where points go; undefined when InfluxDB is off (points are then dropped). */
    private readonly queue: PointQueue | undefined,
    private readonly send: (m: Outgoing) => void,
    /** After each commit (e.g. nudge the InfluxDB writer), with the number of points committed. */
    private readonly committed: (points: number) => void,
    /** Given: units of a burst share one transaction (see above). */
    private readonly group?: GroupHooks & { log(line: string): void },
    private readonly window: CommitWindow = { ms: 0, units: 0 },
  ) {}

  /** Runs fn as one unit (nested calls join the open one). */
  run<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    if (!this.group) return this.runAlone(fn);
    if (!this.groupOpen) {
      this.lab.begin();
      this.groupOpen = true;
      this.points = [];
      this.counted = [];
      this.outgoing = [];
      this.group.opened();
    }
    try {
      return this.unit(fn);
    } finally {
      this.unitsInGroup++;
      if (this.windowTimer && this.unitsInGroup >= this.window.units) {
        // Full enough: commit at the end of this burst instead of waiting out the window.
        clearTimeout(this.windowTimer);
        this.windowTimer = undefined;
        this.commitScheduled = false;
      }
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(this.endOfBurst);
      }
    }
  }

  /** Runs once the burst that opened (or filled) a group has been handled: commits, or starts the
   * window of a group that is still small. */
  private readonly endOfBurst = (): void => {
    if (!this.groupOpen || this.windowTimer) return;
    if (this.window.ms > 0 && this.unitsInGroup < this.window.units) {
      this.groupStats.waited++;
      this.windowTimer = setTimeout(this.windowEnded, this.window.ms);
      return;
    }
    this.commitNow();
  };

  private readonly windowEnded = (): void => {
    this.windowTimer = undefined;
    this.commitNow();
  };

  private commitNow(): void {
    try { this.flush(); } catch { /* logged in flush; the next unit opens a new group */ }
  }

  /** Whether a group transaction is open (a unit run now joins it and commits with it). */
  get groupIsOpen(): boolean { return this.groupOpen; }

  /** One unit inside the open group: a savepoint, undone alone (points and messages too) if it throws. */
  private unit<T>(fn: () => T): T {
    const marks = [this.points!.length, this.outgoing!.length, this.counted!.length] as const;
    this.depth++;
    try {
      return this.lab.savepoint(fn);
    } catch (err) {
      // Undone in the database: forget its points and messages too.
      this.points!.length = marks[0];
      this.outgoing!.length = marks[1];
      this.counted!.length = marks[2];
      throw err;
    } finally {
      this.depth--;
    }
  }

  /** Commits the open group now (the scheduled commit, a drain, a stop). */
  flush(): void {
    this.commitScheduled = false;
    if (this.windowTimer) { clearTimeout(this.windowTimer); this.windowTimer = undefined; }
    if (!this.groupOpen || !this.group) return;
    if (this.group.beforeCommit) {
      try { this.unit(() => this.group!.beforeCommit!()); } catch (err) { this.group.log(`last unit before the commit failed (undone alone): ${(err as Error).stack}`); }
    }
    const points = this.points!;
    const outgoing = this.outgoing!;
    const counted = this.counted!;
    this.points = undefined;
    this.counted = undefined;
    this.outgoing = undefined;
    this.groupOpen = false;
    this.groupStats.commits++;
    this.groupStats.units += this.unitsInGroup;
    this.unitsInGroup = 0;
    try {
      if (this.queue && counted.length) for (const p of countedEventPoints(counted)) points.push(p);
      this.queue?.add(points);
      this.lab.commit();
    } catch (err) {
      // A commit that fails (disk full): the whole group is undone; nothing is said, and the
      // messages it acknowledged come again.
      this.group.log(`store commit failed, ${outgoing.length} messages not sent, unacknowledged input will be redelivered: ${(err as Error).message}`);
      this.group.closed(false);
      throw err;
    }
    for (const m of outgoing) this.send(m);
    this.group.closed(true);
    this.committed(points.length);
  }

  private runAlone<T>(fn: () => T): T {
    this.points = [];
    this.counted = [];
    this.outgoing = [];
    this.depth++;
    let ok = false;
    try {
      const out = this.lab.tx(() => {
        const r = fn();
        if (this.queue && this.counted!.length) for (const p of countedEventPoints(this.counted!)) this.points!.push(p);
        this.queue?.add(this.points!);
        return r;
      });
      ok = true;
      return out;
    } finally {
      this.depth--;
      const outgoing = this.outgoing;
      const n = this.points.length;
      this.points = undefined;
      this.counted = undefined;
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
    if (this.depth > 0) { for (const p of points) this.points!.push(p); } else this.run(() => this.pointAll(points));
  }

  /** A queued/started/done event, counted into its group's point for its tags (job-event-counts.ts). */
  countEvent(e: CountedEvent): void {
    if (this.depth > 0) this.counted!.push(e); else this.run(() => this.countEvent(e));
  }

  publish(topic: string, payload: string | Buffer, retain = false): void {
    if (this.depth > 0) this.outgoing!.push({ topic, payload, retain });
    else this.send({ topic, payload, retain });
  }
}
