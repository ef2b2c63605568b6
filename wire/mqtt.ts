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
  /** On-demand flash requests (client -> daemon) on the old shared topic: accepted only where the
   * broker lets nobody but trusted accounts write it (no requester identity; see docs). */
  requests: `${ROOT}/requests`,
  /** Flash requests of one requester account: the broker ACL pins the last level to the username,
   * so the daemon knows who asks and answers only under tinyrack/replies/<requester>/. */
  requestsOf: (requester: string) => `${ROOT}/requests/${requester}`,
  allRequests: `${ROOT}/requests/+`,
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
  return m && isSafeId(m[1]) ? m[1] : undefined;
}

/** The requester of a per-client request topic (tinyrack/requests/<user>, tinyrack/suites/run/<user>);
 * undefined for the old shared topics and for anything else. */
export function requesterOfTopic(topic: string): string | undefined {
  const m = /^tinyrack\/(?:requests|suites\/run)\/([^/]+)$/.exec(topic);
  return m && isSafeId(m[1]) ? m[1] : undefined;
}

import { CLOCK_WINDOW, decodeUtf8, inClockWindow, isSafeId, LIMITS, replyTopicProblem, SAFE_ID_RULE, textProblem } from './edge.ts';
export { isSafeId, LIMITS, replyTopicFor, replyTopicProblem, replyPrefix, SAFE_ID, SAFE_ID_RULE } from './edge.ts';

// Names (backends, tiling modes, arithmetics, counters) come from the one vocabulary module.
import { ARITHMETICS, arithmeticFitsBackend as pairAllowed, tflmArithmeticNote, BACKENDS, COUNTERS, TILING_MODES, PROTOCOLS, RESULT_SOURCES, type Arithmetic, type Backend, type Counter, type TilingMode } from './vocabulary.ts';
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

// Every check also bounds what it accepts (wire/edge.ts): string lengths, array lengths, map sizes,
// ids by the safe-id rule, no control characters, whole payloads by bytes, strict UTF-8, unknown
// fields refused (nothing unvalidated is copied into journals, replies or InfluxDB).

/** `notes`: what the validator changed and why (a time outside the clock window is replaced by
 * the receive time); the receiver logs or counts them. */
export type Validated<T> = { ok: true; value: T; notes?: string[] } | { ok: false; errors: string[] };

/** What a validator needs from the receiver: its clock, and a payload bound other than the default. */
export interface ValidateOptions { now?: number; maxBytes?: number }

type Check = (v: unknown, path: string, errors: string[]) => void;

const str = (opt = false, maxChars: number = LIMITS.stringChars): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string' || v.length === 0) { e.push(`${p} must be a non-empty string`); return; }
  const why = textProblem(v, maxChars);
  if (why) e.push(`${p} ${why}`);
};
/** Free text (an error, a progress message): may be empty, may have line breaks. */
const text = (opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string') { e.push(`${p} must be a string`); return; }
  const why = textProblem(v, LIMITS.textChars, true);
  if (why) e.push(`${p} ${why}`);
};
/** An id that may become a file name, a topic level or a tag (wire/edge.ts SAFE_ID). */
const id = (opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string' || v.length === 0) e.push(`${p} must be a non-empty string`);
  else if (!isSafeId(v)) e.push(`${p} must be an id of ${SAFE_ID_RULE}`);
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
  for (const k of Object.keys(v)) {
    if (!Object.hasOwn(shape, k)) e.push(`${p}.${k.length > 64 ? `${k.slice(0, 64)}...` : k} is not a known field`);
  }
  for (const [k, c] of Object.entries(shape)) c((v as Record<string, unknown>)[k], `${p}.${k}`, e);
};
const arr = (item: Check, opt = false, maxItems: number = LIMITS.arrayItems): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (!Array.isArray(v)) { e.push(`${p} must be an array`); return; }
  if (v.length > maxItems) { e.push(`${p} has ${v.length} items, more than ${maxItems}`); return; }
  v.forEach((x, i) => item(x, `${p}[${i}]`, e));
};
const strMap = (opt = false): Check => (v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'object' || v === null || Array.isArray(v) ||
      Object.values(v).some((x) => typeof x !== 'string')) { e.push(`${p} must be an object of strings`); return; }
  const entries = Object.entries(v as Record<string, string>);
  if (entries.length > LIMITS.tagEntries) { e.push(`${p} has ${entries.length} entries, more than ${LIMITS.tagEntries}`); return; }
  for (const [k, x] of entries) {
    if (!isSafeId(k)) e.push(`${p} key ${JSON.stringify(String(k).slice(0, 64))} must be an id of ${SAFE_ID_RULE}`);
    const why = textProblem(x, LIMITS.tagValueChars);
    if (why) e.push(`${p}.${isSafeId(k) ? k : '?'} ${why}`);
  }
};
const version: Check = (v, p, e) => { if (v !== WIRE_VERSION) e.push(`${p} must be ${WIRE_VERSION}`); };

/** Runs two checks on the same value (shape first, then rules across fields). */
const both = (a: Check, b: Check): Check => (v, p, e) => { const n = e.length; a(v, p, e); if (e.length === n) b(v, p, e); };

const MODEL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Base64 text: its size is bounded by the whole payload's (the daemon's upload limit). */
const base64: Check = (v, p, e) => {
  if (v === undefined) return;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) e.push(`${p} is not valid base64`);
};
const sha256: Check = (v, p, e) => {
  if (v === undefined) return;
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) e.push(`${p} must be 64 hex digits`);
};
/** The optional bring-your-own-firmware fields of a job or request (wire/firmware-image.ts:
 * their cross-field rules and the image check run in checkByoFields, by the daemon and the agent). */
const byoShape = (): Record<string, Check> => ({
  protocol: oneOf(PROTOCOLS, true), firmware: obj({ name: str(), elfBase64: base64, sha256 }, true),
  submittedBy: id(true), validateAllSamples: bool(true),
});
/** The labels a result of such a job carries. */
const byoResultShape = (): Record<string, Check> => ({
  protocol: oneOf(PROTOCOLS, true), source: oneOf(RESULT_SOURCES, true), submittedBy: id(true),
  firmwareSha256: sha256, firmwareName: str(true),
  validation: obj({ samples: int(0, 1_000_000), agreed: int(0, 1_000_000), disagreed: arr(int(0, 1_000_000), true) }, true),
});
const modelRef: Check = (v, p, e) => {
  obj({ name: str(), tfliteBase64: base64, sha256 })(v, p, e);
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

/** Times a payload carries that end up as InfluxDB timestamps or in ordering decisions: a value
 * outside the receiver's clock window (wire/edge.ts) is replaced by the receive time, and a note
 * says so. Paths are field names, `[]` stepping into every item of an array. */
type TimeFields = string[];

function clampTimes(v: unknown, fields: TimeFields, now: number, notes: string[]): void {
  const nowIso = new Date(now).toISOString();
  for (const f of fields) {
    const walk = (node: unknown, parts: string[], path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const [head, ...rest] = parts;
      if (head === '[]') { if (Array.isArray(node)) node.forEach((x, i) => walk(x, rest, `${path}[${i}]`)); return; }
      const rec = node as Record<string, unknown>;
      if (!rest.length) {
        const t = rec[head!];
        if (typeof t === 'string' && !inClockWindow(Date.parse(t), now)) {
          notes.push(`${path}.${head} ${t} is outside the receiver's clock window (-${CLOCK_WINDOW.pastMs / 86_400_000} d, +${CLOCK_WINDOW.futureMs / 60_000} min): replaced by the receive time ${nowIso}`);
          rec[head!] = nowIso;
        }
      } else walk(rec[head!], rest, `${path}.${head}`);
    };
    walk(v, f.split('.'), 'payload');
  }
}

function validator<T>(check: Check, times: TimeFields = [], defaultMaxBytes: number = LIMITS.payloadBytes): (raw: unknown, opts?: ValidateOptions) => Validated<T> {
  return (raw, opts = {}) => {
    let v = raw;
    const maxBytes = opts.maxBytes ?? defaultMaxBytes;
    if (raw instanceof Uint8Array) {
      if (raw.length > maxBytes) return { ok: false, errors: [`payload is ${raw.length} bytes, more than ${maxBytes}`] };
      const s = decodeUtf8(raw);
      if (s === undefined) return { ok: false, errors: ['payload is not valid UTF-8'] };
      raw = s;
    }
    if (typeof raw === 'string') {
      if (Buffer.byteLength(raw) > maxBytes) return { ok: false, errors: [`payload is ${Buffer.byteLength(raw)} bytes, more than ${maxBytes}`] };
      // Deep nesting throws a RangeError here, caught like any other parse error.
      try { v = JSON.parse(raw); } catch (err) { return { ok: false, errors: [`payload is not JSON: ${(err as Error).message}`] }; }
    }
    const errors: string[] = [];
    check(v, 'payload', errors);
    if (errors.length) return { ok: false, errors: errors.length > 20 ? [...errors.slice(0, 20), `and ${errors.length - 20} more`] : errors };
    const notes: string[] = [];
    // A caller's own object is never changed: replacements go into a copy.
    if (times.length && v === raw && typeof v === 'object') v = structuredClone(v);
    clampTimes(v, times, opts.now ?? Date.now(), notes);
    return notes.length ? { ok: true, value: v as T, notes } : { ok: true, value: v as T };
  };
}

const metrics: Check = obj({
  counter: oneOf(COUNTERS), count: int(0, Number.MAX_SAFE_INTEGER),
  counts: arr(int(0, Number.MAX_SAFE_INTEGER), false, 1000), latencyUs: num(), stackBytes: int(0, 2 ** 32),
  heapBytes: int(0, 2 ** 32), arenaBytes: int(0, 2 ** 32), romBytes: int(0, 2 ** 32),
  ramBytes: int(0, 2 ** 32), energyUj: num(true), energyEstimated: bool(true), outputsMatch: bool(), latencyEstimated: bool(true),
  profile: (v, p, e) => { if (v !== undefined) e.push(...profileErrors(v, p)); },
});

export const validateJobSpec = validator<JobSpec>(both(obj({
  v: version, jobId: id(), boardId: id(true), boardKind: id(), model: modelRef,
  backend: oneOf(BACKENDS), tiling: oneOf(TILINGS), arithmetic: oneOf(ARITHMETICS, true), reps: int(1, 1000), attempt: int(1, 100),
  deadline: int(0, Number.MAX_SAFE_INTEGER), tags: strMap(true), profile: bool(true), ...byoShape(),
}), arithmeticFitsBackend), [], LIMITS.jobSpecBytes);

export const validateJobResult = validator<JobResult>(both(obj({
  v: version, jobId: id(), agentId: id(), boardId: id(), boardKind: id(), model: id(),
  backend: oneOf(BACKENDS), tiling: oneOf(TILINGS), arithmetic: oneOf(ARITHMETICS, true), ok: bool(), error: text(true),
  // A failed job has no metrics; a successful one must have them (checked below).
  metrics: (v, p, e) => { if (v !== undefined) metrics(v, p, e); }, firmwareHash: str(true),
  serial: obj({ records: int(0, 2 ** 31), noiseLines: int(0, 2 ** 31), corruptLines: int(0, 2 ** 31) }, true),
  attempt: int(1, 100), startedAt: isoTime(), finishedAt: isoTime(), tags: strMap(true), ...byoResultShape(),
}), (v, p, e) => {
  const r = v as { ok?: unknown; metrics?: unknown; error?: unknown } | null;
  if (r?.ok === true && r.metrics === undefined) e.push(`${p}.metrics is required when ok is true`);
  if (r?.ok === false && r.error === undefined) e.push(`${p}.error is required when ok is false`);
  arithmeticFitsBackend(v, p, e);
}), ['startedAt', 'finishedAt']);

/** An ISO 8601 time that Date.parse understands (a sample's time goes into InfluxDB as is). */
function isoTime(opt = false): Check {
  return (v, p, e) => {
    if (v === undefined && opt) return;
    if (typeof v !== 'string' || v.length > 64 || !/^\d{4}-\d\d-\d\dT/.test(v) || Number.isNaN(Date.parse(v))) e.push(`${p} must be an ISO 8601 time`);
  };
}

export const validateJobProgress = validator<JobProgress>(obj({
  v: version, jobId: id(), agentId: id(), boardId: id(true), phase: oneOf(PHASES),
  message: text(true),
  ts: isoTime(),
}), ['ts']);

export const validateAgentStatus = validator<AgentStatus>(obj({
  v: version, agentId: id(), state: oneOf(['online', 'offline']), version: str(true, 64),
  startedAt: isoTime(true), ts: isoTime(),
}), ['ts']);

export const validateInventory = validator<AgentInventory>(obj({
  v: version, agentId: id(), ts: isoTime(),
  boards: arr(obj({
    boardId: id(), kind: id(), virtual: bool(), state: oneOf(BOARD_STATES),
    port: str(true), serialNumber: str(true), failures: int(0, 2 ** 31, true),
  })),
}), ['ts']);
const nonNegative = (v: unknown, p: string, e: string[]): void => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) e.push(`${p} must be a finite number >= 0`);
};

export const validateAgentHealth = validator<AgentHealth>(both(obj({
  v: version, agentId: id(), ts: isoTime(), uptimeS: int(0, Number.MAX_SAFE_INTEGER), load1: nonNegative,
  memFreeBytes: int(0, Number.MAX_SAFE_INTEGER), diskFreeBytes: int(0, Number.MAX_SAFE_INTEGER, true),
  boards: arr(obj({
    boardId: id(), kind: id(), state: oneOf(BOARD_STATES), consecutiveFailures: int(0, 2 ** 31),
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
}), ['ts', 'boards.[].lastJobAt']);

/** replyTo: a topic under tinyrack/replies/ (the daemon also checks it is the requester's own). */
const replyTo: Check = (v, p, e) => {
  if (typeof v !== 'string' || v.length === 0) { e.push(`${p} must be a non-empty string`); return; }
  const why = replyTopicProblem(v, undefined);
  if (why) e.push(`${p.slice(0, p.lastIndexOf('.') + 1)}${why}`);
};

/** Flash requests carry an upload: pass `maxBytes` = the upload limit as base64 plus
 * LIMITS.requestOverheadBytes (daemon/requests.ts does). */
export const validateFlashRequest = validator<FlashRequest>((v, p, e) => {
  both(obj({
    v: version, requestId: id(), model: modelRef, backend: oneOf(BACKENDS), tiling: oneOf(TILINGS),
    arithmetic: oneOf(ARITHMETICS, true), reps: int(1, 1000), replyTo,
    board: obj({ kind: id(true), id: id(true) }), ...byoShape(),
  }), arithmeticFitsBackend)(v, p, e);
  const board = (v as { board?: { kind?: unknown; id?: unknown } } | null)?.board;
  if (board && typeof board === 'object' && (board.kind === undefined) === (board.id === undefined)) {
    e.push(`${p}.board must have exactly one of kind or id`);
  }
});

export function encode(payload: object): Buffer {
  return Buffer.from(JSON.stringify(payload));
}

// ---------------------------------------------------------------------------------------------
// Appended by the daemon (issue 6): starting a regression suite on a running daemon.
// `tinyrack suite run <name>` publishes a SuiteRunRequest; the daemon answers on replyTo.

export const suiteTopics = {
  /** Suite run requests (client -> daemon, QoS 1) on the old shared topic (see topics.requests). */
  run: `${ROOT}/suites/run`,
  /** Suite run requests of one requester account (see topics.requestsOf). */
  runOf: (requester: string) => `${ROOT}/suites/run/${requester}`,
  allRuns: `${ROOT}/suites/run/+`,
} as const;

export interface SuiteRunRequest { v: 1; requestId: string; suite: string; replyTo: string }

export type SuiteRunReply =
  | { v: 1; requestId: string; type: 'rejected'; reason: string }
  | { v: 1; requestId: string; type: 'skipped'; suite: string; reason: string; runningRunId: string }
  | { v: 1; requestId: string; type: 'started'; suite: string; runId: string; jobIds: string[] }
  | { v: 1; requestId: string; type: 'finished'; suite: string; runId: string; done: number; failed: number; jobIds: string[] };

export const validateSuiteRunRequest = validator<SuiteRunRequest>((v, p, e) => {
  obj({ v: version, requestId: id(), suite: id(), replyTo })(v, p, e);
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
