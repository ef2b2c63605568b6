// One run's report, from console lines to the figures a result carries: the records of
// wire/serial.ts assembled in order, checked (completeness, lost records, reboots), and compared
// with the build's expectation (outputs, arena). This is the only report path: `tinyrack run`
// (firmware/runner) and the lab agent (agents/serial/capture.ts, agents/agent.ts) both use it.
//
// Rules (docs/serial-format.md, "What the host checks"):
// - Records before the first BOOT are the tail of an earlier run (the board printed before our
//   reset took effect): counted as noise, never used.
// - A reboot after BOOT (a second BOOT, or the sequence number going back) fails the run. Nobody
//   asked for that reset: a brown-out, a watchdog or a fault did, so the board is not healthy and
//   the health bookkeeping must see it; and a power trace taken across both boots cannot be split
//   by marks. Keeping the last boot's records would report such a board as a clean success.
// - A record missing from the report is a *loss on the line* when the line shows one (a sequence
//   gap or a corrupt line): the figures that did arrive are exact (each record is CRC-checked)
//   and the report stays usable, its losses listed. Missing with no such sign, it is the
//   firmware's fault and the run fails. BOOT, END and at least one INF are never optional.
// - Outputs: integer dtypes byte for byte; float32 element-wise within FLOAT_RELATIVE_TOLERANCE.
//
// Record kinds are a table (RECORD_KINDS): a new record type in wire/serial.ts gets one entry
// here saying how it lands in the report — the compiler refuses a type without one.
import { parseLine, type RecordType, type SerialRecord } from './serial.ts';
import { CLOCK_SOURCES, COUNTERS, type ClockSource, type Counter } from './vocabulary.ts';
import type { ResultMetrics } from './mqtt.ts';
import { addProfileRecord, profileProblems, type FirmwareProfile } from './profile.ts';

export interface Inference {
  i: number;
  count: number;
  stack: number;
  heap: number;
  arena?: number;
}

export interface OutputTensor {
  o: number;
  dtype: string;
  hex: string;
}

/** The BOOT record's clock fields (docs/serial-format.md); absent in firmware that predates them. */
export interface BootClock {
  /** The clock the board definition asked for, Hz. */
  hzTarget: number;
  source: ClockSource;
  /** "none", or what did not come up (the board then ran on the clock it had). */
  fault: string;
  osc: string;
  /** The time base a measured clock was measured against ("lse", "mtime", ...), or "none". */
  ref: string;
}

export interface RunReport {
  boot?: { fw: string; board: string; counter: Counter; hz: number; clock?: BootClock };
  model?: { name: string; backend: string; arena: number; warmup: number; reps: number };
  inferences: Inference[];
  outputs: OutputTensor[];
  marks: number;
  errors: Array<{ code: number; msg: string }>;
  /** Profiled builds: per-op counts (PROF/PROFOP records, wire/profile.ts). */
  profile?: FirmwareProfile;
  /** END status, undefined when the run never ended. */
  status?: number;
  /** Records used (from the first BOOT on, up to a reboot). */
  records: number;
  noiseLines: number;
  corruptLines: number;
  /** Records missing between sequence numbers (a dropped line). */
  seqGaps: number;
  /** Reboots after BOOT (0 or 1: the report stops at the first). */
  resets: number;
  /** True when BOOT, MODEL, reps INF records, END status 0 arrived with no ERR, loss or reboot. */
  complete: boolean;
  /** True when the figures may be used: every problem, if any, is a record lost on the line. */
  usable: boolean;
  /** Why the report is not complete, one reason per entry. */
  problems: string[];
  /** What makes a complete report's figures incomparable with other runs of the same board: the
   * clock did not come up, or the measured clock is far from the target. */
  warnings: string[];
}

/** A measured clock further than this from its target is reported (a crystal is ±0.01 %, an
 * internal RC oscillator ±1 %; more means a set-up that did not do what it meant). */
export const CLOCK_TOLERANCE = 0.02;

function bootClock(f: Record<string, string>, bad: (what: string) => void): BootClock | undefined {
  if (f.clock_source === undefined) return undefined;
  if (!(CLOCK_SOURCES as readonly string[]).includes(f.clock_source)) {
    bad(`BOOT clock_source "${f.clock_source}" is not one of ${CLOCK_SOURCES.join('|')}`);
    return undefined;
  }
  const hzTarget = Number(f.hz_target);
  if (!(Number.isFinite(hzTarget) && hzTarget > 0)) { bad(`BOOT hz_target "${f.hz_target}" is not a clock`); return undefined; }
  return { hzTarget, source: f.clock_source as ClockSource, fault: f.clock_fault ?? 'none', osc: f.clock_osc ?? 'unknown', ref: f.clock_ref ?? 'none' };
}

function clockWarnings(boot: NonNullable<RunReport['boot']>): string[] {
  const c = boot.clock;
  if (!c) return [];
  const w: string[] = [];
  if (c.fault !== 'none') w.push(`clock fault ${c.fault}: ran at ${boot.hz} Hz (${c.osc}), target ${c.hzTarget} Hz`);
  else if (Math.abs(boot.hz - c.hzTarget) > CLOCK_TOLERANCE * c.hzTarget) {
    w.push(`${c.source} clock ${boot.hz} Hz is ${(100 * (boot.hz / c.hzTarget - 1)).toFixed(2)} % off the target ${c.hzTarget} Hz`);
  }
  return w;
}

/** How one record type lands in the report being assembled. */
type RecordKind = (r: RunReport, f: Record<string, string>, bad: (what: string) => void, rec: SerialRecord) => void;

/** Non-negative decimal integer, or NaN (and a problem) when the firmware printed something else. */
function uint(v: string | undefined, what: string, bad: (what: string) => void): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isInteger(n) || n < 0) { bad(`malformed ${what} "${v}"`); return NaN; }
  return n;
}

function counterOf(v: string | undefined, bad: (what: string) => void): Counter {
  if (!(COUNTERS as readonly string[]).includes(v ?? '')) bad(`unknown counter "${v}"`);
  return v as Counter;
}

export const RECORD_KINDS: Record<RecordType, RecordKind> = {
  BOOT: (r, f, bad) => {
    const clock = bootClock(f, bad);
    const hz = uint(f.hz, 'BOOT hz', bad);
    // Firmware that reports its clock (clock_source) must report one: hz 0 is only the old
    // "no clock known" of firmware from before the clock fields.
    if (clock && hz === 0) bad(`BOOT hz "${f.hz}" is not a clock`);
    r.boot = { fw: f.fw!, board: f.board!, counter: counterOf(f.counter, bad), hz, ...(clock ? { clock } : {}) };
  },
  MODEL: (r, f, bad) => {
    r.model = { name: f.name!, backend: f.backend!, arena: uint(f.arena, 'MODEL arena', bad), warmup: uint(f.warmup, 'MODEL warmup', bad), reps: uint(f.reps, 'MODEL reps', bad) };
  },
  INF: (r, f, bad) => {
    r.inferences.push({
      i: uint(f.i, 'INF i', bad), count: uint(f.count, 'INF count', bad), stack: uint(f.stack, 'INF stack', bad), heap: uint(f.heap, 'INF heap', bad),
      ...(f.arena !== undefined ? { arena: uint(f.arena, 'INF arena', bad) } : {}),
    });
  },
  OUT: (r, f, bad) => { r.outputs.push({ o: uint(f.o, 'OUT o', bad), dtype: f.dtype!, hex: f.hex!.toLowerCase() }); },
  MARK: (r) => { r.marks++; },
  END: (r, f, bad) => { r.status = uint(f.status, 'END status', bad); },
  // A profiled build's per-op counts (wire/profile.ts assembles them; problems land as 'bad').
  PROF: (r, _f, bad, rec) => { r.profile = addProfileRecord(r.profile, rec, bad); },
  PROFOP: (r, _f, bad, rec) => { r.profile = addProfileRecord(r.profile, rec, bad); },
  ERR: (r, f, bad) => { r.errors.push({ code: uint(f.code, 'ERR code', bad), msg: f.msg!.replace(/_/g, ' ') }); },
};

export interface SerialStats {
  records: number;
  noiseLines: number;
  corruptLines: number;
  /** Records known lost: gaps in the sequence numbers (usually the corrupt lines). */
  missingRecords: number;
}

/** What one line did to the run: go on, it ended, or it ended the run as failed. */
export type CollectorEvent =
  | { kind: 'continue' }
  | { kind: 'done' }
  | { kind: 'rebooted'; reason: string }
  | { kind: 'firmware-error'; code: string; message: string };

/** Feeds console lines one at a time, as they arrive, and assembles the report. */
export class ReportCollector {
  readonly records: SerialRecord[] = [];
  readonly stats: SerialStats = { records: 0, noiseLines: 0, corruptLines: 0, missingRecords: 0 };
  readonly corruptReasons: string[] = [];
  /** Whether any byte at all came from the board (for the "no output" diagnosis). */
  sawOutput = false;
  /** Set once the END record arrived. */
  ended = false;
  private lastSeq = -1;
  private booted = false;
  private rebooted: string | undefined;

  push(line: string): CollectorEvent {
    if (this.rebooted !== undefined) return { kind: 'rebooted', reason: this.rebooted };
    if (line.trim().length > 0) this.sawOutput = true;
    const res = parseLine(line);
    if (res.kind === 'noise') {
      if (res.line.trim().length > 0) this.stats.noiseLines++;
      return { kind: 'continue' };
    }
    if (res.kind === 'corrupt') {
      this.stats.corruptLines++;
      if (this.corruptReasons.length < 20) this.corruptReasons.push(res.reason);
      return { kind: 'continue' };
    }
    const rec = res.record;
    if (rec.type === 'BOOT') {
      if (this.booted) return this.reboot(`second BOOT (seq ${rec.seq}) after ${this.records.length} records`);
      this.booted = true;
    } else if (!this.booted) {
      // Tail of a run from before our reset: not ours.
      this.stats.noiseLines++;
      return { kind: 'continue' };
    }
    if (rec.seq <= this.lastSeq) return this.reboot(`sequence went back from ${this.lastSeq} to ${rec.seq}`);
    if (rec.seq > this.lastSeq + 1) this.stats.missingRecords += rec.seq - this.lastSeq - 1;
    this.lastSeq = rec.seq;
    this.records.push(rec);
    this.stats.records++;
    if (rec.type === 'ERR') return { kind: 'firmware-error', code: rec.fields.code!, message: rec.fields.msg!.replace(/_/g, ' ') };
    if (rec.type === 'END') { this.ended = true; return { kind: 'done' }; }
    return { kind: 'continue' };
  }

  private reboot(reason: string): CollectorEvent {
    this.rebooted = reason;
    return { kind: 'rebooted', reason };
  }

  report(): RunReport {
    return assembleReport(this.records, {
      noiseLines: this.stats.noiseLines, corruptLines: this.stats.corruptLines, ...(this.rebooted !== undefined ? { reboot: this.rebooted } : {}),
    });
  }
}

/**
 * Builds a report from the records of one boot, in order (what ReportCollector keeps), plus what
 * the collector saw on the line: noise and corrupt counts, and the reboot that ended it, if any.
 */
export function assembleReport(records: readonly SerialRecord[], line: { noiseLines?: number; corruptLines?: number; reboot?: string } = {}): RunReport {
  const r: RunReport = {
    inferences: [], outputs: [], marks: 0, errors: [], records: records.length,
    noiseLines: line.noiseLines ?? 0, corruptLines: line.corruptLines ?? 0,
    seqGaps: 0, resets: line.reboot !== undefined ? 1 : 0, complete: false, usable: false, problems: [], warnings: [],
  };
  let fatal = 0;
  const problem = (msg: string, lost = false): void => { r.problems.push(msg); if (!lost) fatal++; };
  const malformed = new Set<string>();
  const bad = (what: string): void => { malformed.add(what); };
  let lastSeq = -1;
  for (const rec of records) {
    if (lastSeq >= 0 && rec.seq > lastSeq + 1) r.seqGaps += rec.seq - lastSeq - 1;
    lastSeq = rec.seq;
    RECORD_KINDS[rec.type](r, rec.fields, bad, rec);
  }
  // Evidence that the line lost something: only then may a missing record be a loss.
  const lineLost = r.seqGaps > 0 || r.corruptLines > 0;
  if (!r.boot) problem('no BOOT record');
  else r.warnings.push(...clockWarnings(r.boot));
  if (!r.model) problem('no MODEL record', lineLost);
  if (r.model && r.inferences.length !== r.model.reps) problem(`${r.inferences.length} of ${r.model.reps} INF records`, lineLost && r.inferences.length > 0 && r.inferences.length < r.model.reps);
  else if (!r.inferences.length) problem('no INF records');
  if (r.status === undefined) problem('no END record');
  else if (r.status !== 0) problem(`END status ${r.status}`);
  for (const e of r.errors) problem(`firmware error ${e.code}: ${e.msg}`);
  if (line.reboot !== undefined) problem(`board rebooted mid-run: ${line.reboot}`);
  if (r.seqGaps) problem(`${r.seqGaps} record(s) lost (sequence gaps)`, true);
  if (r.profile) for (const m of profileProblems(r.profile)) problem(m);
  for (const m of malformed) problem(m);
  r.complete = r.problems.length === 0;
  r.usable = fatal === 0;
  return r;
}

export function assembleReportFromLines(lines: Iterable<string>): RunReport {
  const c = new ReportCollector();
  for (const l of lines) c.push(l);
  return c.report();
}

/** Median of the timed counts (the figure a run reports), rounded to a whole count. */
export function medianCount(inferences: readonly Inference[]): number {
  if (!inferences.length) return NaN;
  const s = inferences.map((x) => x.count).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

// -------------------------------------------------------------------------------------------------
// Outputs against the reference

/**
 * float32 outputs match when every element satisfies |got - want| <= 1e-4 * max(|got|, |want|)
 * + 1e-6: the model set's "1e-4 relative" (../shared/models/README.md), symmetric so neither
 * side is privileged, with an absolute floor for elements near zero, where a different
 * summation order leaves a residue of a few float32 ulps around 1e-7. NaN never matches.
 * Every other dtype (int8, uint8, int16, int32) must match byte for byte: the integer kernels
 * are exact.
 */
export const FLOAT_RELATIVE_TOLERANCE = 1e-4;
export const FLOAT_ABSOLUTE_FLOOR = 1e-6;

/** One expected output tensor: dtype and raw little-endian bytes as hex (as the OUT record). */
export interface ExpectedOutput { dtype: string; hex: string }

export interface OutputComparison {
  match: boolean;
  /** First difference, for the error message. */
  detail?: string;
}

function floats(hex: string): Float32Array {
  const b = Buffer.from(hex, 'hex');
  const copy = new Uint8Array(b);
  return new Float32Array(copy.buffer, 0, copy.byteLength >> 2);
}

export function compareOutputs(expected: readonly ExpectedOutput[], got: readonly OutputTensor[]): OutputComparison {
  if (!expected.length) return { match: false, detail: 'no reference outputs' };
  if (got.length > expected.length) return { match: false, detail: `${got.length} outputs in the report, the model has ${expected.length}` };
  for (let o = 0; o < expected.length; o++) {
    const e = expected[o]!;
    const g = got.find((x) => x.o === o);
    if (!g) return { match: false, detail: `output ${o} missing from the report` };
    if (g.dtype !== e.dtype) return { match: false, detail: `output ${o}: dtype ${g.dtype}, expected ${e.dtype}` };
    const gh = g.hex.toLowerCase();
    const eh = e.hex.toLowerCase();
    if (gh.length !== eh.length) return { match: false, detail: `output ${o}: ${gh.length / 2} bytes, expected ${eh.length / 2}` };
    if (e.dtype === 'float32') {
      const a = floats(gh);
      const b = floats(eh);
      for (let i = 0; i < b.length; i++) {
        const tol = FLOAT_RELATIVE_TOLERANCE * Math.max(Math.abs(a[i]!), Math.abs(b[i]!)) + FLOAT_ABSOLUTE_FLOOR;
        if (!(Math.abs(a[i]! - b[i]!) <= tol)) return { match: false, detail: `output ${o}[${i}] = ${a[i]}, expected ${b[i]}` };
      }
    } else if (gh !== eh) {
      const gb = Buffer.from(gh, 'hex');
      const eb = Buffer.from(eh, 'hex');
      const i = gb.findIndex((x, k) => x !== eb[k]);
      return { match: false, detail: `output ${o} byte ${i} = ${gb[i]}, expected ${eb[i]}` };
    }
  }
  return { match: true };
}

// -------------------------------------------------------------------------------------------------
// The run against its build: one verdict for `tinyrack run` and the agent

/** The figures of a report: the timing and memory part of a job result's metrics (wire/mqtt.ts).
 * count is medianCount; latencyUs = count / clock, with the BOOT record's clock (the firmware's
 * own) or else the board definition's; stack and heap are high-water marks over the timed runs. */
export type RunFigures = Pick<ResultMetrics, 'counter' | 'count' | 'counts' | 'latencyUs' | 'stackBytes' | 'heapBytes'>;

export interface RunExpectation {
  expectedOutputs: readonly ExpectedOutput[];
  /** The arena the build planned: the firmware's MODEL record must say the same. */
  arenaBytes: number;
  /** Clock of the board definition, used when the BOOT record gives none (hz=0). */
  clockHz: number;
}

export interface RunVerdict {
  /** Why the run's figures cannot be used; undefined when they can. */
  error?: string;
  /** The figures, whenever BOOT and an INF arrived (also beside an error, for the diagnosis). */
  figures?: RunFigures;
  outputs: OutputComparison;
}

export function judgeRun(report: RunReport, expect: RunExpectation): RunVerdict {
  const outputs = compareOutputs(expect.expectedOutputs, report.outputs);
  const inf = report.inferences;
  let figures: RunFigures | undefined;
  if (report.boot && inf.length) {
    const count = medianCount(inf);
    const hz = report.boot.hz || expect.clockHz;
    figures = {
      counter: report.boot.counter, count, counts: inf.map((x) => x.count), latencyUs: (count / hz) * 1e6,
      stackBytes: Math.max(...inf.map((x) => x.stack)), heapBytes: Math.max(...inf.map((x) => x.heap)),
    };
  }
  const v: RunVerdict = { outputs, ...(figures ? { figures } : {}) };
  if (!report.usable) v.error = `incomplete report: ${report.problems.join('; ')}`;
  else if (report.model && report.model.arena !== expect.arenaBytes) {
    // Not the firmware that was built (a flash that silently failed), or a build out of step.
    v.error = `firmware reports arena ${report.model.arena} bytes, the build planned ${expect.arenaBytes}`;
  }
  return v;
}
