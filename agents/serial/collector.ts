// Turns console lines into one run's report records. Noise and corrupt lines are counted, never
// parsed into results; a second BOOT or a sequence number going backwards means the board
// rebooted mid-run, which makes the run's numbers worthless.
import { parseLine, type SerialRecord } from '../../wire/serial.ts';

export interface SerialStats {
  records: number;
  noiseLines: number;
  corruptLines: number;
  /** Records known lost: gaps in the sequence numbers (usually the corrupt lines). */
  missingRecords: number;
}

export type CollectorEvent =
  | { kind: 'continue' }
  | { kind: 'done' }
  | { kind: 'rebooted'; reason: string }
  | { kind: 'firmware-error'; code: string; message: string };

export class ReportCollector {
  readonly records: SerialRecord[] = [];
  readonly stats: SerialStats = { records: 0, noiseLines: 0, corruptLines: 0, missingRecords: 0 };
  readonly corruptReasons: string[] = [];
  /** Whether any byte at all came from the board (for the "no output" diagnosis). */
  sawOutput = false;
  private lastSeq = -1;
  private booted = false;

  push(line: string): CollectorEvent {
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
      if (this.booted) return { kind: 'rebooted', reason: `second BOOT (seq ${rec.seq}) after ${this.records.length} records` };
      this.booted = true;
    } else if (!this.booted) {
      // Tail of a run from before our reset: not ours.
      this.stats.noiseLines++;
      return { kind: 'continue' };
    }
    if (rec.seq <= this.lastSeq) {
      return { kind: 'rebooted', reason: `sequence went back from ${this.lastSeq} to ${rec.seq}` };
    }
    if (rec.seq > this.lastSeq + 1) this.stats.missingRecords += rec.seq - this.lastSeq - 1;
    this.lastSeq = rec.seq;
    this.records.push(rec);
    this.stats.records++;
    if (rec.type === 'ERR') return { kind: 'firmware-error', code: rec.fields.code!, message: rec.fields.msg!.replace(/_/g, ' ') };
    if (rec.type === 'END') return { kind: 'done' };
    return { kind: 'continue' };
  }
}
