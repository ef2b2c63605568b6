// Regression suites: the lab config is validated with line numbers; a cron firing (driven by the
// test through the injected scheduler, not the clock) expands to one job per matrix cell and ends
// as one point per cell in a real InfluxDB; a firing while the previous run is still going is
// skipped and recorded; a changed instruction count is flagged as a regression.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabConfig, expandSuite, LabConfigError } from '../../daemon/config.ts';
import { RegressionDetector, baselineKey, median } from '../../daemon/regressions.ts';
import { regressionPoint } from '../../daemon/influx/schema.ts';
import { SimAgent, simulatedMetrics } from '../../daemon/sim/sim-agent.ts';
import { runSuite } from '../../daemon/client.ts';
import { topics, type RegressionEvent } from '../../wire/mqtt.ts';
import mqtt from 'mqtt';
import { startMosquitto, type TestBroker as TestMosquitto } from '../../tools/mosquitto.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { labConfig, manualScheduler, startDaemon, waitFor } from './support.ts';

test('lab config: every problem is reported with its line', () => {
  const text = [
    'daemon:',               // 1
    '  influx:',             // 2
    '    url: ftp://x',      // 3
    '  jobs:',               // 4
    '    maxAttempts: 0',    // 5
    'suites:',               // 6
    '  nightly:',            // 7
    '    cron: "61 * * * *"',// 8
    '    models: [aww]',     // 9
    '    boards: []',        // 10
    '    tilings: [none, huge]', // 11
    '    colour: blue',      // 12
  ].join('\n');
  let err: LabConfigError | undefined;
  try { parseLabConfig(text, 'lab.yaml'); } catch (e) { err = e as LabConfigError; }
  assert.ok(err instanceof LabConfigError);
  const p = err.problems.join('\n');
  assert.match(p, /lab\.yaml:3: daemon\.influx\.url must be a URL/);
  assert.match(p, /lab\.yaml:5: daemon\.jobs\.maxAttempts must be an integer in \[1, 100\]/);
  assert.match(p, /lab\.yaml:8: suites\.nightly\.cron is not a valid cron expression/);
  assert.match(p, /lab\.yaml:10: suites\.nightly\.boards must not be empty/);
  assert.match(p, /lab\.yaml:11: suites\.nightly\.tilings\.1 must be one of none, fdt, ffmt, auto \(got "huge"\)/);
  assert.match(p, /lab\.yaml:12: suites\.nightly\.colour is not a known setting/);
  assert.equal(err.problems.length, 6);
  assert.throws(() => parseLabConfig('suites: [\n', 'bad.yaml'), /bad\.yaml:\d+: YAML syntax error/);
});

test('suite matrix: models x boards x backends x tilings minus exclusions', () => {
  const cfg = parseLabConfig([
    'suites:', '  s:', '    models: [aww, vww]', '    boards: [qemu-a, qemu-b]', '    backends: [aot, tflm]', '    tilings: [none, fdt]',
    '    exclude:', '      - { model: vww, board: qemu-b }', '      - { backend: tflm, tiling: fdt }',
  ].join('\n'), 'x.yaml');
  const cells = expandSuite(cfg.suites[0]!);
  // 16 cells; vww on qemu-b removes 4, tflm+fdt removes 4 more of which 1 overlaps.
  assert.equal(cells.length, 16 - 4 - 4 + 1);
  assert.ok(!cells.some((c) => c.model === 'vww' && c.boardKind === 'qemu-b'));
  assert.ok(!cells.some((c) => c.backend === 'tflm' && c.tiling === 'fdt'));
});

test('suite matrix over arithmetics: default reference, tflm only in reference, exclusions may name arithmetic', () => {
  const cfg = parseLabConfig([
    'suites:',
    '  plain:', '    models: [aww]', '    boards: [qemu-a]', '    backends: [aot, tflm]',
    '  both:', '    models: [aww, vww]', '    boards: [qemu-a]', '    backends: [aot, tflm]', '    tilings: [none, fdt]',
    '    arithmetics: [reference, xnnpack]',
    '    exclude:', '      - { model: vww, arithmetic: xnnpack }',
  ].join('\n'), 'x.yaml');
  const [plain, both] = cfg.suites;
  assert.deepEqual(plain!.arithmetics, ['reference']);
  assert.deepEqual(expandSuite(plain!).map((c) => `${c.backend}/${c.arithmetic}`), ['aot/reference', 'tflm/reference']);
  const cells = expandSuite(both!);
  const key = (c: { model: string; backend: string; tiling: string; arithmetic: string }) => `${c.model} ${c.backend}/${c.tiling}/${c.arithmetic}`;
  // 2 models x 2 backends x 2 tilings x 2 arithmetics = 16; tflm+xnnpack cannot be built (-4);
  // vww in xnnpack is excluded (-2 more: its tflm+xnnpack cells are already gone).
  assert.deepEqual(cells.map(key).sort(), [
    'aww aot/fdt/reference', 'aww aot/fdt/xnnpack', 'aww aot/none/reference', 'aww aot/none/xnnpack',
    'aww tflm/fdt/reference', 'aww tflm/none/reference',
    'vww aot/fdt/reference', 'vww aot/none/reference', 'vww tflm/fdt/reference', 'vww tflm/none/reference',
  ]);
  let err: LabConfigError | undefined;
  try {
    parseLabConfig([
      'suites:',                                 // 1
      '  s:',                                    // 2
      '    models: [aww]',                       // 3
      '    boards: [qemu-a]',                    // 4
      '    backends: [tflm]',                    // 5
      '    arithmetics: [xnnpack]',              // 6
      '    exclude:',                            // 7
      '      - { model: aww, arithmetic: fixed }', // 8
      '  t:',                                    // 9
      '    models: [aww]',                       // 10
      '    boards: [qemu-a]',                    // 11
      '    arithmetics: [reference, float32]',   // 12
    ].join('\n'), 'lab.yaml');
  } catch (e) { err = e as LabConfigError; }
  assert.ok(err instanceof LabConfigError);
  assert.deepEqual(err.problems, [
    'lab.yaml:8: suites.s.exclude.0.arithmetic must be one of reference, xnnpack',
    'lab.yaml:6: suites.s.arithmetics lists xnnpack but backends has no aot (tflm computes TFLite-Micro\'s fixed-point reference arithmetic only)',
    'lab.yaml:12: suites.t.arithmetics.1 must be one of reference, xnnpack (got "float32")',
  ]);
});

test('regression baselines are per arithmetic: xnnpack counts are never compared with reference ones', () => {
  const d = new RegressionDetector({ baselineRuns: 3, minRuns: 1, instructionsThresholdPct: 0, cyclesThresholdPct: 5, memoryThresholdPct: 0 });
  const spec = { model: { name: 'aww' }, boardKind: 'qemu-mps2-an386', backend: 'aot' as const, tiling: 'none' as const, reps: 1 };
  const m = simulatedMetrics(spec);
  const r = (count: number, arithmetic?: 'reference' | 'xnnpack') => ({
    v: 1 as const, jobId: `j${count}-${arithmetic}`, agentId: 'a', boardId: 'b', boardKind: spec.boardKind, model: 'aww', backend: spec.backend, tiling: spec.tiling,
    ...(arithmetic ? { arithmetic } : {}), ok: true, metrics: { ...m, count }, attempt: 1, startedAt: '', finishedAt: '',
  });
  assert.notEqual(baselineKey(r(1, 'reference')), baselineKey(r(1, 'xnnpack')));
  assert.equal(baselineKey(r(1)), baselineKey(r(1, 'reference')), 'a result without the field is reference');
  // Seeded from an old journal: a reference baseline of 1000 instructions.
  d.seed([r(1000)]);
  assert.deepEqual(d.check(r(1400, 'xnnpack')), [], 'the first xnnpack result has no baseline of its own');
  assert.deepEqual(d.check(r(1400, 'xnnpack')), []);
  assert.deepEqual(d.check(r(1000, 'reference')), [], 'reference still compares with reference');
  const up = d.check(r(1401, 'xnnpack'));
  assert.equal(up.length, 1);
  assert.deepEqual([up[0]!.arithmetic, up[0]!.baseline, up[0]!.value], ['xnnpack', 1400, 1401]);
  const down = d.check(r(999));
  assert.deepEqual([down[0]!.arithmetic, down[0]!.baseline, down[0]!.value], ['reference', 1000, 999]);
  assert.match(regressionPoint(up[0]!).fields!.text as string, /on qemu-mps2-an386 \(aot\/none\/xnnpack\)/);
  assert.equal(regressionPoint(up[0]!).tags!.arithmetic, 'xnnpack');
});

test('regression detector: exact for instruction counts, thresholded for cycles', () => {
  const d = new RegressionDetector({ baselineRuns: 3, minRuns: 1, instructionsThresholdPct: 0, cyclesThresholdPct: 5, memoryThresholdPct: 0 });
  const spec = { model: { name: 'aww' }, boardKind: 'qemu-mps2-an386', backend: 'aot' as const, tiling: 'none' as const, reps: 1 };
  const base = simulatedMetrics(spec);
  const r = (count: number, counter: 'instructions' | 'cycles' = 'instructions', jobId = `j${count}`) => ({
    v: 1 as const, jobId, agentId: 'a', boardId: 'b', boardKind: spec.boardKind, model: 'aww', backend: spec.backend, tiling: spec.tiling,
    ok: true, metrics: { ...base, counter, count }, attempt: 1, startedAt: '', finishedAt: '',
  });
  assert.deepEqual(d.check(r(1000)), [], 'no baseline yet');
  assert.deepEqual(d.check(r(1000)), []);
  const ev = d.check(r(1001));
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.metric, 'instructions');
  assert.equal(ev[0]!.baseline, 1000);
  assert.equal(ev[0]!.changePct, 0.1);
  // Cycles on silicon: baselines per (model, kind, backend, tiling) are separate from instructions.
  const c = new RegressionDetector({ baselineRuns: 5, minRuns: 1, instructionsThresholdPct: 0, cyclesThresholdPct: 5, memoryThresholdPct: 0 });
  c.check(r(1000, 'cycles')); c.check(r(1040, 'cycles'));
  assert.deepEqual(c.check(r(1030, 'cycles')), [], 'within 5 % of the median');
  assert.equal(c.check(r(1100, 'cycles'))[0]!.metric, 'cycles');
  assert.equal(median([3, 1, 2, 10]), 2.5);
});

let mq: TestMosquitto;
let influx: TestInfluxdb;
before(async () => { [mq, influx] = await Promise.all([startMosquitto(), startInfluxdb()]); });
after(async () => { await Promise.all([mq?.dispose(), influx?.dispose()]); });

const SUITE = [
  'suites:',
  '  nightly:',
  '    cron: "0 3 * * *"',
  '    models: [aww, toycar, sine_model]',
  '    boards: [qemu-mps2-an386, qemu-sifive-e]',
  '    backends: [aot]',
  '    tilings: [none, fdt]',
  '    reps: 2',
  '    exclude:',
  '      - { model: sine_model, tiling: fdt }',
].join('\n');

test('a cron firing produces one point per matrix cell; an overlapping firing is skipped and recorded', { timeout: 60_000 }, async () => {
  const DB = 'suite_test';
  const cron = manualScheduler();
  const daemon = await startDaemon({ config: labConfig(SUITE), brokerUrl: mq.url, influx: { url: influx.url, database: DB }, scheduler: cron.scheduler, clientId: 'd-suite' });
  assert.deepEqual(cron.scheduled(), ['nightly']);
  const agent = new SimAgent({ brokerUrl: mq.url, agentId: 'rack', boards: [{ boardId: 'r-an386-0', kind: 'qemu-mps2-an386' }, { boardId: 'r-sifive-0', kind: 'qemu-sifive-e' }], jobMs: 10 });
  await agent.start();
  await waitFor('rack online', () => daemon.registry.agent('rack')?.online);
  const started = new Promise<{ runId: string; jobIds: string[] }>((r) => daemon.once('suite-started', r));
  const finished = new Promise<{ runId: string; done: number; failed: number }>((r) => daemon.once('suite-finished', r));
  const skipped = new Promise<{ runningRunId: string }>((r) => daemon.once('suite-skipped', r));
  // Pause dispatching by taking the agent's boards away, fire twice, then give them back.
  agent.setBoardState('r-an386-0', 'quarantined'); agent.setBoardState('r-sifive-0', 'quarantined');
  await waitFor('boards quarantined', () => daemon.registry.boards().every((b) => b.state === 'quarantined'));
  cron.fire('nightly');
  const run = await started;
  cron.fire('nightly');
  const skip = await skipped;
  assert.equal(skip.runningRunId, run.runId);
  agent.setBoardState('r-an386-0', 'idle'); agent.setBoardState('r-sifive-0', 'idle');
  const fin = await finished;
  assert.equal(fin.runId, run.runId);
  const cells = 3 * 2 * 2 - 2; // sine_model has no fdt cells
  assert.equal(run.jobIds.length, cells);
  assert.equal(fin.done, cells);
  assert.equal(fin.failed, 0);
  await daemon.sink!.drain(10_000);
  const q = await influx.query(DB, `SELECT count("count") FROM results WHERE suite = 'nightly' GROUP BY model, board_kind, backend, tiling`);
  const series = q.results[0]!.series!;
  assert.equal(series.length, cells, 'one series per matrix cell');
  for (const s of series) assert.equal(s.values[0]![1], 1, `one point for ${JSON.stringify(s.tags)}`);
  // Each point carries the agent's exact figure for that cell.
  const exact = await influx.query(DB, `SELECT "count", job_id FROM results WHERE suite = 'nightly' AND model = 'toycar' AND board_kind = 'qemu-sifive-e' AND tiling = 'fdt'`);
  const row = exact.results[0]!.series![0]!.values[0]!;
  assert.equal(row[1], agent.results.find((r) => r.jobId === row[2])!.metrics!.count);
  const sk = await influx.query(DB, `SELECT run_id, error FROM jobs WHERE "event" = 'skipped' AND suite = 'nightly'`);
  assert.equal(sk.results[0]!.series![0]!.values.length, 1);
  assert.equal(sk.results[0]!.series![0]!.values[0]![1], run.runId);
  // done events are counted points (daemon/influx/job-event-counts.ts): `jobs` says how many.
  const ev = await influx.query(DB, `SELECT sum(jobs) FROM jobs WHERE "event" = 'done' AND suite = 'nightly'`);
  assert.equal(ev.results[0]!.series![0]!.values[0]![1], cells);
  // Retention policies and downsampling continuous queries exist.
  const rps = await influx.query(DB, 'SHOW RETENTION POLICIES');
  assert.deepEqual(rps.results[0]!.series![0]!.values.map((v) => v[0]).sort(), ['autogen', 'tinyrack_long', 'tinyrack_raw']);
  const cqs = await influx.query(DB, 'SHOW CONTINUOUS QUERIES');
  const mine = cqs.results[0]!.series!.find((s) => s.name === DB)!;
  assert.deepEqual(mine.values.map((v) => v[0]).sort(), ['cq_results_1d', 'cq_results_1h']);
  await agent.stop();
  await daemon.stop();
});

test('a suite started over MQTT runs to the end; a changed instruction count is a regression event', { timeout: 60_000 }, async () => {
  const DB = 'suite_mqtt';
  let bump = 0;
  const agent = new SimAgent({
    brokerUrl: mq.url, agentId: 'rack2', boards: [{ boardId: 'q0', kind: 'qemu-mps2-an386' }],
    outcome: (spec) => { const m = simulatedMetrics(spec); return { ok: true, metrics: { ...m, count: m.count + (spec.model.name === 'aww' ? bump : 0) } }; },
  });
  const daemon = await startDaemon({
    config: labConfig('suites:\n  quick:\n    models: [aww, toycar]\n    boards: [qemu-mps2-an386]\n    reps: 1\n'),
    brokerUrl: mq.url, influx: { url: influx.url, database: DB }, clientId: 'd-suite2',
  });
  await agent.start();
  await waitFor('rack2 online', () => daemon.registry.agent('rack2')?.online);
  const first = await runSuite(mq.url, 'quick', { timeoutMs: 20_000, waitFinished: true });
  assert.deepEqual(first.map((r) => r.type), ['started', 'finished']);
  assert.equal((first[1] as { done: number }).done, 2);
  // The lab's watcher on the alerts topic.
  const watcher = await mqtt.connectAsync(mq.url, { protocolVersion: 4 });
  const alerts: RegressionEvent[] = [];
  watcher.on('message', (_t, p) => alerts.push(JSON.parse(p.toString())));
  await watcher.subscribeAsync(topics.regressions, { qos: 1 });
  bump = 17;
  await runSuite(mq.url, 'quick', { timeoutMs: 20_000, waitFinished: true });
  await waitFor('alert received', () => alerts.length >= 1);
  assert.equal(alerts.length, 1);
  const base = simulatedMetrics({ model: { name: 'aww' }, boardKind: 'qemu-mps2-an386', backend: 'aot', tiling: 'none', reps: 1 }).count;
  assert.equal(alerts[0]!.model, 'aww');
  assert.equal(alerts[0]!.metric, 'instructions');
  assert.equal(alerts[0]!.baseline, base);
  assert.equal(alerts[0]!.value, base + 17);
  await daemon.sink!.drain(10_000);
  const q = await influx.query(DB, 'SELECT "value", baseline, "text" FROM regressions');
  const rows = q.results[0]!.series![0]!.values;
  assert.equal(rows.length, 1);
  assert.equal(rows[0]![1], base + 17);
  assert.match(String(rows[0]![3]), /aww instructions up/);
  const rejected = await runSuite(mq.url, 'nosuch', { timeoutMs: 5000, waitFinished: true });
  assert.equal(rejected[0]!.type, 'rejected');
  assert.match((rejected[0] as { reason: string }).reason, /no suite "nosuch".*have: quick/);
  await watcher.endAsync();
  await agent.stop();
  await daemon.stop();
});

test('median: the middle of the sorted values (mean of the two middle ones), any length, input untouched', () => {
  const sortedMedian = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
  let seed = 12345;
  const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
  for (let t = 0; t < 2000; t++) {
    const n = 1 + Math.floor(rand() * 40);
    const xs = Array.from({ length: n }, () => (rand() < 0.3 ? Math.floor(rand() * 4) : Math.round((rand() - 0.5) * 1e9)));
    const copy = [...xs];
    assert.equal(median(xs), sortedMedian(xs), `median of ${JSON.stringify(xs)}`);
    assert.deepEqual(xs, copy);
  }
  assert.equal(median([7]), 7);
  assert.equal(median([5, 1, 4, 2]), 3);
});
