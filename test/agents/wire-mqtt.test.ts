import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentIdOfTopic, arithmeticOf, topics, validateAgentHealth, validateFlashRequest, validateJobResult, validateJobSpec, type AgentHealth, type JobResult } from '../../wire/mqtt.ts';

const base: JobResult = {
  v: 1, jobId: 'j', agentId: 'a', boardId: 'b', boardKind: 'host', model: 'sine_model', backend: 'aot', tiling: 'none',
  ok: true, attempt: 1, startedAt: 's', finishedAt: 'f',
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
  assert.deepEqual(validateAgentHealth(Buffer.from(JSON.stringify(h))), { ok: true, value: h });
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
