// Reads one run's framed report from a line source (a serial port, a QEMU UART, a test pty) with
// three time limits: the board says nothing at all, the report never completes, and the board
// goes silent mid-report. A reboot mid-run or a firmware ERR record ends the capture as failed.
// The lines are assembled by wire/report.ts, the one report path (`tinyrack run` uses it too).
import type { SerialRecord } from '../../wire/serial.ts';
import { ReportCollector, type RunReport, type SerialStats } from '../../wire/report.ts';

/** Anything that produces console lines: returns an unsubscribe function. */
export interface LineSource {
  subscribe(onLine: (line: string) => void, onEnd: (reason: string) => void): () => void;
}

export interface CaptureOptions {
  /** Limit for the first byte of output after reset. */
  firstOutputMs: number;
  /** Limit for the whole report, from the start of the capture to END. */
  totalMs: number;
  /** Limit of silence between two lines once output started (0 = none). */
  idleMs?: number;
  /** Called when listening has started, e.g. to reset the board so no line is missed. */
  onListening?: () => void | Promise<void>;
  signal?: AbortSignal;
}

export type CaptureFailure = 'no-output' | 'incomplete' | 'idle' | 'rebooted' | 'firmware-error' | 'disconnected' | 'aborted';

export interface CaptureResult {
  records: SerialRecord[];
  /** The assembled report (wire/report.ts), also for a failed capture's partial result. */
  report: RunReport;
  stats: SerialStats;
  corruptReasons: string[];
}

export class CaptureError extends Error {
  constructor(readonly failure: CaptureFailure, message: string, readonly partial: CaptureResult) {
    super(message);
    this.name = 'CaptureError';
  }
}

export function captureReport(source: LineSource, opts: CaptureOptions): Promise<CaptureResult> {
  const collector = new ReportCollector();
  const result = (): CaptureResult => ({ records: collector.records, report: collector.report(), stats: { ...collector.stats }, corruptReasons: collector.corruptReasons });
  return new Promise<CaptureResult>((resolve, reject) => {
    let settled = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const timers: NodeJS.Timeout[] = [];
    const finish = (err?: CaptureError): void => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      if (idleTimer) clearTimeout(idleTimer);
      unsubscribe();
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err); else resolve(result());
    };
    const fail = (kind: CaptureFailure, msg: string): void => {
      const s = collector.stats;
      finish(new CaptureError(kind, `${msg} (${s.records} records, ${s.noiseLines} noise lines, ${s.corruptLines} corrupt lines)`, result()));
    };
    const onAbort = (): void => fail('aborted', 'capture aborted');
    const armIdle = (): void => {
      if (!opts.idleMs) return;
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => fail('idle', `board silent for ${opts.idleMs} ms mid-report`), opts.idleMs);
    };
    const unsubscribe = source.subscribe((line) => {
      if (settled) return;
      const ev = collector.push(line);
      if (collector.sawOutput) armIdle();
      switch (ev.kind) {
        case 'done': finish(); break;
        case 'rebooted': fail('rebooted', `board rebooted mid-run: ${ev.reason}`); break;
        case 'firmware-error': fail('firmware-error', `firmware error ${ev.code}: ${ev.message}`); break;
        default: break;
      }
    }, (reason) => {
      if (!settled) fail('disconnected', `console closed before the report ended: ${reason}`);
    });
    timers.push(setTimeout(() => {
      if (!collector.sawOutput) fail('no-output', `no output from the board within ${opts.firstOutputMs} ms`);
    }, opts.firstOutputMs));
    timers.push(setTimeout(() => fail('incomplete', `report not complete within ${opts.totalMs} ms`), opts.totalMs));
    if (opts.signal) {
      if (opts.signal.aborted) { onAbort(); return; }
      opts.signal.addEventListener('abort', onAbort);
    }
    Promise.resolve(opts.onListening?.()).catch((err: Error) => {
      if (!settled) fail('disconnected', `could not start the board: ${err.message}`);
    });
  });
}
