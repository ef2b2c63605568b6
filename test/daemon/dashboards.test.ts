// The Grafana dashboards: every panel, annotation and variable query is real InfluxQL that
// returns data from a real InfluxDB holding results written by the daemon's own writer, with the
// template variables set to values that exist.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { allDashboards, dashboardQueries, writeProvisioning } from '../../dashboards/index.ts';
import { InfluxSink } from '../../daemon/influx/writer.ts';
import { agentHealthPoint, boardStatePoint, healthSamplePoints, jobEventPoint, regressionPoint, resultPoint } from '../../daemon/influx/schema.ts';
import { opProfilePoints } from '../../daemon/influx/op-profile.ts';
import { countedEventPoints, type CountedEvent } from '../../daemon/influx/job-event-counts.ts';
import { RegressionDetector } from '../../daemon/regressions.ts';
import { simulatedMetrics } from '../../daemon/sim/sim-agent.ts';
import type { JobResult, TilingMode } from '../../wire/mqtt.ts';
import { startInfluxdb, type TestInfluxdb } from '../../tools/influxdb.ts';
import { tempDir } from './support.ts';

let influx: TestInfluxdb;
const DB = 'dash';
before(async () => { influx = await startInfluxdb(); });
after(async () => { await influx?.dispose(); });

async function seed(): Promise<void> {
  const sink = new InfluxSink({ url: influx.url, database: DB, spoolPath: join(tempDir(), 'spool.jsonl') });
  const detector = new RegressionDetector();
  const t0 = Date.now() - 3_600_000;
  let n = 0;
  const points = [];
  for (const model of ['aww', 'toycar']) for (const tiling of ['none', 'fdt'] as TilingMode[]) for (let run = 0; run < 3; run++) {
    const spec = { model: { name: model }, boardKind: 'qemu-mps2-an386', backend: 'aot' as const, tiling, reps: 2 };
    const m = simulatedMetrics(spec);
    const at = new Date(t0 + (n++) * 60_000).toISOString();
    const r: JobResult = {
      v: 1, jobId: `job-${n}`, agentId: 'rack', boardId: 'rack-an386-0', boardKind: spec.boardKind, model, backend: 'aot', tiling, ok: true,
      metrics: { ...m, count: m.count + (run === 2 && model === 'aww' ? 5 : 0) }, firmwareHash: 'abc', attempt: 1, startedAt: at, finishedAt: at,
    };
    // aww results are profiled: three ops, the first one 5 instructions slower in the last run.
    if (model === 'aww') {
      const extra = run === 2 ? 5 : 0;
      r.metrics!.profile = { resolution: 40, ops: [
        { op: 0, kind: 'CONV_2D', macs: 1000, count: r.metrics!.count - 3000 + extra },
        { op: 1, kind: 'DEPTHWISE_CONV_2D', macs: 500, count: 2000 }, { op: 2, kind: 'SOFTMAX', macs: 0, count: 1000 - extra }] };
    }
    points.push(resultPoint(r, 'nightly')!, ...opProfilePoints(r, 'nightly'));
    points.push(jobEventPoint({ event: 'queued', jobId: r.jobId, model, boardKind: spec.boardKind, backend: 'aot', tiling, suite: 'nightly', attempt: 0, queueDepth: 3, at: Date.parse(at) - 1000 }));
    // started as the daemon writes it now: a counted point (the queued/done above as earlier versions wrote them).
    points.push(...countedEventPoints([{ event: 'started', jobId: r.jobId, model, boardKind: spec.boardKind, backend: 'aot', tiling, arithmetic: 'reference', suite: 'nightly', attempt: 1, queueDepth: 2, at: Date.parse(at) - 500 }]));
    points.push(jobEventPoint({ event: run === 1 && model === 'toycar' ? 'failed' : 'done', jobId: r.jobId, model, boardKind: spec.boardKind, backend: 'aot', tiling, suite: 'nightly', attempt: 1, board: r.boardId, agent: 'rack', error: 'flash failed', queueDepth: 2, at: Date.parse(at) }));
    for (const ev of detector.check(r, new Date(at))) points.push(regressionPoint(ev));
  }
  points.push(agentHealthPoint('rack', true, 2, '1.0', Date.now() - 1000));
  points.push(boardStatePoint('rack', 'rack-an386-0', 'qemu-mps2-an386', 'idle', 0, Date.now() - 1000));
  points.push(boardStatePoint('rack', 'rack-an386-1', 'qemu-mps2-an386', 'quarantined', 3, Date.now() - 1000));
  // an agent health sample (the lab overview's health panels read it)
  points.push(...healthSamplePoints({
    v: 1, agentId: 'rack', ts: new Date(Date.now() - 500).toISOString(), uptimeS: 3600, load1: 0.5, memFreeBytes: 8e9, diskFreeBytes: 50e9,
    boards: [{ boardId: 'rack-an386-0', kind: 'qemu-mps2-an386', state: 'idle', consecutiveFailures: 0, quarantined: false, serialNoiseLines: 2, serialCorruptLines: 0 }],
  }, () => undefined));
  sink.write(points);
  assert.equal(await sink.drain(10_000), 0);
  await sink.close(0);
}

function regexEscape(s: string): string { return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'); }

test('every dashboard query returns data from a real InfluxDB', async () => {
  await seed();
  const dashboards = allDashboards();
  assert.deepEqual(dashboards.map((d) => d.uid), ['tinyrack-lab', 'tinyrack-model', 'tinyrack-tiling', 'tinyrack-regressions']);
  let checked = 0;
  for (const d of dashboards) {
    // Variables first: each must list values, and the first value is what the panels get.
    const values: Record<string, string> = {};
    for (const v of d.templating?.list ?? []) {
      const res = await influx.query(DB, v.query as string);
      const vals = (res.results[0]?.series?.[0]?.values ?? []).map((row) => String(row[1]));
      assert.ok(vals.length > 0, `${d.uid}: variable $${v.name} lists values`);
      values[v.name] = vals[0]!;
    }
    for (const { where, query } of dashboardQueries(d)) {
      if (query.startsWith('SHOW')) continue;
      let q = query.replaceAll('$timeFilter', 'time > now() - 7d').replaceAll('$__interval', '1m');
      for (const [name, value] of Object.entries(values)) q = q.replaceAll(`$${name}$`, `${regexEscape(value)}$`);
      assert.ok(!/\$[a-z_]/.test(q.replace(/\$\//g, '')), `${d.uid} ${where}: every variable substituted: ${q}`);
      const res = await influx.query(DB, q);
      assert.equal(res.results[0]?.error, undefined, `${d.uid} ${where}: ${q}`);
      const series = res.results[0]?.series ?? [];
      assert.ok(series.length > 0 && series.some((s) => s.values.length > 0), `${d.uid} ${where} returns data: ${q}`);
      checked++;
    }
  }
  assert.ok(checked >= 18, `checked ${checked} queries`);
});

test('the Job events panel counts per-job points (earlier versions; failed, requeued) and counted points (queued, started, done) alike', async () => {
  const db = 'dash_events';
  const sink = new InfluxSink({ url: influx.url, database: db, spoolPath: join(tempDir(), 'spool.jsonl') });
  const t0 = Date.now() - 600_000;
  const tags = { model: 'aww', boardKind: 'qemu-mps2-an386', backend: 'aot', tiling: 'none', suite: 'nightly' };
  const counted = (event: CountedEvent['event'], ids: string[], at: number): CountedEvent[] =>
    ids.map((jobId) => ({ event, jobId, ...tags, arithmetic: 'reference', attempt: event === 'queued' ? 0 : 1, queueDepth: 1, at }));
  const points = [
    // As a version before counting wrote them: one point per event and job.
    ...['old-1', 'old-2', 'old-3'].map((jobId, i) => jobEventPoint({ event: 'queued', jobId, ...tags, attempt: 0, queueDepth: 3, at: t0 + i })),
    ...['old-1', 'old-2'].map((jobId, i) => jobEventPoint({ event: 'done', jobId, ...tags, attempt: 1, board: 'b0', agent: 'rack', at: t0 + 1000 + i })),
    // As the daemon writes them now: one group of 5 queued (+ a second tag set), 4 started, 4 done; failures one each.
    ...countedEventPoints([...counted('queued', ['n1', 'n2', 'n3', 'n4', 'n5'], t0 + 2000),
      { ...counted('queued', ['n6'], t0 + 2000)[0]!, model: 'toycar' }]),
    ...countedEventPoints(counted('started', ['n1', 'n2', 'n3', 'n4'], t0 + 3000)),
    ...countedEventPoints(counted('done', ['n1', 'n2', 'n3', 'n4'], t0 + 4000)),
    jobEventPoint({ event: 'failed', jobId: 'old-3', ...tags, attempt: 1, error: 'flash failed', at: t0 + 5000 }),
    jobEventPoint({ event: 'requeued', jobId: 'n5', ...tags, attempt: 1, error: 'deadline passed', at: t0 + 5000 }),
  ];
  assert.equal(points.filter((p) => p.measurement === 'jobs').length, 3 + 2 + 2 + 1 + 1 + 1 + 1, 'counted events are one point per group and tag set');
  sink.write(points);
  assert.equal(await sink.drain(10_000), 0);
  await sink.close(0);
  const panel = dashboardQueries(allDashboards().find((d) => d.uid === 'tinyrack-lab')!).find((q) => q.where === 'panel "Job events"')!;
  const res = await influx.query(db, panel.query.replaceAll('$timeFilter', 'time > now() - 1h').replaceAll('$__interval', '1h'));
  assert.equal(res.results[0]?.error, undefined, panel.query);
  const total = Object.fromEntries((res.results[0]?.series ?? []).map((s) => [s.tags!.event, s.values.reduce((n, v) => n + Number(v[1] ?? 0), 0)]));
  assert.deepEqual(total, { queued: 3 + 6, started: 4, done: 2 + 4, failed: 1, requeued: 1 });
});

test('provisioning files: datasource, dashboard provider and one JSON per dashboard', () => {
  const out = tempDir();
  const files = writeProvisioning({ outDir: out, influxUrl: 'http://127.0.0.1:8086', database: 'tinyrack' });
  assert.equal(files.length, 6);
  const ds = parseYaml(readFileSync(join(out, 'datasources', 'tinyrack.yaml'), 'utf8'));
  assert.equal(ds.datasources[0].type, 'influxdb');
  assert.equal(ds.datasources[0].uid, 'tinyrack-influx');
  assert.equal(ds.datasources[0].jsonData.dbName, 'tinyrack');
  const prov = parseYaml(readFileSync(join(out, 'dashboards', 'tinyrack.yaml'), 'utf8'));
  assert.equal(prov.providers[0].options.path, join(out, 'dashboards', 'json'));
  const json = readdirSync(join(out, 'dashboards', 'json')).sort();
  assert.deepEqual(json, ['tinyrack-lab.json', 'tinyrack-model.json', 'tinyrack-regressions.json', 'tinyrack-tiling.json']);
  for (const f of json) {
    const d = JSON.parse(readFileSync(join(out, 'dashboards', 'json', f), 'utf8'));
    for (const p of d.panels) for (const t of p.targets) assert.equal(t.datasource.uid, 'tinyrack-influx');
  }
});

test('the committed provisioning/grafana files are what the generator writes', () => {
  const out = tempDir();
  writeProvisioning({ outDir: out, influxUrl: 'http://127.0.0.1:8086', database: 'tinyrack', dashboardsPathForGrafana: '/opt/tinyrack/provisioning/grafana/dashboards/json' });
  const committed = join(import.meta.dirname, '..', '..', 'provisioning', 'grafana');
  for (const rel of ['datasources/tinyrack.yaml', 'dashboards/tinyrack.yaml', 'dashboards/json/tinyrack-lab.json', 'dashboards/json/tinyrack-model.json',
    'dashboards/json/tinyrack-tiling.json', 'dashboards/json/tinyrack-regressions.json']) {
    assert.equal(readFileSync(join(committed, rel), 'utf8'), readFileSync(join(out, rel), 'utf8'),
      `${rel} is stale: run \`tinyrack dashboards --out provisioning/grafana --grafana-path /opt/tinyrack/provisioning/grafana/dashboards/json\``);
  }
});
