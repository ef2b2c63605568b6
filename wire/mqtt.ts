// MQTT topics and payloads shared by agents, the daemon and the `tinyrack request` client.
// Documented in docs/mqtt-contract.md. Every payload is UTF-8 JSON carrying `v: 1`.
// Every inbound payload goes through a validator below before anything acts on it: a malformed
// message is rejected with a reason, never half-applied.

export const ROOT = 'tinyrack';

export const topics = {
  /** Retained agent status; the broker publishes the last-will "offline" version. */
  agentStatus: (agentId: string) => `${ROOT}/agents/${agentId}/status`,
  /** Retained board inventory of one agent. */
  agentInventory: (agentId: string) => `${ROOT}/agents/${agentId}/inventory`,
  /** Jobs for one agent (daemon -> agent, QoS 1). */
  agentJobs: (agentId: string) => `${ROOT}/agents/${agentId}/jobs`,
  /** Progress of jobs (agent -> daemon, PROGRESS_QOS; only where the job spec leaves it on). */
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

import { isSafeId, LIMITS, replyTopicProblem } from './edge.ts';
export { isSafeId, LIMITS, replyTopicFor, replyTopicProblem, replyPrefix, SAFE_ID, SAFE_ID_RULE } from './edge.ts';
import { arr, bool, both, id, int, isoTime, nonNegative, num, obj, oneOf, str, strMap, text, typed, validator, version, base64, sha256, type Check, type Infer } from './checks.ts';
export { WIRE_VERSION, type Validated, type ValidateOptions } from './checks.ts';

// Names (backends, tiling modes, arithmetics, counters) come from the one vocabulary module.
import { ARITHMETICS, arithmeticFitsBackend as pairAllowed, tflmArithmeticNote, BACKENDS, COUNTERS, TILING_MODES, type Backend, type TilingMode, type Arithmetic } from './vocabulary.ts';
export { ARITHMETICS, arithmeticOf, BACKENDS, DEFAULT_ARITHMETIC, TILING_MODES, type Arithmetic, type Backend, type Counter, type TilingMode } from './vocabulary.ts';
import { profileErrors, type ResultProfile } from './profile.ts';
export type { ProfileOpOnWire, ResultProfile } from './profile.ts';
import { byoResultShape, byoShape } from './firmware-image.ts';

// ---------------------------------------------------------------------------------------------
// Payloads. Each is written once, as the shape its validator checks (wire/checks.ts); its
// TypeScript type is read off that shape (`Infer`), so the type and the check cannot drift apart.
// Each validator returns the typed value or a list of reasons; it never throws.

const boardState = oneOf(['idle', 'busy', 'quarantined', 'missing']);
export type BoardState = Infer<typeof boardState>;
const jobPhase = oneOf(['accepted', 'building', 'flashing', 'running', 'done', 'failed']);
export type JobPhase = Infer<typeof jobPhase>;

const agentStatus = obj({
  v: version, agentId: id(), state: oneOf(['online', 'offline']), version: str(true, 64),
  startedAt: isoTime(true), ts: isoTime(),
});
export interface AgentStatus extends Infer<typeof agentStatus> {}
export const validateAgentStatus = validator<AgentStatus>(both(agentStatus, (s, p, e) => {
  if (s.version !== undefined) e.push(...featureProblems(s.version, `${p}.version`));
}), ['ts']);

/** The protocol features an agent understands, each a token it advertises in its status (below);
 * the daemon sends a field an older agent's strict validator would refuse only to an agent that
 * advertised the token for it (docs/mqtt-contract.md, Agent features). The one list of them:
 * - `progress-opt-out`: the agent accepts `JobSpec.progress` (and honours `false`). */
export const AGENT_FEATURES = ['progress-opt-out'] as const;
export type AgentFeature = (typeof AGENT_FEATURES)[number];
/** Bounds of the advertised list: a token is short, the list a few of them. The status's version
 * field, which carries them, is itself at most 64 characters (an older daemon's limit too). */
export const FEATURE_TOKEN = /^[a-z0-9-]{1,32}$/;
export const MAX_AGENT_FEATURES = 16;

// Why the features ride in `version` as semver build metadata ("0.1.0+progress-opt-out.x"), not in
// a field of their own: every daemon so far validates the status strictly, so a new field would
// make an older daemon refuse the status of a newer agent (never online, never a job) — the same
// break as an older agent refusing `progress`, the other way round. `version` is a free string
// both accept; an older daemon just records the longer version string.

/** The status's `version` for a release and the features it advertises. */
export function statusVersion(release: string, features: readonly string[]): string {
  return features.length ? `${release}+${features.join('.')}` : release;
}

/** A status version split into its release and its advertised tokens (after the first '+',
 * dot-separated). Unknown tokens are kept here; `knownFeatures` picks the ones this side acts on. */
export function splitStatusVersion(version: string): { release: string; features: string[] } {
  const plus = version.indexOf('+');
  if (plus < 0) return { release: version, features: [] };
  return { release: version.slice(0, plus), features: version.slice(plus + 1).split('.') };
}

/** The advertised features this side knows (a newer agent's other tokens are ignored, so it works
 * with an older daemon). */
export function knownFeatures(version: string | undefined): Set<AgentFeature> {
  const known = new Set<AgentFeature>();
  if (version === undefined) return known;
  for (const t of splitStatusVersion(version).features) if ((AGENT_FEATURES as readonly string[]).includes(t)) known.add(t as AgentFeature);
  return known;
}

function featureProblems(version: string, p: string): string[] {
  if (!version.includes('+')) return [];
  const { release, features } = splitStatusVersion(version);
  const e: string[] = [];
  if (!release) e.push(`${p} has features but no release before '+'`);
  if (features.length > MAX_AGENT_FEATURES) return [...e, `${p} advertises ${features.length} features, more than ${MAX_AGENT_FEATURES}`];
  for (const t of features) {
    if (!FEATURE_TOKEN.test(t)) e.push(`${p} feature ${JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}...` : t)} must match ${FEATURE_TOKEN}`);
  }
  if (new Set(features).size !== features.length) e.push(`${p} advertises a feature twice`);
  return e;
}

const boardInfo = obj({
  /** Unique board instance id within the lab, e.g. "rack1-qemu-mps2-an386-0". */
  boardId: id(),
  /** Board definition id, e.g. "qemu-mps2-an386", "nucleo-f446re". */
  kind: id(),
  virtual: bool(),
  state: boardState,
  port: str(true),
  serialNumber: str(true),
  failures: int(0, 2 ** 31, true),
});
export interface BoardInfo extends Infer<typeof boardInfo> {}

const agentInventory = obj({ v: version, agentId: id(), ts: isoTime(), boards: arr(boardInfo) });
export interface AgentInventory extends Infer<typeof agentInventory> {}
export const validateInventory = validator<AgentInventory>(agentInventory, ['ts']);

/** QoS of job progress. Progress is best effort (the result is the authority, and is QoS 1 from
 * the agent's durable outbox), so a PUBACK each way bought nothing: at QoS 1 the five phases of a
 * job were 20 of a job's packets through the broker, at QoS 0 they are 10. */
export const PROGRESS_QOS = 0;

/** How long an agent may hold back an inventory whose only news is boards turning busy or idle
 * around jobs (docs/mqtt-contract.md, Inventory). The daemon knows a board is busy from its own
 * lease, so those flips tell it nothing it acts on — yet sent at once they were two retained
 * inventories of every board per job, each one also a board_state point per board. */
export const INVENTORY_FLIP_DELAY_MS = 5000;

/** True when `next` differs from `prev` at most in boards going busy <-> idle: the same boards,
 * in the same order, with the same fields otherwise. Anything else (quarantine, missing, a
 * failure count, a board added) is news that goes out at once. */
export function onlyBusyIdleFlips(prev: AgentInventory, next: AgentInventory): boolean {
  if (prev.boards.length !== next.boards.length) return false;
  const flip = (s: BoardInfo['state']) => s === 'busy' || s === 'idle';
  return prev.boards.every((a, i) => {
    const b = next.boards[i]!;
    if (a.state !== b.state && !(flip(a.state) && flip(b.state))) return false;
    return a.boardId === b.boardId && a.kind === b.kind && a.virtual === b.virtual && a.port === b.port
      && a.serialNumber === b.serialNumber && (a.failures ?? 0) === (b.failures ?? 0);
  });
}

/** One board in a health sample: what the agent itself tracks about it (agents/health/). */
const boardHealthSample = obj({
  boardId: id(),
  kind: id(),
  state: boardState,
  /** Board-side job failures in a row (a success resets it); `quarantineAfter` of them quarantine it. */
  consecutiveFailures: int(0, 2 ** 31),
  /** Redundant with `state`, kept so a dashboard can sum it; must agree with `state`. */
  quarantined: bool(),
  /** When the last job on this board finished (absent: none since the agent started). */
  lastJobAt: isoTime(true),
  /** Console lines that were not report records / records failing CRC or format, summed over
   * every job on this board since the agent started (a rising count is a flaky cable or baud). */
  serialNoiseLines: int(0, Number.MAX_SAFE_INTEGER),
  serialCorruptLines: int(0, Number.MAX_SAFE_INTEGER),
});
export interface BoardHealthSample extends Infer<typeof boardHealthSample> {}

/** A periodic health sample of one agent and its boards (best effort: QoS 0, dropped while the
 * broker is unreachable; the next sample supersedes it). */
const agentHealth = obj({
  v: version,
  agentId: id(),
  /** When the sample was taken (ISO 8601). */
  ts: isoTime(),
  /** Seconds since this agent process started (a drop means the agent restarted). */
  uptimeS: int(0, Number.MAX_SAFE_INTEGER),
  /** The machine's 1-minute load average (os.loadavg()[0]). */
  load1: nonNegative,
  /** Free memory of the machine (os.freemem()). */
  memFreeBytes: int(0, Number.MAX_SAFE_INTEGER),
  /** Free space for the agent (unprivileged) in its work folder: build cache, journal, outbox.
   * Absent when the folder could not be measured. */
  diskFreeBytes: int(0, Number.MAX_SAFE_INTEGER, true),
  boards: arr(boardHealthSample),
});
export interface AgentHealth extends Infer<typeof agentHealth> {}
export const validateAgentHealth = validator<AgentHealth>(both(agentHealth, (h, p, e) => {
  // Rules across fields, checked once the shape is right.
  const seen = new Set<string>();
  h.boards.forEach((b, i) => {
    if (b.quarantined !== (b.state === 'quarantined')) e.push(`${p}.boards[${i}].quarantined is ${b.quarantined} but state is ${b.state}`);
    if (seen.has(b.boardId)) e.push(`${p}.boards[${i}].boardId ${b.boardId} appears twice`);
    seen.add(b.boardId);
  });
}), ['ts', 'boards.[].lastJobAt']);

const MODEL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** The model of a job: a name from the model set, or an uploaded .tflite (base64, with its sha256). */
const modelShape = obj({ name: str(), tfliteBase64: base64, sha256 });
export type ModelRef = Infer<typeof modelShape>;
const modelRef = typed<ModelRef>((v, p, e) => {
  modelShape(v, p, e);
  const name = (v as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && !MODEL_NAME.test(name)) e.push(`${p}.name must match ${MODEL_NAME}`);
});

/** Cross-field rule (vocabulary.arithmeticFitsBackend): a job, request or result pairing a
 * TFLite-Micro backend with xnnpack arithmetic is refused up front. */
function arithmeticFitsBackend(r: { backend: Backend; arithmetic?: Arithmetic }, p: string, e: string[]): void {
  if (!pairAllowed(r.backend, r.arithmetic)) {
    e.push(`${p}.arithmetic ${String(r.arithmetic)} needs backend aot (${tflmArithmeticNote(r.backend)})`);
  }
}

/** What a model is built with: every job, request and result names it the same way. */
const buildChoice = {
  backend: oneOf(BACKENDS),
  tiling: oneOf(TILING_MODES),
  /** Absent = 'reference' (arithmeticOf); agents always set it on results (absent there: a
   * result from an agent that predates the field). */
  arithmetic: oneOf(ARITHMETICS, true),
};

const jobSpec = obj({
  v: version,
  jobId: id(),
  /** A specific board instance, or any idle board of a kind. */
  boardId: id(true),
  boardKind: id(),
  model: modelRef,
  ...buildChoice,
  reps: int(1, 1000),
  /** Attempt number, 1-based: the daemon re-queues a job at most K times. */
  attempt: int(1, 100),
  /** Wall-clock deadline in ms since epoch after which the daemon gives the job up. */
  deadline: int(0, Number.MAX_SAFE_INTEGER),
  tags: strMap(true),
  /** Build with the per-op profile (the result's metrics.profile); absent = off. */
  profile: bool(true),
  /** Report progress phases (`reportsProgress`); absent = on, so a spec of a daemon older than the
   * field is served as before. The daemon sets it false where nobody waits for progress. */
  progress: bool(true),
  ...byoShape,
});
export interface JobSpec extends Infer<typeof jobSpec> {}
export const validateJobSpec = validator<JobSpec>(both(jobSpec, arithmeticFitsBackend), [], LIMITS.jobSpecBytes);

/** Whether an agent sends the progress phase `phase` of a job. The daemon passes progress on only
 * to a flash request's requester, so it turns it off (`progress: false`) for the jobs nobody waits
 * for (suites, the benchmark's queue): five messages per job the daemon validated, looked up and
 * dropped (docs/mqtt-contract.md). `failed` goes out whatever the spec says: it is rare, and it is
 * what a person watching the agent's topic (or a malformed spec's sender) sees of a failure. The
 * result itself is never optional. */
export function reportsProgress(spec: Pick<JobSpec, 'progress'>, phase: JobPhase): boolean {
  return spec.progress !== false || phase === 'failed';
}

const jobProgress = obj({
  v: version, jobId: id(), agentId: id(), boardId: id(true), phase: jobPhase,
  message: text(true),
  ts: isoTime(),
});
export interface JobProgress extends Infer<typeof jobProgress> {}
export const validateJobProgress = validator<JobProgress>(jobProgress, ['ts']);

const resultMetrics = obj({
  /** "instructions" on QEMU boards (-icount), "cycles" on silicon, "ns" of wall clock on the host board. */
  counter: oneOf(COUNTERS),
  /** Median count per inference, and every timed inference's count. */
  count: int(0, Number.MAX_SAFE_INTEGER),
  counts: arr(int(0, Number.MAX_SAFE_INTEGER), false, 1000),
  latencyUs: num(),
  /** True when latency is derived from a modelled clock (QEMU: instructions at the board's
   * nominal clock, one instruction per cycle) rather than measured. */
  latencyEstimated: bool(true),
  stackBytes: int(0, 2 ** 32),
  heapBytes: int(0, 2 ** 32),
  arenaBytes: int(0, 2 ** 32),
  romBytes: int(0, 2 ** 32),
  ramBytes: int(0, 2 ** 32),
  /** Energy per inference in microjoules, when measured or estimated. */
  energyUj: num(true),
  energyEstimated: bool(true),
  outputsMatch: bool(),
  /** Per-op counts of the last timed inference, when the job asked for a profile (wire/profile.ts). */
  profile: typed<ResultProfile>((v, p, e) => { e.push(...profileErrors(v, p)); }, true),
});
export interface ResultMetrics extends Infer<typeof resultMetrics> {}

const jobResult = obj({
  v: version, jobId: id(), agentId: id(), boardId: id(), boardKind: id(), model: id(),
  ...buildChoice,
  ok: bool(),
  error: text(true),
  // A failed job has no metrics; a successful one must have them (checked below).
  metrics: typed<ResultMetrics>(resultMetrics, true),
  firmwareHash: str(true),
  serial: obj({ records: int(0, 2 ** 31), noiseLines: int(0, 2 ** 31), corruptLines: int(0, 2 ** 31) }, true),
  attempt: int(1, 100), startedAt: isoTime(), finishedAt: isoTime(), tags: strMap(true),
  ...byoResultShape,
});
export interface JobResult extends Infer<typeof jobResult> {}
export const validateJobResult = validator<JobResult>(both(jobResult, (r, p, e) => {
  if (r.ok === true && r.metrics === undefined) e.push(`${p}.metrics is required when ok is true`);
  if (r.ok === false && r.error === undefined) e.push(`${p}.error is required when ok is false`);
  arithmeticFitsBackend(r, p, e);
}), ['startedAt', 'finishedAt']);

/** replyTo: a topic under tinyrack/replies/ (the daemon also checks it is the requester's own). */
const replyTo: Check<string> = (v, p, e) => {
  if (typeof v !== 'string' || v.length === 0) { e.push(`${p} must be a non-empty string`); return; }
  const why = replyTopicProblem(v, undefined);
  if (why) e.push(`${p.slice(0, p.lastIndexOf('.') + 1)}${why}`);
};

const flashRequest = obj({
  v: version, requestId: id(), model: modelRef, ...buildChoice, reps: int(1, 1000), replyTo,
  /** Exactly one of them (checked below). */
  board: obj({ kind: id(true), id: id(true) }),
  ...byoShape,
});
export interface FlashRequest extends Infer<typeof flashRequest> {}
/** Flash requests carry an upload: pass `maxBytes` = the upload limit as base64 plus
 * LIMITS.requestOverheadBytes (daemon/requests.ts does). */
export const validateFlashRequest = validator<FlashRequest>((v, p, e) => {
  both(flashRequest, arithmeticFitsBackend)(v, p, e);
  const board = (v as { board?: { kind?: unknown; id?: unknown } } | null)?.board;
  if (board && typeof board === 'object' && (board.kind === undefined) === (board.id === undefined)) {
    e.push(`${p}.board must have exactly one of kind or id`);
  }
});

// Replies and events: sent by the daemon, never validated by a receiver of ours, so they are
// declared as types only.

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

export function encode(payload: object): Buffer {
  return Buffer.from(JSON.stringify(payload));
}

// ---------------------------------------------------------------------------------------------
// Starting a regression suite on a running daemon: `tinyrack suite run <name>` publishes a
// SuiteRunRequest; the daemon answers on replyTo.

export const suiteTopics = {
  /** Suite run requests (client -> daemon, QoS 1) on the old shared topic (see topics.requests). */
  run: `${ROOT}/suites/run`,
  /** Suite run requests of one requester account (see topics.requestsOf). */
  runOf: (requester: string) => `${ROOT}/suites/run/${requester}`,
  allRuns: `${ROOT}/suites/run/+`,
} as const;

const suiteRunRequest = obj({ v: version, requestId: id(), suite: id(), replyTo });
export interface SuiteRunRequest extends Infer<typeof suiteRunRequest> {}
export const validateSuiteRunRequest = validator<SuiteRunRequest>(suiteRunRequest);

export type SuiteRunReply =
  | { v: 1; requestId: string; type: 'rejected'; reason: string }
  | { v: 1; requestId: string; type: 'skipped'; suite: string; reason: string; runningRunId: string }
  | { v: 1; requestId: string; type: 'started'; suite: string; runId: string; jobIds: string[] }
  | { v: 1; requestId: string; type: 'finished'; suite: string; runId: string; done: number; failed: number; jobIds: string[] };

// Bring-your-own-firmware fields of jobs, requests and results: wire/firmware-image.ts.

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
