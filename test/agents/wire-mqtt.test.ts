import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentIdOfTopic, arithmeticOf, LIMITS, replyTopicFor, replyTopicProblem, requesterOfTopic, topics, validateAgentHealth, validateFlashRequest, validateJobProgress, validateJobResult, validateJobSpec, type AgentHealth, type JobResult } from '../../wire/mqtt.ts';

const base: JobResult = {
  v: 1, jobId: 'j', agentId: 'a', boardId: 'b', boardKind: 'host', model: 'sine_model', backend: 'aot', tiling: 'none',
  ok: true, attempt: 1, startedAt: '2026-01-02T03:04:05.000Z', finishedAt: '2026-01-02T03:04:06.000Z',
  metrics: { counter: 'ns', count: 3, counts: [3], latencyUs: 0.003, stackBytes: 1, heapBytes: 0, arenaBytes: 1, romBytes: 1, ramBytes: 1, outputsMatch: true },
};

test('results: ok needs metrics, a failure needs an error and may have no metrics; "ns" counters are valid', () => {
  assert.equal(validateJobResult(base).ok, true);
  const { metrics: _m, ...noMetrics } = base;
  assert.deepEqual(validateJobResult(noMetrics), { ok: false, errors: ['payload.metrics is required when ok is true'] });
  assert.equal(validateJobResult({ ...noMetrics, ok: false, error: 'agent restarted during job' }).ok, true);
  assert.deepEqual(validateJobResult({ ...noMetrics, ok: false }), { ok: false, errors: ['payload.error is required when ok is false'] });
  assert.deepEqual(validateJobResult({ ...base, metrics: { ...base.metrics!, counter: 'ticks' } }), { ok: false, errors: ['payload.metrics.counter must be one of cycles, instructions, ns, us-lap'] });
});

test('job specs are validated from raw bytes; topics round-trip the agent id', () => {
  const spec = { v: 1, jobId: 'j1', boardKind: 'host', model: { name: 'sine_model' }, backend: 'aot', tiling: 'none', reps: 3, attempt: 1, deadline: 1 };
  assert.equal(validateJobSpec(Buffer.from(JSON.stringify(spec))).ok, true);
  assert.deepEqual(validateJobSpec(Buffer.from('{')).ok, false);
  assert.deepEqual(validateJobSpec({ ...spec, model: { name: '../etc' } }), { ok: false, errors: ['payload.model.name must match /^[A-Za-z0-9_.-]{1,64}$/'] });
  assert.equal(agentIdOfTopic(topics.agentResults('rack-7')), 'rack-7');
});

test('arithmetic: absent is valid and means reference; a bad value is refused by name', () => {
  const spec = { v: 1, jobId: 'j1', boardKind: 'host', model: { name: 'sine_model' }, backend: 'aot', tiling: 'none', reps: 3, attempt: 1, deadline: 1 };
  const request = { v: 1, requestId: 'r1', model: { name: 'aww' }, board: { kind: 'host' }, backend: 'aot', tiling: 'none', reps: 1, replyTo: 'tinyrack/replies/r1' };
  // Payloads from before the field: valid, and read as reference.
  for (const [validate, payload] of [[validateJobSpec, spec], [validateFlashRequest, request], [validateJobResult, base]] as const) {
    const v = validate(payload);
    assert.ok(v.ok, JSON.stringify(v));
    assert.equal(v.value.arithmetic, undefined);
    assert.equal(arithmeticOf(v.value), 'reference');
  }
  assert.equal(arithmeticOf(validOf(validateJobSpec({ ...spec, arithmetic: 'xnnpack' }))), 'xnnpack');
  assert.equal(arithmeticOf(validOf(validateJobResult({ ...base, arithmetic: 'xnnpack' }))), 'xnnpack');
  const bad = ['payload.arithmetic must be one of reference, xnnpack'];
  assert.deepEqual(validateJobSpec({ ...spec, arithmetic: 'float' }), { ok: false, errors: bad });
  assert.deepEqual(validateFlashRequest({ ...request, arithmetic: 'XNNPACK' }), { ok: false, errors: bad });
  assert.deepEqual(validateJobResult({ ...base, arithmetic: 1 }), { ok: false, errors: bad });
  assert.deepEqual(validateJobSpec({ ...spec, arithmetic: null }), { ok: false, errors: bad }, 'null is not "absent"');
});

test('arithmetic xnnpack with backend tflm is refused in jobs, requests and results (the build refuses it too)', () => {
  const spec = { v: 1, jobId: 'j1', boardKind: 'host', model: { name: 'sine_model' }, backend: 'tflm', tiling: 'none', reps: 3, attempt: 1, deadline: 1 };
  const request = { v: 1, requestId: 'r1', model: { name: 'aww' }, board: { kind: 'host' }, backend: 'tflm', tiling: 'none', reps: 1, replyTo: 'tinyrack/replies/r1' };
  const result = { ...base, backend: 'tflm' };
  const why = /^payload\.arithmetic xnnpack needs backend aot \(tflm computes TFLite-Micro's fixed-point reference arithmetic only\)$/;
  for (const [validate, payload] of [[validateJobSpec, spec], [validateFlashRequest, request], [validateJobResult, result]] as const) {
    assert.ok(validate(payload).ok, 'tflm without arithmetic is fine');
    assert.ok(validate({ ...payload, arithmetic: 'reference' }).ok, 'tflm in reference is fine');
    const v = validate({ ...payload, arithmetic: 'xnnpack' });
    assert.equal(v.ok, false);
    assert.equal(v.ok ? 0 : v.errors.length, 1);
    assert.match(v.ok ? '' : v.errors[0]!, why);
  }
});

test('health samples: a full one is valid; each mistake is named by its field', () => {
  const board = { boardId: 'b0', kind: 'qemu-mps2-an386', state: 'idle', consecutiveFailures: 0, quarantined: false, serialNoiseLines: 2, serialCorruptLines: 0 } as const;
  const h: AgentHealth = {
    v: 1, agentId: 'a', ts: '2026-01-02T03:04:05.678Z', uptimeS: 12, load1: 0.25, memFreeBytes: 1 << 30, diskFreeBytes: 5e9,
    boards: [board, { ...board, boardId: 'b1', state: 'quarantined', quarantined: true, consecutiveFailures: 3, lastJobAt: '2026-01-02T03:00:00Z' }],
  };
  const now = Date.parse('2026-01-02T03:05:00Z');
  assert.deepEqual(validateAgentHealth(Buffer.from(JSON.stringify(h)), { now }), { ok: true, value: h });
  const { diskFreeBytes: _d, ...noDisk } = h;
  assert.ok(validateAgentHealth(noDisk).ok, 'diskFreeBytes is optional (the folder could not be measured)');
  assert.deepEqual(validateAgentHealth({ ...h, ts: 'yesterday', load1: -1, memFreeBytes: 1.5, uptimeS: '3' }), { ok: false, errors: [
    'payload.ts must be an ISO 8601 time', 'payload.uptimeS must be an integer in [0, 9007199254740991]',
    'payload.load1 must be a finite number >= 0', 'payload.memFreeBytes must be an integer in [0, 9007199254740991]',
  ] });
  assert.deepEqual(validateAgentHealth({ ...h, boards: [{ ...board, state: 'broken', serialNoiseLines: undefined }] }), { ok: false, errors: [
    'payload.boards[0].state must be one of idle, busy, quarantined, missing', 'payload.boards[0].serialNoiseLines must be an integer in [0, 9007199254740991]',
  ] });
  assert.deepEqual(validateAgentHealth({ ...h, boards: [board, { ...board, quarantined: true }] }), { ok: false, errors: [
    'payload.boards[1].quarantined is true but state is idle', 'payload.boards[1].boardId b0 appears twice',
  ] });
  assert.deepEqual(validateAgentHealth({ ...h, v: 2 }), { ok: false, errors: ['payload.v must be 1'] });
  assert.equal(validateAgentHealth('not json').ok, false);
  assert.equal(agentIdOfTopic(topics.agentHealth('rack-7')), 'rack-7');
});

function validOf<T>(v: { ok: true; value: T } | { ok: false; errors: string[] }): T {
  assert.ok(v.ok, JSON.stringify(v));
  return v.value;
}

// --- edge rules (issue 12): sizes, ids, UTF-8, unknown fields, clocks, reply topics -----------

const spec = { v: 1, jobId: 'j1', boardKind: 'host', model: { name: 'sine_model' }, backend: 'aot', tiling: 'none', reps: 3, attempt: 1, deadline: 1 };
const request = { v: 1, requestId: 'r1', model: { name: 'aww' }, board: { kind: 'host' }, backend: 'aot', tiling: 'none', reps: 1, replyTo: 'tinyrack/replies/alice/r1' };
const errorsOf = (v: { ok: boolean; errors?: string[] }) => (v.ok ? [] : v.errors!);

test('ids must be safe as file names: a 300-character job id, a path, a NUL or a newline are refused by name', () => {
  const rule = 'must be an id of letters, digits, "_", ".", "-" (1..128 characters, not "." or "..")';
  for (const bad of ['x'.repeat(300), '../etc', '..', 'a/b', 'a\u0000b', 'a\nb', 'é']) {
    assert.deepEqual(errorsOf(validateJobSpec({ ...spec, jobId: bad })), [`payload.jobId ${rule}`], JSON.stringify(bad));
  }
  assert.ok(validateJobSpec({ ...spec, jobId: 'x'.repeat(128) }).ok, '128 characters are fine');
  assert.deepEqual(errorsOf(validateFlashRequest({ ...request, requestId: 'r'.repeat(5 << 20) }, { maxBytes: 16 << 20 })), [`payload.requestId ${rule}`]);
  assert.deepEqual(errorsOf(validateJobResult({ ...base, boardId: 'b\u0000' })), [`payload.boardId ${rule}`]);
  assert.equal(agentIdOfTopic('tinyrack/agents/../results'), undefined, 'a topic with an unsafe agent id names no agent');
  assert.equal(requesterOfTopic(topics.requestsOf('alice')), 'alice');
  assert.equal(requesterOfTopic(topics.requests), undefined, 'the old shared topic has no requester');
});

test('whole payloads are bounded in bytes, must be strict UTF-8, and unknown fields are refused', () => {
  const big = Buffer.from(JSON.stringify({ ...base, tags: { pad: 'x'.repeat(200) }, junk: 'y'.repeat(LIMITS.payloadBytes) }));
  assert.deepEqual(errorsOf(validateJobResult(big)), [`payload is ${big.length} bytes, more than ${LIMITS.payloadBytes}`]);
  const utf8 = Buffer.from(JSON.stringify(spec));
  const broken = Buffer.concat([utf8.subarray(0, 10), Buffer.from([0xc3, 0x28]), utf8.subarray(10)]);
  assert.deepEqual(errorsOf(validateJobSpec(broken)), ['payload is not valid UTF-8'], 'never silently replaced by U+FFFD');
  assert.deepEqual(errorsOf(validateFlashRequest({ ...request, extra: 'z'.repeat(100) })), ['payload.extra is not a known field']);
  assert.deepEqual(errorsOf(validateJobResult({ ...base, metrics: { ...base.metrics!, secret: 1 } })), ['payload.metrics.secret is not a known field']);
  const deep = '['.repeat(200_000) + ']'.repeat(200_000);
  assert.match(errorsOf(validateJobResult(deep)).join(), /^payload is \d+ bytes, more than/, 'deep and big: refused by size before parsing');
  assert.match(errorsOf(validateJobSpec(deep)).join(), /^(payload is not JSON|payload must be an object)/, 'deep nesting is an error, not a crash');
  assert.match(errorsOf(validateJobSpec('['.repeat(10_000) + ']'.repeat(10_000))).join(), /^payload must be an object$|not JSON/);
});

test('strings, arrays and maps are bounded; text may have line breaks but no NUL', () => {
  assert.deepEqual(errorsOf(validateJobResult({ ...base, ok: false, metrics: undefined, error: 'line 1\nline 2\u0000' })), ['payload.error contains a control character']);
  assert.ok(validateJobResult({ ...base, ok: false, metrics: undefined, error: 'line 1\n\tline 2' }).ok);
  assert.deepEqual(errorsOf(validateJobResult({ ...base, ok: false, metrics: undefined, error: 'e'.repeat(LIMITS.textChars + 1) })), [`payload.error is ${LIMITS.textChars + 1} characters, more than ${LIMITS.textChars}`]);
  assert.deepEqual(errorsOf(validateJobResult({ ...base, metrics: { ...base.metrics!, counts: new Array(1001).fill(1) } })), ['payload.metrics.counts has 1001 items, more than 1000']);
  const tags = Object.fromEntries(Array.from({ length: LIMITS.tagEntries + 1 }, (_, i) => [`k${i}`, 'v']));
  assert.deepEqual(errorsOf(validateJobSpec({ ...spec, tags })), [`payload.tags has ${LIMITS.tagEntries + 1} entries, more than ${LIMITS.tagEntries}`]);
  assert.deepEqual(errorsOf(validateJobSpec({ ...spec, tags: { suite: 'a\\\nb' } })), ['payload.tags.suite contains a control character']);
  assert.deepEqual(errorsOf(validateJobProgress({ v: 1, jobId: 'j', agentId: 'a', phase: 'running', ts: new Date().toISOString(), message: '\ud800' })), ['payload.message contains an unpaired UTF-16 surrogate']);
});

test('reply topics: under tinyrack/replies/, no wildcards, no NUL, at most 256 characters', () => {
  const cases: Array<[string, RegExp]> = [
    [topics.agentJobs('rack-1'), /^payload\.replyTo must be a topic under tinyrack\/replies\/$/],
    ['tinyrack/replies/' + 'x'.repeat(70_000), /^payload\.replyTo is 70017 characters, more than 256$/],
    ['tinyrack/replies/a\u0000b', /^payload\.replyTo contains a control character$/],
    ['tinyrack/replies/#', /wildcards/],
    ['tinyrack/replies/', /must be a topic under/],
    ['tinyrack/replies/a//b', /empty topic levels/],
  ];
  for (const [replyTo, why] of cases) {
    const errs = errorsOf(validateFlashRequest({ ...request, replyTo }));
    assert.equal(errs.length, 1, JSON.stringify(errs));
    assert.match(errs[0]!, why);
  }
  assert.equal(replyTopicProblem('tinyrack/replies/alice/r1', 'alice'), undefined);
  assert.equal(replyTopicProblem('tinyrack/replies/bob/r1', 'alice'), 'replyTo must be a topic under tinyrack/replies/alice/');
  assert.equal(replyTopicFor('alice', 'r1'), 'tinyrack/replies/alice/r1');
});

test('a time outside the clock window is replaced by the receive time and noted; the caller\'s object is untouched', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const h = { v: 1, agentId: 'a', ts: '2001-01-01T00:00:00Z', uptimeS: 1, load1: 0, memFreeBytes: 1, boards: [] };
  const v = validOf(validateAgentHealth(h, { now }));
  assert.equal(v.ts, '2026-06-01T00:00:00.000Z');
  assert.equal(h.ts, '2001-01-01T00:00:00Z');
  const withNotes = validateAgentHealth(Buffer.from(JSON.stringify(h)), { now });
  assert.deepEqual(withNotes.ok && withNotes.notes, ["payload.ts 2001-01-01T00:00:00Z is outside the receiver's clock window (-30 d, +10 min): replaced by the receive time 2026-06-01T00:00:00.000Z"]);
  const r = validOf(validateJobResult({ ...base, finishedAt: '2099-01-01T00:00:00Z', startedAt: '2026-05-31T23:59:00Z' }, { now }));
  assert.equal(r.finishedAt, '2026-06-01T00:00:00.000Z', 'a finish time in the future is the receive time');
  assert.equal(r.startedAt, '2026-05-31T23:59:00Z', 'a time inside the window is kept as sent');
  const inWindow = validateAgentHealth({ ...h, ts: '2026-05-20T00:00:00Z' }, { now });
  assert.ok(inWindow.ok && inWindow.notes === undefined);
});

test('a job spec may carry an upload up to the broker packet limit; other payloads stay at 256 KiB', () => {
  const upload = Buffer.alloc(3 << 20); upload.write('TFL3', 4, 'latin1');
  const withUpload = Buffer.from(JSON.stringify({ ...spec, model: { name: 'mine', tfliteBase64: upload.toString('base64') } }));
  assert.ok(validateJobSpec(withUpload).ok, `${withUpload.length} bytes`);
  assert.equal(errorsOf(validateJobSpec(Buffer.alloc(LIMITS.jobSpecBytes + 1, 0x20))).length, 1);
  assert.deepEqual(errorsOf(validateJobProgress(Buffer.alloc(LIMITS.payloadBytes + 1, 0x20))), [`payload is ${LIMITS.payloadBytes + 1} bytes, more than ${LIMITS.payloadBytes}`]);
});
