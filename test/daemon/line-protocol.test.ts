// The point table stores each point as its line-protocol text, built once at commit
// (daemon/influx/line-protocol.ts), instead of the `influx` client building it at send time. What
// InfluxDB receives must not change: for points of every measurement of the schema — awkward
// characters in tags and strings included — the stored line is byte for byte what the client's
// writePoints posts (captured by a real HTTP server on loopback). Points the line checks refuse
// are kept in their row, with the reason, and come out as dead letters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { InfluxDB, type IPoint } from 'influx';
import { schema, MEASUREMENTS, agentHealthPoint, boardStatePoint, daemonHealthPoint, jobEventPoint, regressionPoint, stableTimestamp } from '../../daemon/influx/schema.ts';
import { OP_PROFILE_MEASUREMENT } from '../../daemon/influx/op-profile-schema.ts';
import { toLine } from '../../daemon/influx/line-protocol.ts';
import { PointQueue } from '../../daemon/influx/point-queue.ts';
import { openLabDb } from '../../daemon/jobs/lab-db.ts';
import { tempDir } from './support.ts';

const at = Date.parse('2026-12-03T10:00:00Z');
const awkward = 'a b,c=d"e\\f';
const points: IPoint[] = [
  {
    measurement: MEASUREMENTS.results,
    tags: { board: 'b 1', board_kind: 'qemu-mps2-an386', agent: 'ag,1', model: 'm=1', backend: 'aot', tiling: 'fdt', arithmetic: 'reference', suite: 'adhoc', counter: 'instructions', source: 'tinyrack' },
    fields: {
      count: 123456789, latency_us: 1234.5678, stack_bytes: 512, heap_bytes: 0, arena_bytes: 40960, rom_bytes: 70000, ram_bytes: 50000,
      outputs_match: true, job_id: '01890a5d-ac96-774b-bcce-b302099a8057', reps: 3, attempt: 1, energy_uj: 0.1 + 0.2, energy_estimated: false,
      firmware_hash: 'abc', latency_estimated: true, submitted_by: awkward, firmware_sha256: 'f'.repeat(64),
    },
    timestamp: stableTimestamp(at, 'result:x'),
  },
  jobEventPoint({ event: 'failed', jobId: 'j1', model: 'aww', boardKind: 'k', backend: 'tflm', tiling: 'none', arithmetic: 'xnnpack', suite: 'night ly', attempt: 2, board: 'b', agent: 'a', error: `line one\nline two "quoted" \\ it's`, queueDepth: 7, runId: 'r', at }),
  jobEventPoint({ event: 'queued', jobId: 'j2', model: '', at }),
  regressionPoint({ v: 1, ts: new Date(at).toISOString(), jobId: 'j3', model: 'aww', boardKind: 'k', backend: 'aot', tiling: 'ffmt', metric: 'count', baseline: 100, value: 101, changePct: 1 } as Parameters<typeof regressionPoint>[0]),
  agentHealthPoint('agent 7', true, 20, '1.2.3', at),
  boardStatePoint('agent-7', 'board=3', 'kind', 'busy', 4, at, { noiseLines: 1, corruptLines: 2 }),
  daemonHealthPoint({ queued: 1, dispatched: 2, influxBacklog: 3, influxWritten: 4, influxDeadLetters: 5, ignoredResults: 6, rejectedRequests: 7, requeues: 8 }, at),
  {
    measurement: OP_PROFILE_MEASUREMENT,
    tags: { model: 'aww', board_kind: 'k', backend: 'aot', tiling: 'none', arithmetic: 'reference', op: '3', op_kind: 'CONV_2D', suite: 'adhoc', counter: 'instructions' },
    fields: { count: 1000, macs: 250, share: 1 / 3, job_id: 'j4', per_mac: 4 },
    timestamp: stableTimestamp(at, 'op:j4:3'),
  },
];

/** What the `influx` client posts for these points: a real HTTP server on loopback captures it. */
async function clientBody(list: IPoint[]): Promise<string> {
  let body = '';
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => { res.statusCode = 204; res.end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const client = new InfluxDB({ host: '127.0.0.1', port, database: 'lp', schema: schema.map((s) => ({ ...s, database: 'lp' })) });
    await client.writePoints(list, { precision: 'n' });
  } finally {
    server.close();
  }
  return body;
}

test('every measurement: the stored line is what the influx client would have posted, byte for byte', async () => {
  assert.deepEqual(new Set(points.map((p) => p.measurement)), new Set(schema.map((s) => s.measurement)), 'the corpus covers every measurement');
  const ours = points.map((p) => { const l = toLine(p); assert.ok(l.ok, JSON.stringify(l)); return l.line; }).join('\n');
  // The client gets the points as the line checks pass them (empty tags dropped).
  assert.equal(ours, await clientBody(points.map((p) => ({ ...p, tags: Object.fromEntries(Object.entries(p.tags ?? {}).filter(([, v]) => v !== '')) }))));
});

test('a point the line checks or the schema refuse is no line, with the reason', () => {
  const base = agentHealthPoint('a', true, 1, 'v', at);
  assert.deepEqual(toLine({ ...base, tags: { agent: 'tail\\' } }), { ok: false, reason: 'agent_health: tag agent "tail\\\\" ends in a backslash (line protocol has no escape for it)' });
  assert.deepEqual(toLine({ ...base, fields: { online: true } }), { ok: false, reason: 'agent_health.online: expected a number, got true' });
  assert.deepEqual(toLine({ ...base, fields: { online: 1, bogus: 2 } }), { ok: false, reason: 'agent_health: field(s) bogus not in the schema' });
  assert.deepEqual(toLine({ ...base, fields: { online: 1, toString: 2 } }), { ok: false, reason: 'agent_health: field(s) toString not in the schema' });
  // The 64-bit bound of integer fields, at its edge (the largest double below 2^63 fits).
  assert.deepEqual(toLine({ ...base, fields: { online: 2 ** 63 } }), { ok: false, reason: `agent_health: field online = ${2 ** 63} is not a 64-bit integer` });
  assert.deepEqual(toLine({ ...base, fields: { online: -(2 ** 63) } }), { ok: false, reason: `agent_health: field online = ${-(2 ** 63)} is not a 64-bit integer` });
  assert.ok(toLine({ ...base, fields: { online: 2 ** 63 - 1024 } }).ok);
  assert.ok(toLine({ ...base, fields: { online: -(2 ** 63) + 1024 } }).ok);
  assert.deepEqual(toLine({ ...base, tags: { agent: 'a', rack: 'r1' } }), { ok: false, reason: 'agent_health: tag rack is not in the schema' });
  assert.deepEqual(toLine({ ...base, measurement: 'nope' }), { ok: false, reason: 'nope: measurement is not in the schema' });
  // Accepted tag values are remembered (checked once each): a value seen good under a schema key
  // is still refused under a key that is not a name, and a point with a bad measurement or field
  // key is refused whatever its tags.
  assert.ok(toLine({ ...base, tags: { agent: 'seen' } }).ok);
  assert.deepEqual(toLine({ ...base, tags: { agent: 'seen', 'ag\nent': 'seen' } }), { ok: false, reason: 'agent_health: tag key "ag\\nent" has a control character (line protocol has no escape for it)' });
  assert.deepEqual(toLine({ ...base, tags: { agent: 'seen' }, measurement: 'a\\' }), { ok: false, reason: 'a\\: measurement "a\\\\" ends in a backslash (line protocol has no escape for it)' });
  assert.deepEqual(toLine({ ...base, tags: { agent: 'seen' }, fields: { 'on\tline': 1 } }), { ok: false, reason: 'agent_health: field key "on\\tline" has a control character (line protocol has no escape for it)' });
});

test('the point table holds lines; a refused point rides in its row and comes out as a dead letter in order', () => {
  const lab = openLabDb(join(tempDir(), 'lab.db'));
  // A row as schema version 2 wrote it (a JSON array of point objects) is still read, first.
  lab.db.prepare('INSERT INTO points (point, n) VALUES (?, ?)').run(JSON.stringify([points[6], points[7]]), 2);
  const queue = new PointQueue(lab);
  assert.equal(queue.backlog, 2);
  const v2 = queue.peek(1)!;
  assert.deepEqual(v2.lines, [points[6]!, points[7]!].map((p) => (toLine(p) as { line: string }).line));
  queue.settle(v2, []);
  const bad = boardStatePoint('a', 'b\nx', 'k', 'idle', 0, at);
  // points[1] has a line break in a string field: one line all the same.
  queue.add([points[4]!, bad, points[1]!]);
  const row = lab.db.prepare('SELECT point, n FROM points').get() as { point: string; n: number };
  assert.equal(row.n, 3);
  assert.equal(JSON.parse(row.point)[0], (toLine(points[4]!) as { line: string }).line, 'stored as the line that is sent');
  const batch = queue.peek(10)!;
  assert.deepEqual(batch.lines, [points[4]!, points[1]!].map((p) => (toLine(p) as { line: string }).line));
  assert.equal(batch.count, 3);
  assert.equal(batch.refused.length, 1);
  assert.deepEqual((batch.refused[0] as { point: IPoint }).point, bad, 'the refused point is kept whole');
  assert.match(batch.refused[0]!.reason, /^refused before sending: board_state: tag board "b\\nx" has a control character/);
  queue.settle(batch, batch.refused);
  assert.equal(queue.backlog, 0);
  assert.deepEqual(queue.deadPoints().map((d) => d.point), [bad]);
  lab.close();
});
