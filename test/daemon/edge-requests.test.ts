// Issue 12's request findings, each reproduced against a real Mosquitto and the real daemon: a
// reply topic naming an agent's jobs topic, a 70 KB reply topic and a NUL in a reply topic are
// each refused with one answer and never come back; a 5 MB request id is refused; reusing another
// requester's request id never returns that requester's result; a requester over its rate is
// refused; an agent cannot take over a board id another agent owns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { SimAgent } from '../../daemon/sim/sim-agent.ts';
import { flash, rawRequest } from '../../daemon/client.ts';
import type { Daemon } from '../../daemon/daemon.ts';
import { topics, type RequestReply } from '../../wire/mqtt.ts';
import { RateLimiter } from '../../daemon/rate-limit.ts';
import { labConfig, startDaemon, waitFor } from './support.ts';

let mq: TestBroker;
let daemon: Daemon;
let agent: SimAgent;
const log: string[] = [];
const base = { v: 1, model: { name: 'aww' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'none', reps: 1 };

before(async () => {
  mq = await startMosquitto();
  // perMinute 1: within the test nothing refills, so the rate test is exact.
  daemon = await startDaemon({
    config: labConfig('  requests:\n    maxUploadBytes: 65536\n    perMinute: 1\n    burst: 5\n'), brokerUrl: mq.url, influx: null, clientId: 'daemon-edge',
    log: (l) => log.push(l),
  });
  agent = new SimAgent({ brokerUrl: mq.url, agentId: 'rack-a', boards: [{ boardId: 'a-0', kind: 'qemu-sifive-e' }], jobMs: 5 });
  await agent.start();
  await waitFor('agent registered', () => daemon.registry.board('a-0')?.agentOnline);
});

after(async () => {
  await agent?.stop();
  await daemon?.stop();
  await mq?.dispose();
});

const send = (requester: string, payload: string | Buffer, replies = 1) =>
  rawRequest(mq.url, payload, `tinyrack/replies/${requester}/#`, replies, 10_000, { topic: topics.requestsOf(requester) });

test('bad reply topics (an agent\'s jobs topic, 70 KB, a NUL) are each refused once on the requester\'s topic; the daemon stays connected', async () => {
  const spy = mqtt.connect(mq.url, { protocolVersion: 4 });
  after(() => spy.end(true));
  await new Promise((r) => spy.once('connect', r));
  const onJobs: string[] = [];
  spy.on('message', (_t, p) => onJobs.push(p.toString()));
  await spy.subscribeAsync('tinyrack/agents/+/jobs', { qos: 1 });
  const rejectedBefore = daemon.stats().rejectedRequests;
  const cases: Array<[string, RegExp]> = [
    [topics.agentJobs('rack-a'), /^invalid request: payload\.replyTo must be a topic under tinyrack\/replies\/$/],
    [`tinyrack/replies/mallory/${'x'.repeat(70_000)}`, /^invalid request: payload\.replyTo is 70025 characters, more than 256$/],
    ['tinyrack/replies/mallory/a\u0000b', /^invalid request: payload\.replyTo contains a control character$/],
    ['tinyrack/replies/alice/stolen', /^invalid request: payload\.replyTo must be a topic under tinyrack\/replies\/mallory\/$/],
  ];
  for (const [replyTo, why] of cases) {
    const requestId = randomUUID();
    const replies = await send('mallory', JSON.stringify({ ...base, requestId, replyTo }));
    assert.equal(replies.length, 1, replyTo.slice(0, 40));
    assert.equal(replies[0]!.type, 'rejected');
    assert.equal(replies[0]!.requestId, requestId, 'answered on tinyrack/replies/mallory/<requestId>');
    assert.match((replies[0] as { reason: string }).reason, why);
  }
  // The daemon still serves, nothing reached an agent's jobs topic but the real job, and no
  // refused request came back (a redelivery would be counted again, and would follow a reconnect).
  const out = await flash(mq.url, { model: { name: 'aww' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000, username: 'mallory' });
  assert.equal(out.result?.ok, true);
  assert.equal(daemon.stats().rejectedRequests, rejectedBefore + cases.length);
  assert.deepEqual(onJobs.map((p) => (JSON.parse(p) as { jobId: string }).jobId), [out.jobId], 'only the real job was published on a jobs topic');
  assert.equal(log.filter((l) => /reconnected/.test(l)).length, 0, 'the daemon never lost its connection');
  await spy.endAsync();
});

test('a 5 MB request id and a payload over the request size are refused, without echoing the id or creating a job', async () => {
  const jobs = daemon.store.all().length;
  const requestId = 'r'.repeat(5 << 20);
  const payload = JSON.stringify({ ...base, requestId, replyTo: 'tinyrack/replies/bigid/x' });
  const replies = await send('bigid', payload);
  assert.equal(replies.length, 1);
  assert.deepEqual({ ...replies[0] }, { v: 1, requestId: '', type: 'rejected', reason: `invalid request: payload is ${payload.length} bytes, more than ${Math.ceil(65536 / 3) * 4 + 65536}` });
  // Under the byte limit, a long id is refused by the id rule, and not echoed either.
  const long = await send('bigid', JSON.stringify({ ...base, requestId: 'r'.repeat(100_000), replyTo: 'tinyrack/replies/bigid/y' }));
  assert.deepEqual({ ...long[0] }, { v: 1, requestId: '', type: 'rejected', reason: 'invalid request: payload.requestId must be an id of letters, digits, "_", ".", "-" (1..128 characters, not "." or "..")' });
  assert.equal(daemon.store.all().length, jobs);
});

test('reusing another requester\'s request id is refused and never returns that requester\'s result', async () => {
  const requestId = randomUUID();
  const alice = await flash(mq.url, { requestId, model: { name: 'aww' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000, username: 'alice' });
  assert.equal(alice.result?.ok, true);
  const bob = await flash(mq.url, { requestId, model: { name: 'aww' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000, username: 'bob' });
  assert.equal(bob.result, undefined);
  assert.match(bob.rejected ?? '', new RegExp(`^request id ${requestId} is already used by another requester`));
  assert.deepEqual(bob.replies.map((r) => r.type), ['rejected']);
  // Alice asking again is still answered with her own job.
  const again = await flash(mq.url, { requestId, model: { name: 'aww' }, board: { kind: 'qemu-sifive-e' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000, username: 'alice' });
  assert.equal(again.jobId, alice.jobId);
});

test('a requester over its rate gets one refusal per request; other requesters are not affected', async () => {
  const reasons: string[] = [];
  for (let i = 0; i < 7; i++) {
    const requestId = `flood-${i}`;
    const replies = await send('flood', JSON.stringify({ ...base, model: { name: 'nosuch' }, requestId, replyTo: `tinyrack/replies/flood/${requestId}` }));
    assert.equal(replies.length, 1);
    reasons.push((replies[0] as Extract<RequestReply, { type: 'rejected' }>).reason);
  }
  assert.deepEqual(reasons.map((r) => r.replace(/retry in \d+ s/, 'retry in N s')), [
    ...Array(5).fill('unknown model "nosuch" (not in the model set; upload it as tfliteBase64 instead)'),
    ...Array(2).fill('rate limit: more than 5 requests at once or 1 a minute from flood; retry in N s'),
  ]);
  const other = await send('calm', JSON.stringify({ ...base, model: { name: 'nosuch' }, requestId: 'calm-1', replyTo: 'tinyrack/replies/calm/calm-1' }));
  assert.match((other[0] as { reason: string }).reason, /^unknown model/);
});

test('an agent reporting a board id another agent owns does not get that board; its own boards register', async () => {
  const thief = new SimAgent({ brokerUrl: mq.url, agentId: 'rack-t', boards: [{ boardId: 'a-0', kind: 'qemu-sifive-e' }, { boardId: 't-0', kind: 'qemu-sifive-e', state: 'quarantined' }] });
  await thief.start();
  await waitFor('rack-t registered', () => daemon.registry.board('t-0'));
  assert.equal(daemon.registry.board('a-0')?.agentId, 'rack-a');
  assert.deepEqual(daemon.registry.agent('rack-t')?.boards.map((b) => b.boardId), ['t-0']);
  assert.equal(daemon.stats().refusedBoards, 1);
  const out = await flash(mq.url, { model: { name: 'aww' }, board: { id: 'a-0' }, backend: 'aot', tiling: 'none', reps: 1 }, { timeoutMs: 20_000, username: 'carol' });
  assert.equal(out.result?.agentId, 'rack-a');
  assert.equal(thief.received.length, 0, 'no job went to the agent that claimed the board');
  await thief.stop();
});

test('rate limiter: a burst, then the rate; a full bucket is forgotten', () => {
  let now = 0;
  const rl = new RateLimiter({ perMinute: 6, burst: 2 }, () => now);
  assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a')], [true, true, false]);
  assert.equal(rl.retryAfterS('a'), 10);
  assert.equal(rl.take('b'), true, 'buckets are per requester');
  now += 10_000;
  assert.deepEqual([rl.take('a'), rl.take('a')], [true, false], 'one token back after 10 s at 6 a minute');
  now += 3_600_000;
  assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a')], [true, true, false], 'never more than the burst');
});
