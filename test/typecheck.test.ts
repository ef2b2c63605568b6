// The whole tree type-checks under the strict tsconfig: tsx strips types without checking them,
// so without this a type error would only show up in an editor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

test('tsc --noEmit passes on the whole project', { timeout: 300_000 }, () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const res = spawnSync(process.execPath, [tsc, '--noEmit', '-p', '.'], { encoding: 'utf8' });
  assert.equal(res.status, 0, `type errors:\n${res.stdout}${res.stderr}`);
});
