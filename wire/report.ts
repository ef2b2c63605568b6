// Assembles one run's console into a report: the records of wire/serial.ts in order, checked
// for completeness (BOOT, MODEL, every INF, OUT per output, END), sequence gaps and resets.
// Used by `tinyrack run` (virtual boards) and by the lab agent (physical boards).
import { parseLine, type SerialRecord } from './serial.ts';
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

export interface RunReport {
  boot?: { fw: string; board: string; counter: string; hz: number };
  model?: { name: string; backend: string; arena: number; warmup: number; reps: number };
  inferences: Inference[];
  outputs: OutputTensor[];
  marks: number;
  errors: Array<{ code: number; msg: string }>;
  /** Profiled builds: per-op counts (PROF/PROFOP records, wire/profile.ts). */
  profile?: FirmwareProfile;
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
    seqGaps: 0, resets: 0, complete: false, problems: [],
  };
  let lastSeq = -1;
  for (const rec of records) {
    if (rec.seq === 0 && lastSeq >= 0) {
      // The board rebooted: only the last boot's records count.
      r.resets++;
      r.inferences = []; r.outputs = []; r.marks = 0; r.errors = []; r.status = undefined;
      delete r.boot; delete r.model; delete r.profile;
    } else if (lastSeq >= 0 && rec.seq > lastSeq + 1) {
      r.seqGaps += rec.seq - lastSeq - 1;
    }
    lastSeq = rec.seq;
    const f = rec.fields;
    switch (rec.type) {
      case 'BOOT': r.boot = { fw: f.fw!, board: f.board!, counter: f.counter!, hz: num(f.hz) }; break;
      case 'MODEL': r.model = { name: f.name!, backend: f.backend!, arena: num(f.arena), warmup: num(f.warmup), reps: num(f.reps) }; break;
      case 'INF': r.inferences.push({ i: num(f.i), count: num(f.count), stack: num(f.stack), heap: num(f.heap), ...(f.arena !== undefined ? { arena: num(f.arena) } : {}) }); break;
      case 'OUT': r.outputs.push({ o: num(f.o), dtype: f.dtype!, hex: f.hex! }); break;
      case 'MARK': r.marks++; break;
      case 'END': r.status = num(f.status); break;
      case 'ERR': r.errors.push({ code: num(f.code), msg: f.msg!.replace(/_/g, ' ') }); break;
      case 'PROF': case 'PROFOP': r.profile = addProfileRecord(r.profile, rec, r.problems); break;
    }
  }
  if (!r.boot) r.problems.push('no BOOT record');
  if (!r.model) r.problems.push('no MODEL record');
  if (r.model && r.inferences.length !== r.model.reps) r.problems.push(`${r.inferences.length} of ${r.model.reps} INF records`);
  if (r.status === undefined) r.problems.push('no END record');
  else if (r.status !== 0) r.problems.push(`END status ${r.status}`);
  for (const e of r.errors) r.problems.push(`firmware error ${e.code}: ${e.msg}`);
  if (r.seqGaps) r.problems.push(`${r.seqGaps} record(s) lost (sequence gaps)`);
  if (r.inferences.some((x) => !Number.isFinite(x.count))) r.problems.push('malformed INF count');
  if (r.profile) r.problems.push(...profileProblems(r.profile));
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
