// The C report formatter (firmware/runtime/tr_report.c) prints exactly what formatRecord()
// formats: built for the host, fed random records (fast-check), compared byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { formatRecord, parseLine, RECORD_TYPES, type RecordType } from '../../wire/serial.ts';

const ROOT = join(import.meta.dirname, '..', '..');

type Val = { kind: 'str'; v: string } | { kind: 'u64'; v: bigint } | { kind: 'i32'; v: number } | { kind: 'hex'; v: Uint8Array };

function text(v: Val): string {
  switch (v.kind) {
    case 'str': return v.v;
    case 'u64': return v.v.toString();
    case 'i32': return String(v.v);
    case 'hex': return Buffer.from(v.v).toString('hex');
  }
}

function wire(v: Val): string {
  switch (v.kind) {
    case 'str': return v.v;
    case 'u64': return `#u${v.v}`;
    case 'i32': return `#i${v.v}`;
    case 'hex': return `#x${Buffer.from(v.v).toString('hex')}`;
  }
}

const safeChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-:/+,'.split(''));
const word = fc.string({ unit: safeChars, minLength: 1, maxLength: 12 }).filter((s) => !s.startsWith('#'));
const value: fc.Arbitrary<Val> = fc.oneof(
  word.map((v) => ({ kind: 'str' as const, v })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({ kind: 'u64' as const, v })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({ kind: 'i32' as const, v })),
  fc.uint8Array({ minLength: 0, maxLength: 300 }).map((v) => ({ kind: 'hex' as const, v })),
);
// Keys start with a letter: JS objects order integer-like keys first, which formatRecord (an
// object's entries) would then print in a different order than given.
const key = fc.tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), fc.string({ unit: safeChars, maxLength: 8 })).map(([a, b]) => a + b);
const record = fc.record({
  type: fc.constantFrom(...RECORD_TYPES),
  fields: fc.array(fc.tuple(key, value), { maxLength: 8 }),
});

async function buildDriver(dir: string): Promise<string> {
  const exe = join(dir, 'report_driver');
  await execa('gcc', ['-O2', '-Wall', '-I', join(ROOT, 'firmware/runtime/include'),
    join(ROOT, 'firmware/runtime/tr_report.c'), join(ROOT, 'test/firmware/fixtures/report_driver.c'), '-o', exe], { timeout: 60_000 });
  return exe;
}

test('C tr_report output is byte-identical to formatRecord for random records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tr-report-'));
  try {
    const exe = await buildDriver(dir);
    const recs = fc.sample(record, { numRuns: 400, seed: 20261124 });
    // Duplicate keys would collapse in a JS object; keep the first of each.
    const cleaned = recs.map((r) => ({ type: r.type as RecordType, fields: [...new Map(r.fields).entries()] }));
    const input = cleaned.map((r) => [r.type, ...r.fields.flatMap(([k, v]) => [k, wire(v)])].join('\t')).join('\n') + '\n';
    const { stdout } = await execa(exe, [], { input, stripFinalNewline: false, timeout: 60_000 });
    const expected = cleaned.map((r, seq) => `${formatRecord({ seq, type: r.type, fields: Object.fromEntries(r.fields.map(([k, v]) => [k, text(v)])) })}\r\n`).join('');
    const got = stdout.split('\n');
    const want = expected.split('\n');
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `record ${i}`);
    // And every line's checksum verifies in the host parser (random records may lack the keys
    // their type requires; that is the only complaint allowed).
    for (const line of stdout.split('\n').filter(Boolean)) {
      const r = parseLine(line);
      if (r.kind === 'corrupt') assert.match(r.reason, /lacks/);
      else assert.equal(r.kind, 'record');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('C tr_report formats the documented example exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tr-report-'));
  try {
    const exe = await buildDriver(dir);
    const { stdout } = await execa(exe, [], { input: 'INF\ti\t#u0\tcount\t#u42259000\tstack\t#u300\theap\t#u0\nEND\tstatus\t#u0\n', stripFinalNewline: false });
    assert.equal(stdout,
      `${formatRecord({ seq: 0, type: 'INF', fields: { i: '0', count: '42259000', stack: '300', heap: '0' } })}\r\n`
      + `${formatRecord({ seq: 1, type: 'END', fields: { status: '0' } })}\r\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
