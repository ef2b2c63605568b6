// The demo ends by writing its suite run as the compare page: one table row per job, one chart
// point per job that ran, per model; the Pareto marks follow the reported figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDemo } from '../../daemon/demo/demo.ts';
import { tempDir } from './support.ts';

test('demo: the suite run is written as a compare page (table, a point per job, Pareto marks)', { timeout: 120_000 }, async () => {
  const root = tempDir('tinyrack-demo-cmp-');
  const cfg = join(root, 'lab.yaml');
  writeFileSync(cfg, 'suites:\n  demo:\n    models: [toycar, micro_speech]\n    boards: [qemu-mps2-an386]\n    tilings: [none, fdt, auto]\n    reps: 1\n');
  const lab = await runDemo({ root, labConfig: cfg, suite: 'demo', agent: 'sim', serve: false, log: () => {} });
  const s = lab.summary;
  await lab.stop();
  assert.equal(s.comparePage, join(root, 'compare.html'));
  assert.ok(existsSync(s.comparePage));
  const html = readFileSync(s.comparePage, 'utf8');
  assert.match(html, new RegExp(`suite demo, run ${s.runId}`));
  assert.equal([...html.matchAll(/<tr data-config=/g)].length, s.jobs);
  assert.equal([...html.matchAll(/<circle class="point"/g)].length, s.done);
  for (const m of ['toycar', 'micro_speech']) assert.equal(html.split(`data-model="${m}"`).length - 1, 1);
  // Each model's Pareto points: not dominated by another point of that model (same board).
  for (const m of ['toycar', 'micro_speech']) {
    const pts = s.rows.filter((r) => r.model === m && r.status === 'ok');
    const mark = (tiling: string) => { const re = new RegExp(`data-config="${m}/qemu-mps2-an386/aot/${tiling}/reference" data-pareto="(\\d)"`); return re.exec(html)![1]; };
    assert.ok(pts.some((r) => mark(r.tiling) === '1'), `${m} has a front`);
  }
});
