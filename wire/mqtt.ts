// MQTT topics and payloads shared by agents, the daemon and the `tinyrack request` client.
// Documented in docs/mqtt-contract.md. Every payload is UTF-8 JSON carrying `v: 1`.
// Every inbound payload goes through a validator below before anything acts on it: a malformed
// message is rejected with a reason, never half-applied.

export const WIRE_VERSION = 1;
export const ROOT = 'tinyrack';

export const topics = {
  /** Retained agent status; the broker publishes the last-will "offline" version. */
  agentStatus: (agentId: string) => `${ROOT}/agents/${agentId}/status`,
  /** Retained board inventory of one agent. */
  agentInventory: (agentId: string) => `${ROOT}/agents/${agentId}/inventory`,
  /** Jobs for one agent (daemon -> agent, QoS 1). */
  agentJobs: (agentId: string) => `${ROOT}/agents/${agentId}/jobs`,
  /** Progress of jobs (agent -> daemon, QoS 1). */
  agentProgress: (agentId: string) => `${ROOT}/agents/${agentId}/progress`,
  /** Final job results (agent -> daemon, QoS 1). */
  agentResults: (agentId: string) => `${ROOT}/agents/${agentId}/results`,
  /** Board and agent health samples (agent -> daemon, QoS 0, not retained): `AgentHealth`. */
  agentHealth: (agentId: string) => `${ROOT}/agents/${agentId}/health`,
  /** On-demand flash requests (client -> daemon). */
  requests: `${ROOT}/requests`,
  /** Regression events (daemon -> anyone). */
  regressions: `${ROOT}/alerts/regressions`,
  /** Retained daemon status. */
  daemonStatus: `${ROOT}/daemon/status`,
  // Wildcards the daemon subscribes to.
  allStatus: `${ROOT}/agents/+/status`,
  allInventory: `${ROOT}/agents/+/inventory`,
  allProgress: `${ROOT}/agents/+/progress`,
  allResults: `${ROOT}/agents/+/results`,
  allHealth: `${ROOT}/agents/+/health`,
} as const;

/** The agent id segment of an agents/<id>/... topic. */
export function agentIdOfTopic(topic: string): string | undefined {
  const m = /^tinyrack\/agents\/([^/+#]+)\//.exec(topic);
  return m?.[1];
}

// Names (backends, tiling modes, arithmetics, counters) come from the one vocabulary module.
import { ARITHMETICS, arithmeticFitsBackend as pairAllowed, tflmArithmeticNote, BACKENDS, COUNTERS, TILING_MODES, type Arithmetic, type Backend, type Counter, type TilingMode } from './vocabulary.ts';
export { ARITHMETICS, arithmeticOf, BACKENDS, DEFAULT_ARITHMETIC, TILING_MODES, type Arithmetic, type Backend, type Counter, type TilingMode } from './vocabulary.ts';
import { profileErrors, type ResultProfile } from './profile.ts';
export type { ProfileOpOnWire, ResultProfile } from './profile.ts';

export type BoardState = 'idle' | 'busy' | 'quarantined' | 'missing';

export interface AgentStatus {
  v: 1; agentId: string; state: 'online' | 'offline'; version?: string; startedAt?: string; ts: string;
}

export interface BoardInfo {
  /** Unique board instance id within the lab, e.g. "rack1-qemu-mps2-an386-0". */
  boardId: string;
  /** Board definition id, e.g. "qemu-mps2-an386", "nucleo-f446re". */
  kind: string;
  virtual: boolean;
  state: BoardState;
  port?: string;
  serialNumber?: string;
  failures?: number;
}

export interface AgentInventory { v: 1; agentId: string; boards: BoardInfo[]; ts: string }

/** One board in a health sample: what the agent itself tracks about it (agents/health/). */
export interface BoardHealthSample {
  boardId: string;
  kind: string;
  state: BoardState;
  /** Board-side job failures in a row (a success resets it); `quarantineAfter` of them quarantine it. */
  consecutiveFailures: number;
  /** Redundant with `state`, kept so a dashboard can sum it; must agree with `state`. */
  quarantined: boolean;
  /** When the last job on this board finished (absent: none since the agent started). */
  lastJobAt?: string;
  /** Console lines that were not report records / records failing CRC or format, summed over
   * every job on this board since the agent started (a rising count is a flaky cable or baud). */
  serialNoiseLines: number;
  serialCorruptLines: number;
}

/** A periodic health sample of one agent and its boards (best effort: QoS 0, dropped while the
 * broker is unreachable; the next sample supersedes it). */
export interface AgentHealth {
  v: 1;
  agentId: string;
  /** When the sample was taken (ISO 8601). */
  ts: string;
  /** Seconds since this agent process started (a drop means the agent restarted). */
  uptimeS: number;
  /** The machine's 1-minute load average (os.loadavg()[0]). */
  load1: number;
  /** Free memory of the machine (os.freemem()). */
  memFreeBytes: number;
  /** Free space for the agent (unprivileged) in its work folder: build cache, journal, outbox.
   * Absent when the folder could not be measured. */
  diskFreeBytes?: number;
  boards: BoardHealthSample[];
}

/** The model of a job: a name from the model set, or an uploaded .tflite. */
export type ModelRef = { name: string } | { name: string; tfliteBase64: string; sha256?: string };

export interface JobSpec {
  v: 1;
  jobId: string;
  /** A specific board instance, or any idle board of a kind. */
  boardId?: string;
  boardKind: string;
  model: ModelRef;
  backend: Backend;
  tiling: TilingMode;
  /** Absent = 'reference' (arithmeticOf). */
  arithmetic?: Arithmetic;
  reps: number;
  /** Build with the per-op profile (the result's metrics.profile); absent = off. */
  profile?: boolean;
  /** Attempt number, 1-based: the daemon re-queues a job at most K times. */
  attempt: number;
  /** Wall-clock deadline in ms since epoch after which the daemon gives the job up. */
  deadline: number;
  tags?: Record<string, string>;
}

export type JobPhase = 'accepted' | 'building' | 'flashing' | 'running' | 'done' | 'failed';

export interface JobProgress { v: 1; jobId: string; agentId: string; boardId?: string; phase: JobPhase; message?: string; ts: string }

export interface ResultMetrics {
  /** "instructions" on QEMU boards (-icount), "cycles" on silicon, "ns" of wall clock on the host board. */
  counter: Counter;
  /** Median count per inference, and every timed inference's count. */
  count: number;
  counts: number[];
  latencyUs: number;
  stackBytes: number;
  heapBytes: number;
  arenaBytes: number;
  romBytes: number;
  ramBytes: number;
  /** Energy per inference in microjoules, when measured or estimated. */
  energyUj?: number;
  energyEstimated?: boolean;
  outputsMatch: boolean;
  /** Per-op counts of the last timed inference, when the job asked for a profile (wire/profile.ts). */
  profile?: ResultProfile;
}

export interface JobResult {
  v: 1;
  jobId: string;
  agentId: string;
  boardId: string;
  boardKind: string;
  model: string;
  backend: Backend;
  tiling: TilingMode;
  /** The arithmetic the firmware was built with (agents always set it; absent = 'reference',
   * a result from an agent that predates the field). */
  arithmetic?: Arithmetic;
  ok: boolean;
  error?: string;
  metrics?: ResultMetrics;
  firmwareHash?: string;
  serial?: { records: number; noiseLines: number; corruptLines: number };
  attempt: number;
  startedAt: string;
  finishedAt: string;
  tags?: Record<string, string>;
}

export interface FlashRequest {
  v: 1;
  requestId: string;
  model: ModelRef;
  board: { kind: string } | { id: string };
  backend: Backend;
  tiling: TilingMode;
  /** Absent = 'reference' (arithmeticOf). */
  arithmetic?: Arithmetic;
  reps: number;
  replyTo: string;
}

export type RequestReply =
  | { v: 1; requestId: string; type: 'rejected'; reason: string }
  | { v: 1; requestId: string; type: 'accepted'; jobId: string }
  | { v: 1; requestId: string; type: 'progress'; jobId: string; phase: JobPhase; message?: string }
  | { v: 1; requestId: string; type: 'result'; jobId: string; result: JobResult };

export interface RegressionEvent {
  v: 1; model: string; boardKind: string; backend: Backend; tiling: TilingMode;
  /** The daemon always sets it: baselines are per arithmetic. */
  arithmetic?: Arithmetic;
  metric: string; baseline: number; value: number; changePct: number; jobId: string; ts: string;
  /** A count event of a profiled result: the ops whose own count changed, largest change first. */
  ops?: RegressionOpChange[];
}

export interface RegressionOpChange { op: number; kind: string; baseline: number; value: number; changePct: number }

// ---------------------------------------------------------------------------------------------
// Validation. Each validator returns the typed value or a list of reasons; it never throws.

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

type Check = (v: unknown, path: string, errors: string[]) => void;

const str = (opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string' || v.length === 0) e.push(`${p} must be a non-empty string`);
};
const int = (min: number, max: number, opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) e.push(`${p} must be an integer in [${min}, ${max}]`);
};
const num = (opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) e.push(`${p} must be a finite number`);
};
const bool = (opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'boolean') e.push(`${p} must be true or false`);
};
const oneOf = (values: readonly string[], opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string' || !values.includes(v)) e.push(`${p} must be one of ${values.join(', ')}`);
};
const obj = (shape: Record<string, Check>, opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) { e.push(`${p} must be an object`); return; }
  for (const [k, c] of Object.entries(shape)) c((v as Record<string, unknown>)[k], `${p}.${k}`, e);
};
const arr = (item: Check, opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (!Array.isArray(v)) { e.push(`${p} must be an array`); return; }
  v.forEach((x, i) => item(x, `${p}[${i}]`, e));
};
const strMap = (opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'object' || v === null || Array.isArray(v) ||
      Object.values(v).some((x) => typeof x !== 'string')) e.push(`${p} must be an object of strings`);
};
const version: Check = (v, p, e) => { if (v !== WIRE_VERSION) e.push(`${p} must be ${WIRE_VERSION}`); };

/** Runs two checks on the same value (shape first, then rules across fields). */
const both = (a: Check, b: Check): Check => (v, p, e) => { const n = e.length; a(v, p, e); if (e.length === n) b(v, p, e); };

const MODEL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const modelRef: Check = (v, p, e) => {
  obj({ name: str(), tfliteBase64: str(true), sha256: str(true) })(v, p, e);
  const name = (v as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && !MODEL_NAME.test(name)) e.push(`${p}.name must match ${MODEL_NAME}`);
};
const TILINGS = TILING_MODES;

/** Cross-field rule (vocabulary.arithmeticFitsBackend): a job, request or result pairing a
 * TFLite-Micro backend with xnnpack arithmetic is refused up front. */
const arithmeticFitsBackend: Check = (v, p, e) => {
  const r = v as { backend?: unknown; arithmetic?: unknown };
  if (typeof r.backend === 'string' && !pairAllowed(r.backend, typeof r.arithmetic === 'string' ? r.arithmetic : undefined)) {
    e.push(`${p}.arithmetic ${String(r.arithmetic)} needs backend aot (${tflmArithmeticNote(r.backend)})`);
  }
};
const BOARD_STATES: readonly BoardState[] = ['idle', 'busy', 'quarantined', 'missing'];
const PHASES = ['accepted', 'building', 'flashing', 'running', 'done', 'failed'] as const;

function validator<T>(check: Check): (raw: unknown) => Validated<T> {
  return (raw) => {
    let v = raw;
    if (raw instanceof Uint8Array) raw = Buffer.from(raw).toString('utf8');
    if (typeof raw === 'string') {
      try { v = JSON.parse(raw); } catch (err) { return { ok: false, errors: [`payload is not JSON: ${(err as Error).message}`] }; }
    }
    const errors: string[] = [];
    check(v, 'payload', errors);
    return errors.length ? { ok: false, errors } : { ok: true, value: v as T };
  };
}

const metrics: Check = obj({
  counter: oneOf(COUNTERS), count: int(0, Number.MAX_SAFE_INTEGER),
  counts: arr(int(0, Number.MAX_SAFE_INTEGER)), latencyUs: num(), stackBytes: int(0, 2 ** 32),
  heapBytes: int(0, 2 ** 32), arenaBytes: int(0, 2 ** 32), romBytes: int(0, 2 ** 32),
  ramBytes: int(0, 2 ** 32), energyUj: num(true), energyEstimated: bool(true), outputsMatch: bool(),
  profile: (v, p, e) => { if (v !== undefined) e.push(...profileErrors(v, p)); },
});

export const validateJobSpec = validator<JobSpec>(both(obj({
  v: version, jobId: str(), boardId: str(true), boardKind: str(), model: modelRef,
  backend: oneOf(BACKENDS), tiling: oneOf(TILINGS), arithmetic: oneOf(ARITHMETICS, true), reps: int(1, 1000), attempt: int(1, 100),
  deadline: int(0, Number.MAX_SAFE_INTEGER), tags: strMap(true), profile: bool(true),
}), arithmeticFitsBackend));

export const validateJobResult = validator<JobResult>(both(obj({
  v: version, jobId: str(), agentId: str(), boardId: str(), boardKind: str(), model: str(),
  backend: oneOf(BACKENDS), tiling: oneOf(TILINGS), arithmetic: oneOf(ARITHMETICS, true), ok: bool(), error: str(true),
  // A failed job has no metrics; a successful one must have them (checked below).
  metrics: (v, p, e) => { if (v !== undefined) metrics(v, p, e); }, firmwareHash: str(true),
  serial: obj({ records: int(0, 2 ** 31), noiseLines: int(0, 2 ** 31), corruptLines: int(0, 2 ** 31) }, true),
  attempt: int(1, 100), startedAt: str(), finishedAt: str(), tags: strMap(true),
}), (v, p, e) => {
  const r = v as { ok?: unknown; metrics?: unknown; error?: unknown } | null;
  if (r?.ok === true && r.metrics === undefined) e.push(`${p}.metrics is required when ok is true`);
  if (r?.ok === false && r.error === undefined) e.push(`${p}.error is required when ok is false`);
  arithmeticFitsBackend(v, p, e);
}));

export const validateJobProgress = validator<JobProgress>(obj({
  v: version, jobId: str(), agentId: str(), boardId: str(true), phase: oneOf(PHASES),
  message: (v, p, e) => { if (v !== undefined && typeof v !== 'string') e.push(`${p} must be a string`); },
  ts: str(),
}));

export const validateAgentStatus = validator<AgentStatus>(obj({
  v: version, agentId: str(), state: oneOf(['online', 'offline']), version: str(true),
  startedAt: str(true), ts: str(),
}));

export const validateInventory = validator<AgentInventory>(obj({
  v: version, agentId: str(), ts: str(),
  boards: arr(obj({
    boardId: str(), kind: str(), virtual: bool(), state: oneOf(BOARD_STATES),
    port: str(true), serialNumber: str(true), failures: int(0, 2 ** 31, true),
  })),
}));

/** An ISO 8601 time that Date.parse understands (a sample's time goes into InfluxDB as is). */
const isoTime = (opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(v) || Number.isNaN(Date.parse(v))) e.push(`${p} must be an ISO 8601 time`);
};
const nonNegative = (v: unknown, p: string, e: string[]): void => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) e.push(`${p} must be a finite number >= 0`);
};

export const validateAgentHealth = validator<AgentHealth>(both(obj({
  v: version, agentId: str(), ts: isoTime(), uptimeS: int(0, Number.MAX_SAFE_INTEGER), load1: nonNegative,
  memFreeBytes: int(0, Number.MAX_SAFE_INTEGER), diskFreeBytes: int(0, Number.MAX_SAFE_INTEGER, true),
  boards: arr(obj({
    boardId: str(), kind: str(), state: oneOf(BOARD_STATES), consecutiveFailures: int(0, 2 ** 31),
    quarantined: bool(), lastJobAt: isoTime(true), serialNoiseLines: int(0, Number.MAX_SAFE_INTEGER),
    serialCorruptLines: int(0, Number.MAX_SAFE_INTEGER),
  })),
}), (v, p, e) => {
  // Rules across fields, checked once the shape is right.
  const boards = (v as AgentHealth).boards;
  const seen = new Set<string>();
  boards.forEach((b, i) => {
    if (b.quarantined !== (b.state === 'quarantined')) e.push(`${p}.boards[${i}].quarantined is ${b.quarantined} but state is ${b.state}`);
    if (seen.has(b.boardId)) e.push(`${p}.boards[${i}].boardId ${b.boardId} appears twice`);
    seen.add(b.boardId);
  });
}));

export const validateFlashRequest = validator<FlashRequest>((v, p, e) => {
  both(obj({
    v: version, requestId: str(), model: modelRef, backend: oneOf(BACKENDS), tiling: oneOf(TILINGS),
    arithmetic: oneOf(ARITHMETICS, true), reps: int(1, 1000), replyTo: str(),
    board: obj({ kind: str(true), id: str(true) }),
  }), arithmeticFitsBackend)(v, p, e);
  const board = (v as { board?: { kind?: unknown; id?: unknown } } | null)?.board;
  if (board && typeof board === 'object' && (board.kind === undefined) === (board.id === undefined)) {
    e.push(`${p}.board must have exactly one of kind or id`);
  }
  const reply = (v as { replyTo?: unknown } | null)?.replyTo;
  if (typeof reply === 'string' && /[+#]/.test(reply)) e.push(`${p}.replyTo must not contain MQTT wildcards`);
});

export function encode(payload: object): Buffer {
  return Buffer.from(JSON.stringify(payload));
}

// ---------------------------------------------------------------------------------------------
// Appended by the daemon (issue 6): starting a regression suite on a running daemon.
// `tinyrack suite run <name>` publishes a SuiteRunRequest; the daemon answers on replyTo.

export const suiteTopics = {
  /** Suite run requests (client -> daemon, QoS 1). */
  run: `${ROOT}/suites/run`,
} as const;

export interface SuiteRunRequest { v: 1; requestId: string; suite: string; replyTo: string }

export type SuiteRunReply =
  | { v: 1; requestId: string; type: 'rejected'; reason: string }
  | { v: 1; requestId: string; type: 'skipped'; suite: string; reason: string; runningRunId: string }
  | { v: 1; requestId: string; type: 'started'; suite: string; runId: string; jobIds: string[] }
  | { v: 1; requestId: string; type: 'finished'; suite: string; runId: string; done: number; failed: number; jobIds: string[] };

export const validateSuiteRunRequest = validator<SuiteRunRequest>((v, p, e) => {
  obj({ v: version, requestId: str(), suite: str(), replyTo: str() })(v, p, e);
  const reply = (v as { replyTo?: unknown } | null)?.replyTo;
  if (typeof reply === 'string' && /[+#]/.test(reply)) e.push(`${p}.replyTo must not contain MQTT wildcards`);
});

// ---------------------------------------------------------------------------------------------
// Appended for issue 14 (bring your own firmware, the MLPerf Tiny protocol): optional fields,
// merged into the interfaces above (TypeScript declaration merging) so older payloads stay
// valid. Their checks live in wire/firmware-image.ts (checkByoFields), run by the daemon before
// it queues and by the agent before it flashes.
import type { ByoFields, ByoResultFields } from './firmware-image.ts';

export interface JobSpec extends ByoFields {}
export interface FlashRequest extends ByoFields {}
export interface JobResult extends ByoResultFields {}
export interface ResultMetrics {
  /** True when latency is derived from a modelled clock (QEMU: instructions at the board's
   * nominal clock, one instruction per cycle) rather than measured. */
  latencyEstimated?: boolean;
}

/** Bring-your-own-firmware requests come on tinyrack/requests/firmware/<client>: the broker's
 * ACL lets each client publish only under its own name (pattern write
 * tinyrack/requests/firmware/%u), so the daemon knows who submitted an image from the topic. */
export const firmwareRequestTopics = {
  request: (client: string) => `${ROOT}/requests/firmware/${client}`,
  all: `${ROOT}/requests/firmware/+`,
} as const;

/** The client segment of a firmware request topic. */
export function clientOfFirmwareTopic(topic: string): string | undefined {
  const m = /^tinyrack\/requests\/firmware\/([^/+#]+)$/.exec(topic);
  return m?.[1];
}
