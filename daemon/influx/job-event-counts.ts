// Job events that happen to every job — queued, started, done — are COUNTED in InfluxDB, not
// written one point each. They were three of the four points of every result (InfluxDB's cost is
// per point: 141 µs of its CPU per result measured with four), and nothing reads one of them
// alone: the lab overview counts them per interval and event (Job events) and reads the queue
// depth (Queue depth); a result's own job id, board, agent and attempt are on its `results` point.
// So the counted events of one commit group (daemon/unit-of-work.ts: a burst of MQTT messages,
// a dispatch round, a suite firing) that share their tags become ONE `jobs` point: `jobs` = how
// many, `queue_depth` = the queue after the last of them, at the time of the last of them — the
// events of a group happen within the same few milliseconds, so each is still counted at its own
// time at any dashboard resolution. The rarer events (failed, requeued, skipped) keep a point
// each with the job id and the error: the failures table lists them one by one.
//
// The Job events panel reads both forms as one count, `count("job_id") + sum("jobs")` with
// fill(0): per-job points (earlier versions, and failed/requeued now) carry job_id and no `jobs`,
// counted points carry `jobs` and no job_id — so points written before this change, in InfluxDB or
// still waiting in the point table, count as they are (nothing to convert).
import type { IPoint } from 'influx';
import { MEASUREMENTS, stableTimestamp, type JobEvent } from './schema.ts';

export const COUNTED_EVENTS: ReadonlySet<JobEvent> = new Set<JobEvent>(['queued', 'started', 'done']);

/** One counted event: the tags of its job, and what the point keeps of it. */
export interface CountedEvent {
  event: JobEvent; model: string; boardKind: string; backend: string; tiling: string; arithmetic: string; suite: string;
  jobId: string; attempt: number; queueDepth: number; at: number;
}

/** The points of a group's counted events: one per event and tag set, in first-seen order. The
 * timestamp's identity is the first event's job and attempt (each is queued, started, done once),
 * so the point is the same every time the same group is written: a rewrite overwrites it. */
export function countedEventPoints(events: readonly CountedEvent[]): IPoint[] {
  const groups = new Map<string, { first: CountedEvent; last: CountedEvent; n: number }>();
  for (const e of events) {
    const key = `${e.event}\0${e.model}\0${e.boardKind}\0${e.backend}\0${e.tiling}\0${e.arithmetic}\0${e.suite}`;
    const g = groups.get(key);
    if (g) { g.n++; g.last = e; } else groups.set(key, { first: e, last: e, n: 1 });
  }
  const points: IPoint[] = [];
  for (const { first: f, last, n } of groups.values()) {
    points.push({
      measurement: MEASUREMENTS.jobs,
      // The tags (and their order) of a per-job event point: the same series.
      tags: { event: f.event, model: f.model, board_kind: f.boardKind, backend: f.backend, tiling: f.tiling, arithmetic: f.arithmetic, suite: f.suite },
      fields: { jobs: n, queue_depth: last.queueDepth },
      timestamp: stableTimestamp(last.at, `jobs:${f.event}:${f.jobId}:${f.attempt}`),
    });
  }
  return points;
}
