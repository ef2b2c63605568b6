// The dispatch policy as a pure function: no broker, no store — queue + free boards in,
// assignments out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignJobs, type FreeBoard, type QueuedJob } from '../../daemon/dispatch-policy.ts';

const board = (boardId: string, kind = 'k', agentId = 'a'): FreeBoard => ({ boardId, agentId, kind });
const job = (jobId: string, boardKind = 'k', wantBoardId?: string): QueuedJob => ({ jobId, boardKind, ...(wantBoardId ? { wantBoardId } : {}) });

test('oldest job first, least recently used board first, ties by board id', () => {
  const used = new Map([['b1', 50], ['b2', 10]]);
  const out = assignJobs([job('j1'), job('j2'), job('j3'), job('j4')], [board('b1'), board('b2'), board('b0')], (id) => used.get(id) ?? 0);
  assert.deepEqual(out, [
    { jobId: 'j1', agentId: 'a', boardId: 'b0' }, // never used
    { jobId: 'j2', agentId: 'a', boardId: 'b2' }, // used at 10
    { jobId: 'j3', agentId: 'a', boardId: 'b1' }, // used at 50; j4 waits: no board left
  ]);
});

test('kinds are kept apart; a job naming a board gets that board or waits', () => {
  const free = [board('x0', 'kx', 'ax'), board('y0', 'ky', 'ay'), board('y1', 'ky', 'ay')];
  const out = assignJobs([job('wants-y1', 'ky', 'y1'), job('any-x', 'kx'), job('any-z', 'kz'), job('any-y', 'ky'), job('wants-y1-too', 'ky', 'y1')], free, () => 0);
  assert.deepEqual(out, [
    { jobId: 'wants-y1', agentId: 'ay', boardId: 'y1' },
    { jobId: 'any-x', agentId: 'ax', boardId: 'x0' },
    { jobId: 'any-y', agentId: 'ay', boardId: 'y0' },
  ]);
});

test('no free boards: nothing; the queue is read only as far as needed', () => {
  assert.deepEqual(assignJobs([job('j1')], [], () => 0), []);
  let read = 0;
  function* queue() { for (let i = 0; i < 1_000_000; i++) { read++; yield job(`j${i}`); } }
  const out = assignJobs(queue(), [board('b0'), board('b1')], () => 0);
  assert.equal(out.length, 2);
  assert.equal(read, 2, 'stops once every free board is taken');
});

test('a thousand boards, ten kinds, a queue of 20,000: every board busy, one job each', () => {
  const free = Array.from({ length: 1000 }, (_, i) => board(`b${String(i).padStart(4, '0')}`, `k${i % 10}`, `agent${i % 50}`));
  const queue = Array.from({ length: 20_000 }, (_, i) => job(`j${i}`, `k${i % 10}`));
  const out = assignJobs(queue, free, () => 0);
  assert.equal(out.length, 1000);
  assert.equal(new Set(out.map((a) => a.boardId)).size, 1000);
  assert.deepEqual(out.slice(0, 3).map((a) => a.jobId), ['j0', 'j1', 'j2'], 'oldest first');
  for (const a of out) assert.equal(`k${Number(a.jobId.slice(1)) % 10}`, `k${Number(a.boardId.slice(1)) % 10}`, 'kind matches');
});
