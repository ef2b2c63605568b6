// The backends the build can compile (firmware/build/backends/, one file each, imported by
// backends/index.ts) and the names the lab vocabulary lets a job, a request or a CLI flag carry
// (wire/vocabulary.ts BACKENDS) are the same list: wire/ cannot import the compiler, so this is
// where the two meet. A backend file that index.ts forgot to import fails here too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getBackend, registeredBackends } from '../../firmware/build/index.ts';
import { NOT_BACKEND_FILES } from '../../firmware/build/backends/index.ts';
import { BACKENDS } from '../../wire/vocabulary.ts';

const DIR = fileURLToPath(new URL('../../firmware/build/backends/', import.meta.url));

test('every backend in the vocabulary has its file, and every backend file is in the vocabulary', () => {
  assert.deepEqual(registeredBackends(), [...BACKENDS]);
  for (const b of BACKENDS) assert.equal(getBackend(b).name, b);
  assert.throws(() => getBackend('tvm'), /unknown backend "tvm" \(use aot\|tflm\|tflm-cmsis-nn\)/);
});

test('every backend file of the folder exports `backend` and is imported by backends/index.ts', async () => {
  const index = readFileSync(`${DIR}index.ts`, 'utf8');
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !(NOT_BACKEND_FILES as readonly string[]).includes(f));
  assert.equal(files.length, BACKENDS.length, `backend files ${files.join(', ')}`);
  for (const f of files) {
    const mod = (await import(new URL(f, `file://${DIR}`).href)) as { backend?: { name: string } };
    assert.ok(mod.backend, `${f} exports backend`);
    assert.ok(index.includes(`from './${f}'`), `backends/index.ts imports ./${f}`);
  }
});
