// The layering the top-level READMEs promise: which folder may import which. The compiler core
// (firmware/) never reaches into the lab (agents/, daemon/) or the CLI; the wire contracts
// import nothing of ours; only tests and benchmarks may import anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const MAY_IMPORT: Record<string, readonly string[]> = {
  wire: [],
  boards: ['wire'],
  firmware: ['wire', 'boards'],
  dashboards: ['wire'],
  agents: ['wire', 'boards', 'firmware'],
  daemon: ['wire', 'firmware', 'dashboards'],
  cli: ['wire', 'boards', 'firmware', 'agents', 'daemon', 'dashboards'],
  bin: ['cli'],
  tools: ['wire', 'boards', 'firmware', 'daemon'],
  scripts: [],
};

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (/\.(ts|mjs)$/.test(e)) yield p;
  }
}

test('each top-level folder imports only the folders its README allows', () => {
  const bad: string[] = [];
  let checked = 0;
  for (const [top, allowed] of Object.entries(MAY_IMPORT)) {
    for (const file of sources(top)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        checked++;
        const target = relative('.', normalize(join(dirname(file), m[1]!))).split('/')[0]!;
        if (target !== top && !allowed.includes(target)) bad.push(`${file} imports ${m[1]} (${top}/ may import ${allowed.join(', ') || 'nothing of ours'})`);
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} imports found: the scan is broken`);
  assert.deepEqual(bad, []);
});
