// The backends the build can compile (firmware/build/backends/, one file each) and the names the
// lab vocabulary lets a job, a request or a CLI flag carry (wire/vocabulary.ts BACKENDS) are the
// same list: wire/ cannot import the compiler, so this is where the two meet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, registeredBackends } from '../../firmware/build/index.ts';
import { BACKENDS } from '../../wire/vocabulary.ts';

test('every backend in the vocabulary has its file, and every backend file is in the vocabulary', () => {
  assert.deepEqual(registeredBackends(), [...BACKENDS]);
  for (const b of BACKENDS) assert.equal(getBackend(b).name, b);
  assert.throws(() => getBackend('tvm'), /unknown backend "tvm" \(use aot\|tflm\|tflm-cmsis-nn\)/);
});
