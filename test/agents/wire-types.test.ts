// The MQTT payload types are read off their validator shapes (wire/checks.ts Infer): these
// checks fail to compile (test/typecheck.test.ts) if a type and its shape part ways, and the
// runtime part shows a value of the type passes its validator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateJobSpec, type BoardState, type FlashRequest, type JobResult, type JobSpec, type ModelRef, type ResultMetrics } from '../../wire/mqtt.ts';
import type { Backend } from '../../wire/vocabulary.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const same = <A, B>(ok: Equal<A, B>) => ok;

test('payload types follow their shapes: vocabulary unions, optional fields, nested objects', () => {
  same<JobSpec['backend'], Backend>(true);
  same<JobSpec['arithmetic'], 'reference' | 'xnnpack' | undefined>(true);
  same<JobSpec['v'], 1>(true);
  same<BoardState, 'idle' | 'busy' | 'quarantined' | 'missing'>(true);
  same<ModelRef, { name: string; tfliteBase64?: string; sha256?: string }>(true);
  same<JobResult['metrics'], ResultMetrics | undefined>(true);
  same<JobResult['serial'], { records: number; noiseLines: number; corruptLines: number } | undefined>(true);
  same<FlashRequest['board'], { kind?: string; id?: string }>(true);
  // After checkByoFields every image field is present.
  same<NonNullable<JobSpec['firmware']>['elfBase64'], string>(true);

  const spec: JobSpec = { v: 1, jobId: 'j1', boardKind: 'qemu-mps2-an386', model: { name: 'toycar' }, backend: 'aot', tiling: 'none', reps: 1, attempt: 1, deadline: 0 };
  // @ts-expect-error a field no shape has is not part of the type either
  const extra: JobSpec = { ...spec, bogus: 1 };
  // @ts-expect-error a required field of the shape is required in the type
  const missing: JobSpec = { v: 1, jobId: 'j1', boardKind: 'x', model: { name: 'm' }, backend: 'aot', tiling: 'none', attempt: 1, deadline: 0 };
  assert.deepEqual(validateJobSpec(spec), { ok: true, value: spec });
  assert.equal(validateJobSpec(extra).ok, false);
  assert.equal(validateJobSpec(missing).ok, false);
});
