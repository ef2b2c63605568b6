import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Outbox } from '../../agents/mqtt/outbox.ts';
import { JobJournal } from '../../agents/mqtt/journal.ts';
import { BoardHealth } from '../../agents/health/board-health.ts';
import { PermanentError, withRetries } from '../../agents/health/retry.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const tmp = () => tempDir('tinyrack-state-');

test('outbox: entries survive a new Outbox on the same folder, oldest first; removal is final', () => {
  const dir = tmp();
  const a = new Outbox(dir);
  const e1 = a.put('t/results', '{"jobId":"a"}', { key: 'result-a' });
  const e2 = a.put('t/results', '{"jobId":"b/c"}', { key: 'result-b/c' });
  writeFileSync(join(dir, 'garbage.json'), '{not json');
  const b = new Outbox(dir); // what a restarted agent sees
  assert.deepEqual(b.list().map((e) => [e.topic, e.payload]), [['t/results', '{"jobId":"a"}'], ['t/results', '{"jobId":"b/c"}']]);
  // Re-putting the same key replaces instead of duplicating.
  b.put('t/results', '{"jobId":"a","v":2}', { key: 'result-a' });
  assert.equal(b.list().length, 2);
  assert.equal(b.list()[0]!.payload, '{"jobId":"a","v":2}');
  b.remove(e1.id);
  b.remove(e1.id); // idempotent
  assert.deepEqual(b.list().map((e) => e.id), [e2.id]);
  // No temporary files are left behind.
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), []);
});

test('journal: job ids of any text, states persisted; unfinished jobs found after a restart', () => {
  const dir = tmp();
  const j = new JobJournal(dir);
  j.set('job/1 with spaces', 'accepted');
  j.set('job-2', 'accepted');
  j.set('job-2', 'running', { boardId: 'b0' });
  j.set('job-3', 'done');
  const k = new JobJournal(dir);
  assert.equal(k.get('job/1 with spaces')?.state, 'accepted');
  assert.equal(k.get('job-2')?.boardId, 'b0');
  assert.equal(k.get('nope'), undefined);
  assert.deepEqual(k.unfinished().map((e) => e.jobId).sort(), ['job-2', 'job/1 with spaces']);
});

test('board health: quarantine after N consecutive failures; a success resets; only release brings it back', () => {
  const h = new BoardHealth(3);
  h.ensure('b');
  assert.equal(h.recordFailure('b', 'x'), false);
  h.recordSuccess('b');
  assert.equal(h.recordFailure('b', 'x'), false);
  assert.equal(h.recordFailure('b', 'y'), false);
  assert.equal(h.recordFailure('b', 'z'), true);
  assert.equal(h.get('b')?.state, 'quarantined');
  h.setState('b', 'idle');
  assert.equal(h.get('b')?.state, 'quarantined');
  h.release('b');
  assert.deepEqual(h.get('b'), { boardId: 'b', state: 'idle', consecutiveFailures: 0, serialNoiseLines: 0, serialCorruptLines: 0, lastError: undefined });
});

test('retries with backoff; permanent errors are not retried', async () => {
  const delays: number[] = [];
  let calls = 0;
  const r = await withRetries(async (n) => { calls++; if (n < 3) throw new Error(`fail ${n}`); return n; },
    { retries: 2, backoffMs: 5, backoffFactor: 2 }, { onRetry: (_e, _a, d) => { delays.push(d); } });
  assert.equal(r, 3);
  assert.equal(calls, 3);
  assert.deepEqual(delays, [5, 10]);
  calls = 0;
  await assert.rejects(withRetries(async () => { calls++; throw new PermanentError('no'); }, { retries: 5, backoffMs: 1, backoffFactor: 1 }), /no/);
  assert.equal(calls, 1);
  await assert.rejects(withRetries(async () => { throw new Error('always'); }, { retries: 1, backoffMs: 1, backoffFactor: 1 }), /always/);
});

test('outbox: a job id of any length never touches a path raw (300 and 5,000 characters), and a restart finds it again', () => {
  const dir = tmp();
  const a = new Outbox(dir);
  for (const n of [300, 5000]) {
    const jobId = `j${'x'.repeat(n - 1)}`;
    const e = a.put('t/results', JSON.stringify({ jobId }), { key: `result-${jobId}` });
    assert.ok(e.id.length < 100, 'the file name is short whatever the id');
    const b = new Outbox(dir); // a restarted agent
    assert.equal(b.has(`result-${jobId}`), true);
    assert.equal(b.has(`result-${jobId}y`), false);
    b.put('t/results', JSON.stringify({ jobId, again: true }), { key: `result-${jobId}` });
    assert.equal(b.list().filter((x) => JSON.parse(x.payload).jobId === jobId).length, 1, 're-put replaces');
  }
  // Keys that differ only in characters a file name cannot hold are still two entries.
  a.put('t', '1', { key: 'result-a/b' });
  a.put('t', '2', { key: 'result-a_b' });
  assert.equal(new Outbox(dir).has('result-a/b') && new Outbox(dir).has('result-a_b'), true);
  assert.equal(new Outbox(dir).list().filter((x) => x.payload === '1' || x.payload === '2').length, 2);
});

test('per-job folder names: bounded length, readable prefix, no two ids share one', async () => {
  const { safeName } = await import('../../agents/agent.ts');
  const long = `j${'x'.repeat(4999)}`;
  assert.ok(safeName(long).length <= 57);
  assert.notEqual(safeName('a/b'), safeName('a_b'));
  assert.notEqual(safeName(`${'p'.repeat(80)}1`), safeName(`${'p'.repeat(80)}2`));
  assert.match(safeName('job-42'), /^job-42-[0-9a-f]{16}$/);
});
