import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentIdOfTopic, topics, validateJobResult, validateJobSpec, type JobResult } from '../../wire/mqtt.ts';

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
  assert.deepEqual(validateJobResult({ ...base, metrics: { ...base.metrics!, counter: 'ticks' } }), { ok: false, errors: ['payload.metrics.counter must be one of cycles, instructions, ns'] });
});

test('job specs are validated from raw bytes; topics round-trip the agent id', () => {
  const spec = { v: 1, jobId: 'j1', boardKind: 'host', model: { name: 'sine_model' }, backend: 'aot', tiling: 'none', reps: 3, attempt: 1, deadline: 1 };
  assert.equal(validateJobSpec(Buffer.from(JSON.stringify(spec))).ok, true);
  assert.deepEqual(validateJobSpec(Buffer.from('{')).ok, false);
  assert.deepEqual(validateJobSpec({ ...spec, model: { name: '../etc' } }), { ok: false, errors: ['payload.model.name must match /^[A-Za-z0-9_.-]{1,64}$/'] });
  assert.equal(agentIdOfTopic(topics.agentResults('rack-7')), 'rack-7');
});
