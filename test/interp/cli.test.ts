// `tinyrack infer` end to end: a real process on golden input files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goldenSamples } from '../../firmware/model-set/index.ts';

function tinyrack(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/tinyrack.mjs', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('infer --json on aww golden inputs equals the golden outputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinyrack-infer-'));
  try {
    const samples = goldenSamples('aww').slice(0, 2);
    const files = samples.map((s, i) => {
      const f = join(dir, `in${i}.bin`);
      writeFileSync(f, new Uint8Array(s.input.buffer, s.input.byteOffset, s.input.byteLength));
      return f;
    });
    const one = tinyrack(['infer', 'aww', '--input', files[0]!, '--json']);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout), { outputs: [Array.from(samples[0]!.output)] });

    const two = tinyrack(['infer', 'aww', '--input', files.join(','), '--json']);
    assert.equal(two.code, 0, two.stderr);
    assert.deepEqual(JSON.parse(two.stdout), {
      results: samples.map((s, i) => ({ input: files[i], outputs: [Array.from(s.output)] })),
    });

    const table = tinyrack(['infer', 'aww', '--input', files[0]!]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`output 0 "[^"]+" int8\\[1x12\\]  argmax ${Array.from(samples[0]!.output).indexOf(Math.max(...samples[0]!.output))}`));

    // Wrong size: a clear message and exit code 1.
    const bad = join(dir, 'bad.bin');
    writeFileSync(bad, new Uint8Array(10));
    const r = tinyrack(['infer', 'aww', '--input', bad, '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.bin: 10 bytes, but input "[^"]+" \(int8\[1x49x10x1\]\) needs 490 bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
