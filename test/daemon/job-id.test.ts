// Job ids: UUID version 7 — the creation time in the first 48 bits, then a counter, so ids sort
// in creation order (the lab database's primary-key index grows at its end), and random bits
// with the RFC 9562 variant, so ids stay unique and unguessable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newJobId } from '../../daemon/jobs/job-id.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('job ids are UUIDv7: the time first, ordered as made (also past 4,096 in one millisecond and when the clock steps back), unique', () => {
  const t = Date.UTC(2031, 0, 2, 3, 4, 5, 6);
  const ids = [
    ...Array.from({ length: 5000 }, () => newJobId(t)),
    ...Array.from({ length: 10 }, () => newJobId(t - 60_000)),
    ...Array.from({ length: 10 }, () => newJobId(t + 60_000)),
  ];
  for (const id of ids) assert.match(id, UUID_V7);
  assert.equal(parseInt(ids[0]!.replace('-', '').slice(0, 12), 16), t, 'the first 48 bits are the milliseconds');
  assert.equal(parseInt(ids.at(-1)!.replace('-', '').slice(0, 12), 16), t + 60_000);
  assert.deepEqual([...ids].sort(), ids, 'sorted as made');
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(new Set(ids.map((id) => id.slice(19))).size, ids.length, 'the random part differs between ids');
});
