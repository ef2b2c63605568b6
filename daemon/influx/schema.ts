// The InfluxDB schema the daemon writes: measurement names, tags and typed fields (integers for
// counts and bytes), and the conversion of results/events into points. Every point carries an
// explicit nanosecond timestamp derived from the event's own time and identity, so writing the
// same point twice (a retry after a crash) overwrites instead of duplicating.
import { FieldType, type ISchemaOptions, type IPoint } from 'influx';
import { arithmeticOf, type AgentHealth, type JobResult, type RegressionEvent } from '../../wire/mqtt.ts';
import { OP_PROFILE_MEASUREMENT, opProfileSchema } from './op-profile-schema.ts';
import { opsText } from '../regression-ops.ts';

export const MEASUREMENTS = {
  opProfile: OP_PROFILE_MEASUREMENT,
  results: 'results',
  agentHealth: 'agent_health',
  boardState: 'board_state',
  jobs: 'jobs',
  regressions: 'regressions',
  daemon: 'daemon',
} as const;

// `arithmetic` is a tag so dashboards can split by it (reference vs xnnpack run different kernels);
// points written before it existed have no such tag and are reference arithmetic.
export const RESULT_TAGS = ['board', 'board_kind', 'agent', 'model', 'backend', 'tiling', 'arithmetic', 'suite', 'counter', 'source'] as const;

export const schema: ISchemaOptions[] = [
  opProfileSchema,
  {
    measurement: MEASUREMENTS.results,
    tags: [...RESULT_TAGS],
    fields: {
      count: FieldType.INTEGER, latency_us: FieldType.FLOAT, energy_uj: FieldType.FLOAT,
      energy_estimated: FieldType.BOOLEAN, stack_bytes: FieldType.INTEGER, heap_bytes: FieldType.INTEGER,
      arena_bytes: FieldType.INTEGER, rom_bytes: FieldType.INTEGER, ram_bytes: FieldType.INTEGER,
      outputs_match: FieldType.BOOLEAN, firmware_hash: FieldType.STRING, job_id: FieldType.STRING,
      reps: FieldType.INTEGER, attempt: FieldType.INTEGER,
      // Issue 14: modelled latency on QEMU; who submitted which image (bring your own firmware).
      latency_estimated: FieldType.BOOLEAN, submitted_by: FieldType.STRING, firmware_sha256: FieldType.STRING,
    },
  },
  {
    measurement: MEASUREMENTS.agentHealth,
    tags: ['agent'],
    // online/boards/version from status and inventory; the rest from the agent's health samples.
    fields: {
      online: FieldType.INTEGER, boards: FieldType.INTEGER, version: FieldType.STRING,
      uptime_s: FieldType.INTEGER, load1: FieldType.FLOAT, mem_free_bytes: FieldType.INTEGER,
      disk_free_bytes: FieldType.INTEGER, boards_quarantined: FieldType.INTEGER,
    },
  },
  {
    measurement: MEASUREMENTS.boardState,
    tags: ['agent', 'board', 'board_kind', 'state'],
    // `failures` is the board's consecutive failed jobs; the serial counts come from health samples.
    fields: {
      busy: FieldType.INTEGER, idle: FieldType.INTEGER, quarantined: FieldType.INTEGER, missing: FieldType.INTEGER, failures: FieldType.INTEGER,
      serial_noise_lines: FieldType.INTEGER, serial_corrupt_lines: FieldType.INTEGER,
    },
  },
  {
    measurement: MEASUREMENTS.jobs,
    tags: ['event', 'model', 'board_kind', 'backend', 'tiling', 'arithmetic', 'suite'],
    fields: {
      job_id: FieldType.STRING, attempt: FieldType.INTEGER, board: FieldType.STRING, agent: FieldType.STRING,
      error: FieldType.STRING, queue_depth: FieldType.INTEGER, run_id: FieldType.STRING,
      // How many jobs a counted point stands for (queued/started/done: job-event-counts.ts).
      jobs: FieldType.INTEGER,
    },
  },
  {
    measurement: MEASUREMENTS.regressions,
    tags: ['model', 'board_kind', 'backend', 'tiling', 'arithmetic', 'metric'],
    fields: { baseline: FieldType.FLOAT, value: FieldType.FLOAT, change_pct: FieldType.FLOAT, job_id: FieldType.STRING, text: FieldType.STRING },
  },
  {
    measurement: MEASUREMENTS.daemon,
    tags: [],
    // The daemon's own health: its queue and the InfluxDB path (dead_letters: points InfluxDB
    // refused as malformed, set aside in the lab database's dead_points table).
    fields: {
      queued: FieldType.INTEGER, dispatched: FieldType.INTEGER, influx_backlog: FieldType.INTEGER,
      influx_written: FieldType.INTEGER, dead_letters: FieldType.INTEGER, ignored_results: FieldType.INTEGER,
      rejected_requests: FieldType.INTEGER, requeues: FieldType.INTEGER,
    },
  },
];

/** A nanosecond timestamp: the event's millisecond time plus a sub-millisecond offset from its
 * identity. The offset only has to be the same for the same identity and spread for different
 * ones (two points of one series in one millisecond collide with odds 1e-6 either way): FNV-1a
 * does that for a fraction of a SHA-256 (one per point, four points per result, profiled at
 * ~3.5 % of the daemon). Only new points get it: a stored point keeps the timestamp it was made with. */
export function stableTimestamp(ms: number, identity: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < identity.length; i++) { h ^= identity.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  const salt = (h >>> 0) % 1_000_000;
  const whole = Math.round(ms);
  // ms x 1e6 is past 2^53 for any date since 1970: digits are appended instead (BigInt for the
  // odd time at or before the epoch, where appending would not be the sum).
  return whole > 0 ? `${whole}${String(salt).padStart(6, '0')}` : (BigInt(whole) * 1_000_000n + BigInt(salt)).toString();
}

export function resultPoint(r: JobResult, suite: string | undefined): IPoint | undefined {
  const m = r.metrics;
  if (!r.ok || !m) return undefined;
  const fields: Record<string, unknown> = {
    count: m.count, latency_us: m.latencyUs, stack_bytes: m.stackBytes, heap_bytes: m.heapBytes,
    arena_bytes: m.arenaBytes, rom_bytes: m.romBytes, ram_bytes: m.ramBytes, outputs_match: m.outputsMatch,
    job_id: r.jobId, reps: m.counts.length, attempt: r.attempt,
  };
  if (m.energyUj !== undefined) fields.energy_uj = m.energyUj;
  if (m.energyEstimated !== undefined) fields.energy_estimated = m.energyEstimated;
  if (r.firmwareHash) fields.firmware_hash = r.firmwareHash;
  // Modelled figures say so (QEMU: latency from instructions at the nominal clock); a submitted
  // image says whose it was.
  if (m.latencyEstimated !== undefined) fields.latency_estimated = m.latencyEstimated;
  if (r.submittedBy) fields.submitted_by = r.submittedBy;
  if (r.firmwareSha256) fields.firmware_sha256 = r.firmwareSha256;
  return {
    measurement: MEASUREMENTS.results,
    tags: {
      board: r.boardId, board_kind: r.boardKind, agent: r.agentId, model: r.model, backend: r.backend,
      tiling: r.tiling, arithmetic: arithmeticOf(r), suite: suite ?? 'adhoc', counter: m.counter,
      source: r.source ?? 'tinyrack',
    },
    fields,
    timestamp: stableTimestamp(Date.parse(r.finishedAt) || Date.now(), `result:${r.jobId}`),
  };
}

export type JobEvent = 'queued' | 'started' | 'done' | 'failed' | 'requeued' | 'skipped';

export interface JobEventInfo {
  event: JobEvent; jobId?: string; model?: string; boardKind?: string; backend?: string; tiling?: string;
  arithmetic?: string; suite?: string; attempt?: number; board?: string; agent?: string; error?: string; queueDepth?: number; runId?: string;
  at: number;
}

export function jobEventPoint(e: JobEventInfo): IPoint {
  const tags: Record<string, string> = { event: e.event };
  if (e.model) tags.model = e.model;
  if (e.boardKind) tags.board_kind = e.boardKind;
  if (e.backend) tags.backend = e.backend;
  if (e.tiling) tags.tiling = e.tiling;
  if (e.arithmetic) tags.arithmetic = e.arithmetic;
  tags.suite = e.suite ?? 'adhoc';
  const fields: Record<string, unknown> = {};
  if (e.jobId) fields.job_id = e.jobId;
  if (e.attempt !== undefined) fields.attempt = e.attempt;
  if (e.board) fields.board = e.board;
  if (e.agent) fields.agent = e.agent;
  if (e.error) fields.error = e.error.slice(0, 1000);
  if (e.queueDepth !== undefined) fields.queue_depth = e.queueDepth;
  if (e.runId) fields.run_id = e.runId;
  if (Object.keys(fields).length === 0) fields.queue_depth = 0;
  return {
    measurement: MEASUREMENTS.jobs, tags, fields,
    timestamp: stableTimestamp(e.at, `job:${e.event}:${e.jobId ?? e.runId ?? ''}:${e.attempt ?? 0}`),
  };
}

export function regressionPoint(ev: RegressionEvent): IPoint {
  const dir = ev.value > ev.baseline ? 'up' : 'down';
  return {
    measurement: MEASUREMENTS.regressions,
    tags: { model: ev.model, board_kind: ev.boardKind, backend: ev.backend, tiling: ev.tiling, arithmetic: arithmeticOf(ev), metric: ev.metric },
    fields: {
      baseline: ev.baseline, value: ev.value, change_pct: ev.changePct, job_id: ev.jobId,
      text: `${ev.model} ${ev.metric} ${dir} ${ev.changePct.toFixed(2)}% on ${ev.boardKind} (${ev.backend}/${ev.tiling}/${arithmeticOf(ev)}): ${ev.baseline} -> ${ev.value}${opsText(ev)}`,
    },
    timestamp: stableTimestamp(Date.parse(ev.ts) || Date.now(), `regression:${ev.jobId}:${ev.metric}`),
  };
}

export function agentHealthPoint(agentId: string, online: boolean, boards: number, version: string | undefined, at: number): IPoint {
  return {
    measurement: MEASUREMENTS.agentHealth, tags: { agent: agentId },
    fields: { online: online ? 1 : 0, boards, ...(version ? { version } : {}) },
    timestamp: stableTimestamp(at, `agent:${agentId}`),
  };
}

export function boardStatePoint(
  agentId: string, boardId: string, kind: string, state: string, failures: number, at: number,
  serial?: { noiseLines: number; corruptLines: number },
): IPoint {
  return {
    measurement: MEASUREMENTS.boardState, tags: { agent: agentId, board: boardId, board_kind: kind, state },
    fields: {
      busy: state === 'busy' ? 1 : 0, idle: state === 'idle' ? 1 : 0,
      quarantined: state === 'quarantined' ? 1 : 0, missing: state === 'missing' ? 1 : 0, failures,
      ...(serial ? { serial_noise_lines: serial.noiseLines, serial_corrupt_lines: serial.corruptLines } : {}),
    },
    timestamp: stableTimestamp(at, `board:${boardId}`),
  };
}

/** The points of one health sample, at the sample's own time: one agent_health point, and one
 * board_state point per board in its effective state (stateOf: the registry's view, which also
 * knows the daemon's leases; the sample's own state when the registry has no such board). */
export function healthSamplePoints(h: AgentHealth, stateOf: (boardId: string) => string | undefined): IPoint[] {
  const at = Date.parse(h.ts);
  const fields: Record<string, unknown> = {
    uptime_s: h.uptimeS, load1: h.load1, mem_free_bytes: h.memFreeBytes,
    boards: h.boards.length, boards_quarantined: h.boards.filter((b) => b.quarantined).length,
  };
  if (h.diskFreeBytes !== undefined) fields.disk_free_bytes = h.diskFreeBytes;
  return [
    { measurement: MEASUREMENTS.agentHealth, tags: { agent: h.agentId }, fields, timestamp: stableTimestamp(at, `health:${h.agentId}`) },
    ...h.boards.map((b) => boardStatePoint(h.agentId, b.boardId, b.kind, stateOf(b.boardId) ?? b.state, b.consecutiveFailures, at,
      { noiseLines: b.serialNoiseLines, corruptLines: b.serialCorruptLines })),
  ];
}

export function daemonHealthPoint(s: {
  queued: number; dispatched: number; influxBacklog: number; influxWritten: number; influxDeadLetters: number;
  ignoredResults: number; rejectedRequests: number; requeues: number;
}, at: number): IPoint {
  return {
    measurement: MEASUREMENTS.daemon, tags: {},
    fields: {
      queued: s.queued, dispatched: s.dispatched, influx_backlog: s.influxBacklog, influx_written: s.influxWritten,
      dead_letters: s.influxDeadLetters, ignored_results: s.ignoredResults, rejected_requests: s.rejectedRequests, requeues: s.requeues,
    },
    timestamp: stableTimestamp(at, 'daemon'),
  };
}
