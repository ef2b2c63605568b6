import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, writeSync, closeSync } from 'node:fs';
import { formatRecord, type SerialRecord } from '../../wire/serial.ts';
import { captureReport, CaptureError } from '../../agents/serial/capture.ts';
import { SerialConsole } from '../../agents/serial/serial-console.ts';
import { LineSplitter } from '../../agents/serial/line-splitter.ts';
import { ReportCollector } from '../../wire/report.ts';
import { ptyPair } from './pty-pair.ts';

/** A complete, valid report as the firmware prints it (formatRecord is the wire reference). */
function reportLines(counts: number[]): string[] {
  const recs: Array<Omit<SerialRecord, 'seq'>> = [
    { type: 'BOOT', fields: { fw: 'abc123', board: 'nucleo-f446re', counter: 'cycles', hz: '16000000' } },
    { type: 'MODEL', fields: { name: 'sine_model', backend: 'aot', arena: '128', warmup: '1', reps: String(counts.length) } },
    ...counts.flatMap((c, i): Array<Omit<SerialRecord, 'seq'>> => [
      { type: 'MARK', fields: { what: 'start', i: String(i) } },
      { type: 'MARK', fields: { what: 'stop', i: String(i) } },
      { type: 'INF', fields: { i: String(i), count: String(c), stack: String(300 + i), heap: '0' } },
    ]),
    { type: 'OUT', fields: { o: '0', dtype: 'float32', hex: '3f800000' } },
    { type: 'END', fields: { status: '0' } },
  ];
  return recs.map((r, seq) => formatRecord({ seq, ...r }));
}

/** Flips one character of a record after its checksum was computed: a corrupted line. */
const corrupt = (line: string): string => line.replace(/count=(\d)/, (_, d: string) => `count=${(Number(d) + 1) % 10}`);

async function withConsole<T>(fn: (writeBoard: (s: string) => void, console: SerialConsole) => Promise<T>): Promise<T> {
  const pair = await ptyPair();
  const console = await SerialConsole.open(pair.a, 115200);
  const fd = openSync(pair.b, 'w');
  try {
    return await fn((s) => writeSync(fd, s), console);
  } finally {
    closeSync(fd);
    await console.close();
    await pair.close();
  }
}

test('a report streamed over a pty with garbage and corrupted lines: counted, never in the results', async () => {
  const good = reportLines([1000, 1010, 990]);
  const bad = corrupt(good[4]!); // INF i=0 with a changed count: its checksum no longer matches
  assert.notEqual(bad, good[4]);
  const stream = [
    '\x00\xff\xfeboot rom v1.2\r\n', 'clock init ok\r\n', good[0], good[1], good[2], good[3], bad,
    '\x1b[31mnoise\x1b[0m', good[5], good[6], good[7], good[8], good[9], 'TR1 9 INF i=2 count=5 stack=1 heap=0*0000dead',
    good[10], good[11], good[12],
  ].map((l) => (l!.endsWith('\n') ? l! : `${l}\r\n`)).join('');
  const res = await withConsole(async (write, console) => captureReport(console, {
    firstOutputMs: 5000, totalMs: 10_000,
    // Written in uneven chunks, as a USB CDC port delivers them.
    onListening: async () => { for (let i = 0; i < stream.length; i += 37) write(stream.slice(i, i + 37)); },
  }));
  assert.deepEqual(res.stats, { records: 12, noiseLines: 3, corruptLines: 2, missingRecords: 1 });
  assert.deepEqual(res.corruptReasons, ['checksum mismatch', 'checksum mismatch']);
  const report = res.report;
  // Only the intact INF records: i=0 was corrupted, so its count is absent, never a wrong value.
  assert.deepEqual(report.inferences.map((x) => x.count), [1010, 990]);
  assert.equal(report.status, 0);
});

test('no output at all: times out as "no-output"', async () => {
  await withConsole(async (_write, console) => {
    await assert.rejects(captureReport(console, { firstOutputMs: 300, totalMs: 5000 }), (e: unknown) => {
      assert.ok(e instanceof CaptureError);
      assert.equal(e.failure, 'no-output');
      assert.match(e.message, /^no output from the board within 300 ms/);
      return true;
    });
  });
});

test('a report that never completes: times out as "incomplete", partial counts kept for the result', async () => {
  const lines = reportLines([5, 6]);
  await withConsole(async (write, console) => {
    await assert.rejects(captureReport(console, {
      firstOutputMs: 2000, totalMs: 700, onListening: () => write(lines.slice(0, 4).map((l) => `${l}\n`).join('') + 'junk\n'),
    }), (e: unknown) => {
      assert.ok(e instanceof CaptureError);
      assert.equal(e.failure, 'incomplete');
      assert.deepEqual(e.partial.stats, { records: 4, noiseLines: 1, corruptLines: 0, missingRecords: 0 });
      return true;
    });
  });
});

test('a board that reboots mid-run (a second BOOT, seq back to 0) fails the capture', async () => {
  const lines = reportLines([5, 6]);
  await withConsole(async (write, console) => {
    await assert.rejects(captureReport(console, {
      firstOutputMs: 2000, totalMs: 5000, onListening: () => write([...lines.slice(0, 5), ...lines].map((l) => `${l}\n`).join('')),
    }), (e: unknown) => {
      assert.ok(e instanceof CaptureError);
      assert.equal(e.failure, 'rebooted');
      assert.match(e.message, /^board rebooted mid-run: second BOOT \(seq 0\) after 5 records/);
      return true;
    });
  });
});

test('sequence going backwards without a BOOT is also a reboot; a firmware ERR ends the run', () => {
  const lines = reportLines([5, 6]);
  const c = new ReportCollector();
  for (const l of lines.slice(0, 4)) assert.equal(c.push(l).kind, 'continue');
  assert.deepEqual(c.push(lines[2]!), { kind: 'rebooted', reason: 'sequence went back from 3 to 2' });
  const c2 = new ReportCollector();
  c2.push(lines[0]!);
  assert.deepEqual(c2.push(formatRecord({ seq: 1, type: 'ERR', fields: { code: '3', msg: 'arena_too_small' } })), { kind: 'firmware-error', code: '3', message: 'arena too small' });
});

test('lines before the BOOT record belong to an earlier run: noise, not results', () => {
  const c = new ReportCollector();
  const old = formatRecord({ seq: 7, type: 'INF', fields: { i: '2', count: '1', stack: '1', heap: '0' } });
  c.push(old);
  for (const l of reportLines([9])) c.push(l);
  assert.deepEqual(c.report().inferences.map((x) => x.count), [9]);
  assert.equal(c.stats.noiseLines, 1);
});

test('line splitter: \\r\\n split across chunks, lone \\r, run-away lines cut', () => {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l), 8);
  s.push('ab\r'); s.push('\ncd\ref\n'); s.push('0123456789'); s.push('\n'); s.flush();
  assert.deepEqual(out, ['ab', 'cd', 'ef', '01234567', '89']);
});

test('a capture is aborted when the board is unplugged mid-run (discovery aborts the job)', async () => {
  await withConsole(async (write, console) => {
    const ac = new AbortController();
    const lines = reportLines([5]);
    const p = captureReport(console, { firstOutputMs: 2000, totalMs: 5000, signal: ac.signal, onListening: () => write(`${lines[0]}\n`) });
    setTimeout(() => ac.abort(new Error('board f446-b was disconnected')), 200);
    await assert.rejects(p, (e: unknown) => e instanceof CaptureError && e.failure === 'aborted' && e.partial.stats.records === 1);
  });
});
