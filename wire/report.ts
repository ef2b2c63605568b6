// Assembles one run's console into a report: the records of wire/serial.ts in order, checked
// for completeness (BOOT, MODEL, every INF, OUT per output, END), sequence gaps and resets.
// Used by `tinyrack run` (virtual boards) and by the lab agent (physical boards).
import { parseLine, type SerialRecord } from './serial.ts';
import { CLOCK_SOURCES, type ClockSource } from './vocabulary.ts';

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
  boot?: { fw: string; board: string; counter: string; hz: number; clock?: BootClock };
  model?: { name: string; backend: string; arena: number; warmup: number; reps: number };
  inferences: Inference[];
  outputs: OutputTensor[];
  marks: number;
  errors: Array<{ code: number; msg: string }>;
  /** END status, undefined when the run never ended. */
  status?: number;
  records: number;
  noiseLines: number;
  corruptLines: number;
  /** Records missing between sequence numbers (a dropped line), and resets (seq back to 0). */
  seqGaps: number;
  resets: number;
  /** True when BOOT, MODEL, reps INF records, END status 0 arrived with no ERR. */
  complete: boolean;
  /** Why the report is not complete, one reason per entry. */
  problems: string[];
  /** What makes a complete report's figures incomparable with other runs of the same board: the
   * clock did not come up, or the measured clock is far from the target. */
  warnings: string[];
}

/** A measured clock further than this from its target is reported (a crystal is ±0.01 %, an
 * internal RC oscillator ±1 %; more means a set-up that did not do what it meant). */
export const CLOCK_TOLERANCE = 0.02;

function bootClock(f: Record<string, string>, problems: string[]): BootClock | undefined {
  if (f.clock_source === undefined) return undefined;
  if (!(CLOCK_SOURCES as readonly string[]).includes(f.clock_source)) {
    problems.push(`BOOT clock_source "${f.clock_source}" is not one of ${CLOCK_SOURCES.join('|')}`);
    return undefined;
  }
  const hzTarget = num(f.hz_target);
  if (!(hzTarget > 0)) { problems.push(`BOOT hz_target "${f.hz_target}" is not a clock`); return undefined; }
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

function num(v: string | undefined): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

/** Builds a report from already-parsed records (plus the noise/corrupt counts, if known). */
export function assembleReport(records: readonly SerialRecord[], counts: { noiseLines?: number; corruptLines?: number } = {}): RunReport {
  const r: RunReport = {
    inferences: [], outputs: [], marks: 0, errors: [], records: records.length,
    noiseLines: counts.noiseLines ?? 0, corruptLines: counts.corruptLines ?? 0,
    seqGaps: 0, resets: 0, complete: false, problems: [], warnings: [],
  };
  const clockProblems: string[] = [];
  let lastSeq = -1;
  for (const rec of records) {
    if (rec.seq === 0 && lastSeq >= 0) {
      // The board rebooted: only the last boot's records count.
      r.resets++;
      r.inferences = []; r.outputs = []; r.marks = 0; r.errors = []; r.status = undefined;
      delete r.boot; delete r.model;
    } else if (lastSeq >= 0 && rec.seq > lastSeq + 1) {
      r.seqGaps += rec.seq - lastSeq - 1;
    }
    lastSeq = rec.seq;
    const f = rec.fields;
    switch (rec.type) {
      case 'BOOT': {
        clockProblems.length = 0;
        const clock = bootClock(f, clockProblems);
        r.boot = { fw: f.fw!, board: f.board!, counter: f.counter!, hz: num(f.hz), ...(clock ? { clock } : {}) };
        break;
      }
      case 'MODEL': r.model = { name: f.name!, backend: f.backend!, arena: num(f.arena), warmup: num(f.warmup), reps: num(f.reps) }; break;
      case 'INF': r.inferences.push({ i: num(f.i), count: num(f.count), stack: num(f.stack), heap: num(f.heap), ...(f.arena !== undefined ? { arena: num(f.arena) } : {}) }); break;
      case 'OUT': r.outputs.push({ o: num(f.o), dtype: f.dtype!, hex: f.hex! }); break;
      case 'MARK': r.marks++; break;
      case 'END': r.status = num(f.status); break;
      case 'ERR': r.errors.push({ code: num(f.code), msg: f.msg!.replace(/_/g, ' ') }); break;
    }
  }
  if (!r.boot) r.problems.push('no BOOT record');
  else {
    r.problems.push(...clockProblems);
    if (!(r.boot.hz > 0)) r.problems.push(`BOOT hz "${r.boot.hz}" is not a clock`);
    r.warnings.push(...clockWarnings(r.boot));
  }
  if (!r.model) r.problems.push('no MODEL record');
  if (r.model && r.inferences.length !== r.model.reps) r.problems.push(`${r.inferences.length} of ${r.model.reps} INF records`);
  if (r.status === undefined) r.problems.push('no END record');
  else if (r.status !== 0) r.problems.push(`END status ${r.status}`);
  for (const e of r.errors) r.problems.push(`firmware error ${e.code}: ${e.msg}`);
  if (r.seqGaps) r.problems.push(`${r.seqGaps} record(s) lost (sequence gaps)`);
  if (r.inferences.some((x) => !Number.isFinite(x.count))) r.problems.push('malformed INF count');
  r.complete = r.problems.length === 0;
  return r;
}

/** Feeds console lines one at a time (as they arrive) and assembles the report at the end. */
export class ReportCollector {
  readonly records: SerialRecord[] = [];
  noiseLines = 0;
  corruptLines = 0;
  /** Set once the END record arrived. */
  ended = false;

  push(line: string): void {
    const r = parseLine(line);
    if (r.kind === 'record') {
      this.records.push(r.record);
      if (r.record.type === 'END') this.ended = true;
    } else if (r.kind === 'corrupt') {
      this.corruptLines++;
    } else if (r.line.trim() !== '') {
      this.noiseLines++;
    }
  }

  report(): RunReport {
    return assembleReport(this.records, { noiseLines: this.noiseLines, corruptLines: this.corruptLines });
  }
}

export function assembleReportFromLines(lines: Iterable<string>): RunReport {
  const c = new ReportCollector();
  for (const l of lines) c.push(l);
  return c.report();
}

/** Median of the timed counts (the figure a run reports). */
export function medianCount(inferences: readonly Inference[]): number {
  if (!inferences.length) return NaN;
  const s = inferences.map((x) => x.count).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}
