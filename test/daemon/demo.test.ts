// The demo lab's orchestration (InfluxDB process, daemon with embedded broker, agent, suite,
// summary counted in InfluxDB), here with the simulated agent so it runs in seconds; the real
// agent with QEMU is covered by e2e-real-agent.test.ts and by `tinyrack demo` itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDemo } from '../../daemon/demo/demo.ts';
import { tempDir } from './support.ts';

test('demo lab: runs the suite, counts the results in InfluxDB, writes the dashboards, stops; a second run reuses the data', { timeout: 120_000 }, async () => {
  const root = tempDir('tinyrack-demo-');
  const cfg = join(root, 'lab.yaml');
  writeFileSync(cfg, 'suites:\n  demo:\n    models: [aww, toycar, sine_model]\n    boards: [qemu-mps2-an386, qemu-sifive-e]\n    tilings: [none, fdt, auto]\n    reps: 1\n');
  const lines: string[] = [];
  const lab = await runDemo({ root, labConfig: cfg, suite: 'demo', agent: 'sim', serve: false, log: (l) => lines.push(l) });
  const s = lab.summary;
  await lab.stop();
  assert.equal(s.jobs, 18);
  assert.equal(s.done, 18);
  assert.equal(s.failed, 0);
  assert.equal(s.resultsInInfluxdb, 18, 'every result found in InfluxDB by querying it');
  assert.equal(s.rows.length, 18);
  assert.ok(existsSync(join(s.dashboards, 'dashboards', 'json', 'tinyrack-model.json')));
  assert.ok(existsSync(join(s.dashboards, 'datasources', 'tinyrack.yaml')));
  // A subset run on the same data dir: InfluxDB keeps the first run's points, the summary counts only this run's.
  const again = await runDemo({ root, labConfig: cfg, suite: 'demo', models: ['toycar'], boards: ['qemu-sifive-e'], agent: 'sim', serve: false, log: () => {} });
  await again.stop();
  assert.equal(again.summary.jobs, 3);
  assert.equal(again.summary.resultsInInfluxdb, 3);
  assert.notEqual(again.summary.runId, s.runId);
  await assert.rejects(runDemo({ root, labConfig: cfg, suite: 'demo', models: ['nosuch'], agent: 'sim', serve: false, log: () => {} }), /unknown model "nosuch"/);
  await assert.rejects(runDemo({ root, labConfig: cfg, suite: 'other', agent: 'sim', serve: false, log: () => {} }), /no suite "other".*have: demo/);
});
