// The InfluxDB writer never wedges, against a real InfluxDB: a point InfluxDB refuses (a 2001
// timestamp is beyond the retention policy) and points the line protocol cannot carry (a tag
// ending in a backslash, a tag with a line break) are each set aside as dead letters with the
// reason — a log line each, a counter, a health point — while the good points around them and
// after them arrive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { IPoint } from 'influx';
import { InfluxSink } from '../../daemon/influx/writer.ts';
import { checkPoint } from '../../daemon/influx/line-safety.ts';
import { agentHealthPoint, boardStatePoint, jobEventPoint } from '../../daemon/influx/schema.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { labConfig, startDaemon, tempDir, waitFor } from './support.ts';

let influx: TestInfluxdb;
before(async () => { influx = await startInfluxdb(); });
after(async () => { await influx?.dispose(); });

const good = (n: number, at: number): IPoint => jobEventPoint({ event: 'queued', jobId: `good-${n}`, suite: 'w', queueDepth: n, at });

test('malformed points are set aside with a reason each; every good point before and after them is written', { timeout: 60_000 }, async () => {
  const DB = 'writer_dead';
  const log: string[] = [];
  const sink = new InfluxSink({ url: influx.url, database: DB, spoolPath: join(tempDir(), 'sink.db'), log: (l) => log.push(l), flushIntervalMs: 100 });
  sink.start();
  const t = Date.now() - 60_000;
  sink.write([
    good(1, t),
    agentHealthPoint('clock-in-2001', true, 1, 'x', Date.parse('2001-01-01T00:00:00Z')), // beyond the retention policy
    good(2, t + 1),
    boardStatePoint('agent-a', 'board\\', 'kind', 'idle', 0, t + 2), // tag value ending in a backslash
    good(3, t + 3),
    boardStatePoint('agent-a', 'board\nx', 'kind', 'idle', 0, t + 4), // tag value with a line break
    good(4, t + 5),
  ]);
  assert.equal(await sink.drain(20_000), 0, 'nothing is left waiting: the bad points do not block the queue');
  sink.write([good(5, t + 6)]);
  assert.equal(await sink.drain(20_000), 0, 'later points keep flowing');
  const q = await influx.query(DB, `SELECT job_id FROM jobs WHERE suite = 'w'`);
  assert.deepEqual(q.results[0]!.series![0]!.values.map((v) => v[1]), ['good-1', 'good-2', 'good-3', 'good-4', 'good-5']);
  const dead = sink.queue.deadPoints();
  assert.equal(dead.length, 3);
  assert.equal(sink.deadLettered, 3);
  // Points the line checker refuses are set aside before sending, the one InfluxDB refuses after.
  // A point refused before sending is kept whole; a point InfluxDB refused, as the line it was sent as.
  const reasonOf = (pred: (p: IPoint) => boolean) => dead.find((d) => d.point && pred(d.point))?.reason;
  const refusedLine = dead.find((d) => d.line?.startsWith('agent_health,agent=clock-in-2001 '));
  assert.match(refusedLine?.reason ?? '', /^InfluxDB refused it: .*beyond retention policy/, 'the dead letter keeps the whole line');
  assert.match(refusedLine!.line!, /^agent_health,agent=clock-in-2001 boards=1i,online=1i,version="x" 978307200000\d{6}$/);
  assert.match(reasonOf((p) => p.tags?.board === 'board\\')!, /^refused before sending: board_state: tag board "board\\\\" ends in a backslash/);
  assert.match(reasonOf((p) => p.tags?.board === 'board\nx')!, /^refused before sending: board_state: tag board "board\\nx" has a control character/);
  assert.equal(log.filter((l) => l.includes('set aside as malformed')).length, 3, 'one log line per dead letter');
  await sink.close();
});

test('line checks: empty tags are dropped, non-finite numbers and non-integers in integer fields are refused', () => {
  const p = jobEventPoint({ event: 'done', jobId: 'j', suite: 's', model: '', attempt: 1, at: 0 });
  const c = checkPoint(p);
  assert.ok(c.ok);
  assert.equal('model' in c.point.tags!, false);
  assert.deepEqual(checkPoint({ ...p, fields: { queue_depth: Infinity } }), { ok: false, reason: 'jobs: field queue_depth is Infinity' });
  assert.deepEqual(checkPoint({ ...p, fields: { attempt: 1.5 } }), { ok: false, reason: 'jobs: field attempt = 1.5 is not a 64-bit integer' });
  assert.deepEqual(checkPoint({ ...p, tags: { 'su\u0000ite': 'x' } }), { ok: false, reason: 'jobs: tag key "su\\u0000ite" has a control character (line protocol has no escape for it)' });
  // A line break inside a string field is fine: the client quotes it.
  assert.ok(checkPoint({ ...p, fields: { error: 'line one\nline two "quoted" \\' } }).ok);
});

test('the daemon reports dead letters as a health metric', { timeout: 60_000 }, async () => {
  const DB = 'writer_health';
  const daemon = await startDaemon({ config: labConfig(''), influx: { url: influx.url, database: DB }, healthEveryMs: 200, clientId: 'd-dead' });
  try {
    daemon.sink!.write([boardStatePoint('agent-b', 'tail\\', 'kind', 'idle', 0, Date.now())]);
    await daemon.sink!.drain(10_000);
    assert.equal(daemon.stats().influxDeadLetters, 1);
    await waitFor('a daemon health point with the dead letter', async () => {
      const q = await influx.query(DB, 'SELECT last(dead_letters) FROM daemon');
      return q.results[0]?.series?.[0]?.values[0]?.[1] === 1;
    });
  } finally {
    await daemon.stop();
  }
});
