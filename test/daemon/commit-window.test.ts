// The commit window (daemon/unit-of-work.ts): when messages trickle in, a small group waits for
// more before it commits, so the cost of a commit is not paid per message; a group that fills up
// commits at the end of its burst; a drain (stop, the InfluxDB writer) commits at once; nothing is
// said before the commit either way. Windows here are 60 s where a test needs a group still open
// (it never expires during the test), and short where a test waits for the window to end (long
// enough that two event-loop turns of this process fit in it even on a loaded machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openLabDb } from '../../daemon/jobs/lab-db.ts';
import { JobStore } from '../../daemon/jobs/job-store.ts';
import { PointQueue } from '../../daemon/influx/point-queue.ts';
import { UnitOfWork, type CommitWindow, type Outgoing } from '../../daemon/unit-of-work.ts';
import { jobEventPoint } from '../../daemon/influx/schema.ts';
import { parseLabConfig } from '../../daemon/config.ts';
import { tempDir, waitFor } from './support.ts';

const turn = () => new Promise((r) => setImmediate(r));

function setup(window?: CommitWindow) {
  const lab = openLabDb(join(tempDir(), 'lab.db'));
  const store = new JobStore(lab);
  const queue = new PointQueue(lab);
  const sent: string[] = [];
  const events: string[] = [];
  const work = new UnitOfWork(lab, queue, (m: Outgoing) => sent.push(m.topic), (n) => events.push(`committed ${n} points`), {
    log: () => {}, opened: () => events.push('opened'), closed: (ok) => events.push(`closed ${ok}`),
  }, window);
  const newJob = { model: { name: 'aww' }, boardKind: 'k', backend: 'aot' as const, tiling: 'none' as const, reps: 1 };
  /** One message's unit: a job, its point, a reply. */
  const unit = (topic: string) => work.run(() => {
    const j = store.enqueue(newJob);
    work.point(jobEventPoint({ event: 'queued', jobId: j.jobId, at: 1 }));
    work.publish(topic, 'x');
  });
  const committedRows = () => lab.db.prepare('SELECT count(*) FROM jobs').pluck().get() as number;
  return { lab, store, work, sent, events, unit, committedRows };
}

test('without a window, units of separate bursts are separate commits (the behaviour the window changes)', async () => {
  const s = setup();
  s.unit('t/a');
  await turn();
  s.unit('t/b');
  await turn();
  assert.deepEqual(s.events, ['opened', 'closed true', 'committed 1 points', 'opened', 'closed true', 'committed 1 points']);
  assert.deepEqual(s.work.groupStats, { commits: 2, units: 2, waited: 0 });
  s.lab.close();
});

test('a small group waits for the next bursts and commits them together; nothing is said before', async () => {
  const s = setup({ ms: 60_000, units: 3 });
  s.unit('t/a');
  await turn();
  await turn();
  s.unit('t/b');
  await turn();
  await turn();
  assert.deepEqual(s.events, ['opened'], 'the first burst was small: its group is still open, waiting');
  assert.deepEqual(s.sent, [], 'no reply before the commit');
  // The third unit fills the group: it commits at the end of this burst, not when the window ends.
  s.unit('t/c');
  assert.deepEqual(s.events, ['opened']);
  await turn();
  assert.deepEqual(s.events, ['opened', 'closed true', 'committed 3 points']);
  assert.deepEqual(s.sent, ['t/a', 't/b', 't/c']);
  assert.equal(s.store.all().length, 3);
  assert.deepEqual(s.work.groupStats, { commits: 1, units: 3, waited: 1 });
  s.lab.close();
});

test('a group that stays small commits when its window ends', async () => {
  const s = setup({ ms: 200, units: 100 });
  s.unit('t/a');
  await turn();
  s.unit('t/b');
  await waitFor('the window ended', () => s.events.length > 1, 10_000);
  assert.deepEqual(s.events, ['opened', 'closed true', 'committed 2 points']);
  assert.deepEqual(s.sent, ['t/a', 't/b']);
  // The next message opens a new group, which waits again.
  s.unit('t/c');
  await waitFor('the second window ended', () => s.events.length > 5, 10_000);
  assert.deepEqual(s.work.groupStats, { commits: 2, units: 3, waited: 2 });
  s.lab.close();
});

test('a drain (stop, the InfluxDB writer) commits a waiting group at once, and its window does not fire later', async () => {
  const s = setup({ ms: 30, units: 100 });
  s.unit('t/a');
  await turn();
  await turn();
  assert.equal(s.committedRows(), 1, 'inside the open transaction');
  assert.deepEqual(s.events, ['opened']);
  s.work.flush();
  assert.deepEqual(s.events, ['opened', 'closed true', 'committed 1 points']);
  assert.deepEqual(s.sent, ['t/a']);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(s.events, ['opened', 'closed true', 'committed 1 points'], 'no second commit when the old window would have ended');
  assert.equal(s.work.groupStats.commits, 1);
  s.lab.close();
});

test('daemon.commitWindowMs: the lab config sets the window, 0 turns it off, the default is 5 ms', () => {
  const parse = (y: string) => parseLabConfig(y, join(tempDir(), 'lab.yaml'));
  assert.equal(parse('daemon:\n  commitWindowMs: 12\n').commitWindowMs, 12);
  assert.equal(parse('daemon:\n  commitWindowMs: 0\n').commitWindowMs, 0);
  assert.equal(parse('daemon: {}\n').commitWindowMs, 5);
  assert.throws(() => parse('daemon:\n  commitWindowMs: 1000\n'), /commitWindowMs/);
});
