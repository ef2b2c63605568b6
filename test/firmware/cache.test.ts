// The build cache stays bounded: pruneCache keeps the most recently used entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneCache } from '../../firmware/build/compile.ts';

test('pruneCache keeps the newest entries and leaves in-progress (.tmp) ones alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tr-prune-'));
  try {
    const t0 = Date.now() / 1000;
    for (let i = 0; i < 5; i++) {
      const p = join(dir, `build${i}`);
      mkdirSync(p);
      writeFileSync(join(p, 'build.json'), '{}');
      utimesSync(p, t0 - 100 + i, t0 - 100 + i); // build4 newest
    }
    mkdirSync(join(dir, 'build9.tmp-1-x'));
    utimesSync(join(dir, 'build9.tmp-1-x'), t0 - 1000, t0 - 1000);
    assert.equal(pruneCache(dir, 2), 3);
    assert.deepEqual(readdirSync(dir).sort(), ['build3', 'build4', 'build9.tmp-1-x']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
