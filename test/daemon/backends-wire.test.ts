// Every backend of wire/vocabulary.ts — tflm-cmsis-nn included — is a first-class name across
// the lab: job specs, job results, flash requests and suites accept it, its results are tagged
// with it in InfluxDB, and its regression baseline is its own (never mixed with another stack's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSuite, parseLabConfig } from '../../daemon/config.ts';
import { resultPoint } from '../../daemon/influx/schema.ts';
import { RegressionDetector, baselineKey, defaultRegressionConfig } from '../../daemon/regressions.ts';
import { validateFlashRequest, validateJobResult, validateJobSpec, type JobResult } from '../../wire/mqtt.ts';
import { BACKENDS } from '../../wire/vocabulary.ts';

const metrics = { counter: 'instructions', count: 1000, counts: [1000], latencyUs: 40, stackBytes: 300, heapBytes: 0, arenaBytes: 2300, romBytes: 90000, ramBytes: 40000, outputsMatch: true } as const;
const result = (backend: string, count = 1000, jobId = 'j1'): JobResult => ({
  v: 1, jobId, agentId: 'rack', boardId: 'b0', boardKind: 'qemu-mps2-an386', model: 'toycar', backend, tiling: 'none', ok: true,
  metrics: { ...metrics, count, counts: [count] }, attempt: 1, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z',
} as JobResult);

test('job specs, results and flash requests accept every backend; TFLM backends refuse xnnpack arithmetic', () => {
  for (const backend of BACKENDS) {
    const spec = { v: 1, jobId: 'j', boardKind: 'qemu-mps2-an386', model: { name: 'toycar' }, backend, tiling: 'auto', reps: 1, attempt: 1, deadline: 0 };
    assert.equal(validateJobSpec(spec).ok, true, backend);
    assert.equal(validateJobResult(result(backend)).ok, true, backend);
    const req = { v: 1, requestId: 'r', model: { name: 'toycar' }, backend, tiling: 'none', reps: 1, replyTo: 'tinyrack/replies/anonymous/r', board: { kind: 'qemu-mps2-an386' } };
    assert.equal(validateFlashRequest(req).ok, true, backend);
    assert.equal(validateJobSpec({ ...spec, arithmetic: 'xnnpack' }).ok, backend === 'aot', `${backend} xnnpack`);
  }
  assert.equal(validateJobSpec({ v: 1, jobId: 'j', boardKind: 'k', model: { name: 'toycar' }, backend: 'tflm-cmsis', tiling: 'none', reps: 1, attempt: 1, deadline: 0 }).ok, false);
});

test('a suite over every backend expands to one cell per backend; results are tagged and baselined per backend', () => {
  const cfg = parseLabConfig([
    'suites:', '  stacks:', '    cron: "0 3 * * *"', '    models: [toycar]', '    boards: [qemu-mps2-an386]',
    `    backends: [${BACKENDS.join(', ')}]`, '    tilings: [none]',
  ].join('\n'), 'lab.yaml');
  const cells = expandSuite(cfg.suites.find((s) => s.name === 'stacks')!);
  assert.deepEqual(cells.map((c) => c.backend), [...BACKENDS]);
  for (const backend of BACKENDS) assert.equal(resultPoint(result(backend), 'stacks')!.tags!.backend, backend);
  assert.notEqual(baselineKey(result('tflm')), baselineKey(result('tflm-cmsis-nn')));
  // A CMSIS-NN result 5x faster than the reference kernels' baseline is not a regression of it.
  const d = new RegressionDetector({ ...defaultRegressionConfig, minRuns: 1 });
  for (let i = 0; i < 3; i++) assert.deepEqual(d.check(result('tflm', 5000, `t${i}`)), []);
  assert.deepEqual(d.check(result('tflm-cmsis-nn', 1000, 'c0')), []);
  assert.ok(d.check(result('tflm-cmsis-nn', 2000, 'c1')).length > 0, 'its own baseline flags its own change');
});
