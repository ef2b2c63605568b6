// What the daemon's parts (agent input, suites, flash requests) share: the store, the registry,
// the clock and log, and the two ways out — points for InfluxDB and MQTT messages. Both ways out
// are part of the current unit of work (daemon/unit-of-work.ts): points commit in the same store
// transaction as the job state that produced them, messages leave only after that commit.
import type { IPoint } from 'influx';
import type { LabConfig } from './config.ts';
import type { JobRecord, JobStore } from './jobs/job-store.ts';
import type { Registry } from './registry.ts';
import type { JobEventInfo } from './influx/schema.ts';
import type { RequestReply, SuiteRunReply } from '../wire/mqtt.ts';

export interface DaemonCounters {
  ignoredResults: number; rejectedRequests: number; requeues: number; regressions: number; malformedHealth: number;
  /** Times outside the clock window replaced by the receive time; board ids refused because another agent owns them. */
  clockReplaced: number; refusedBoards: number;
}

/** Counts and logs a validator's replaced timestamps (a sender's clock outside the window). */
export function clocked<V extends { ok: boolean; notes?: string[] }>(ctx: Pick<LabContext, 'counters' | 'log'>, topic: string, v: V): V {
  if (v.ok && v.notes?.length) { ctx.counters.clockReplaced++; ctx.log(`clock of the sender on ${topic}: ${v.notes.join('; ')}`); }
  return v;
}

export interface LabContext {
  readonly config: LabConfig;
  readonly store: JobStore;
  readonly registry: Registry;
  readonly counters: DaemonCounters;
  now(): number;
  log(line: string): void;
  emit(event: string | symbol, ...args: unknown[]): boolean;
  /** Queues points for InfluxDB with the current unit of work. */
  point(...points: IPoint[]): void;
  /** The same for a long list (no argument spreading). */
  pointAll(points: IPoint[]): void;
  /** Publishes a QoS 1 message once the current unit of work is committed. */
  publish(topic: string, payload: string | Buffer, retain?: boolean): void;
  reply(topic: string, payload: RequestReply | SuiteRunReply): void;
  /** Asks for a dispatch round (after the current unit of work). */
  dispatch(): void;
  /** A job event for InfluxDB (queued/started/done counted per commit group, the others a point
   * each: daemon/influx/job-event-counts.ts) plus the 'job' event. */
  jobEvent(event: JobEventInfo['event'], job: JobRecord, error?: string): void;
  /** The InfluxDB side alone, for many jobs (a suite firing, a result's done event). */
  recordJobEvents(event: JobEventInfo['event'], jobs: readonly JobRecord[], queueDepth?: number): void;
  eventInfo(event: JobEventInfo['event'], job: JobRecord, error?: string, queueDepth?: number): JobEventInfo;
}
