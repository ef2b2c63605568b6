// Lab benchmarks (npm run bench:lab):
//  1. suite throughput: jobs per minute for the demo suite on the virtual rack (the demo lab:
//     local InfluxDB, daemon, the real agent with QEMU boards);
//  2. ingest rate: results per second from many simulated agents (protocol peers over a real
//     Mosquitto) through the daemon into a real InfluxDB, counted in InfluxDB.
// Options: --models a,b (subset of the demo suite), --skip-suite, --agents N, --boards-per-agent N,
// --jobs N. Writes bench/results/lab.json and bench/results/lab.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { runDemo, REPO_ROOT } from '../daemon/demo/demo.ts';
import { Daemon } from '../daemon/daemon.ts';
import { parseLabConfig } from '../daemon/config.ts';
import { SimAgent } from '../daemon/sim/sim-agent.ts';
import { startLocalInfluxd } from '../daemon/influx/local-influxd.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const has = (name: string) => process.argv.includes(`--${name}`);

async function suiteThroughput() {
  const models = arg('models')?.split(',');
  const dir = mkdtempSync(join(tmpdir(), 'tinyrack-bench-lab-'));
  const t0 = Date.now();
  const lab = await runDemo({
    root: dir, labConfig: join(REPO_ROOT, 'provisioning', 'lab.yaml'), suite: 'demo', ...(models ? { models } : {}),
    agent: 'real', serve: false, log: (l) => process.stderr.write(`  ${l}\n`),
    onJob: (j, n, total) => process.stderr.write(`  [${n}/${total}] ${j.model.name} ${j.boardKind} ${j.tiling} ${j.state}\n`),
  });
  const s = lab.summary;
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
  const minutes = s.durationS / 60;
  return {
    date: new Date(t0).toISOString(), suite: s.suite, models: [...new Set(s.rows.map((r) => r.model))], boards: [...new Set(s.rows.map((r) => r.board))],
    jobs: s.jobs, measured: s.done, didNotFit: s.didNotFit, failed: s.failed, resultsInInfluxdb: s.resultsInInfluxdb,
    wallSeconds: s.durationS, jobsPerMinute: Math.round((s.jobs / minutes) * 10) / 10, startupSeconds: undefined as number | undefined,
    totalSeconds: Math.round((Date.now() - t0) / 100) / 10,
  };
}

async function ingestRate() {
  const agents = Number(arg('agents') ?? 20);
  const perAgent = Number(arg('boards-per-agent') ?? 4);
  const jobs = Number(arg('jobs') ?? 2000);
  const dir = mkdtempSync(join(tmpdir(), 'tinyrack-bench-ingest-'));
  const [mq, influx] = await Promise.all([startMosquitto(), startLocalInfluxd({ dir: join(dir, 'influxdb') })]);
  const config = parseLabConfig(`daemon:\n  dataDir: ${JSON.stringify(join(dir, 'daemon'))}\n`, join(dir, 'lab.yaml'));
  const daemon = new Daemon({ config, brokerUrl: mq.url, influx: { url: influx.url, database: 'bench' }, clientId: 'bench-daemon', log: () => {}, tickMs: 200 });
  await daemon.start();
  const sims: SimAgent[] = [];
  for (let a = 0; a < agents; a++) {
    const sim = new SimAgent({ brokerUrl: mq.url, agentId: `sim-${a}`, boards: Array.from({ length: perAgent }, (_, b) => ({ boardId: `sim-${a}-b${b}`, kind: 'qemu-mps2-an386' })), jobMs: 0 });
    await sim.start();
    sims.push(sim);
  }
  process.stderr.write('  agents started\n');
  while (daemon.registry.boards().filter((b) => b.agentOnline).length < agents * perAgent) await new Promise((r) => setTimeout(r, 50));
  process.stderr.write('  all boards online\n');
  await daemon.sink!.drain(10_000);
  const models = ['aww', 'vww', 'resnet', 'toycar', 'micro_speech', 'cifar10', 'magic_wand', 'sine_model'];
  const writtenBefore = daemon.sink!.written;
  const t0 = Date.now();
  // One batch, like a suite firing (one journal write, one spool write).
  daemon.enqueueMany(Array.from({ length: jobs }, (_, i) => ({ model: { name: models[i % models.length]! }, boardKind: 'qemu-mps2-an386', backend: 'aot' as const, tiling: 'none' as const, reps: 1, tags: { suite: 'ingest' } })));
  const enqueueS = (Date.now() - t0) / 1000;
  for (let last = Date.now(), lastDone = 0, progressAt = Date.now(); daemon.stats().done < jobs;) {
    await new Promise((r) => setTimeout(r, 20));
    const st = daemon.stats();
    if (st.done !== lastDone) { lastDone = st.done; progressAt = Date.now(); }
    if (Date.now() - progressAt > 60_000) throw new Error(`ingest stalled: ${JSON.stringify(st)}`);
    if (Date.now() - last > 5000) { last = Date.now(); process.stderr.write(`  ${JSON.stringify(st)}\n`); }
  }
  const doneS = (Date.now() - t0) / 1000;
  await daemon.sink!.drain(60_000);
  const allS = (Date.now() - t0) / 1000;
  const res = await fetch(`${influx.url}/query?db=bench&q=${encodeURIComponent(`SELECT count(job_id) FROM results WHERE suite = 'ingest'`)}`);
  const body = await res.json() as { results: Array<{ series?: Array<{ values: number[][] }> }> };
  const inInflux = body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
  const points = daemon.sink!.written - writtenBefore;
  for (const s of sims) await s.stop();
  await daemon.stop();
  await influx.stop();
  await mq.dispose();
  rmSync(dir, { recursive: true, force: true });
  return {
    agents, boardsPerAgent: perAgent, jobs, resultsInInfluxdb: inInflux, pointsWritten: points,
    enqueueSeconds: Math.round(enqueueS * 100) / 100, allDoneSeconds: Math.round(doneS * 100) / 100, allInInfluxSeconds: Math.round(allS * 100) / 100,
    resultsPerSecond: Math.round((inInflux / allS) * 10) / 10, pointsPerSecond: Math.round((points / allS) * 10) / 10,
  };
}

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version };
const out: Record<string, unknown> = { date: new Date().toISOString(), machine };
process.stderr.write('ingest: simulated agents -> Mosquitto -> daemon -> InfluxDB\n');
out.ingest = await ingestRate();
process.stderr.write(`${JSON.stringify(out.ingest)}\n`);
const dir = resolve(REPO_ROOT, 'bench', 'results');
if (!has('skip-suite')) {
  process.stderr.write('suite: demo suite on the virtual rack (real agent, QEMU)\n');
  out.suite = await suiteThroughput();
  process.stderr.write(`${JSON.stringify(out.suite)}\n`);
} else if (existsSync(join(dir, 'lab.json'))) {
  // Keep the last measured suite figures (they carry their own date) rather than dropping them.
  const prev = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as { suite?: Record<string, unknown>; date?: string };
  if (prev.suite) out.suite = { date: prev.date, ...prev.suite };
}
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'lab.json'), `${JSON.stringify(out, null, 2)}\n`);
const ing = out.ingest as Awaited<ReturnType<typeof ingestRate>>;
const su = out.suite as Awaited<ReturnType<typeof suiteThroughput>> | undefined;
const md = [
  '# tinyrack lab benchmark', '', `${out.date} — ${machine.cpus} x ${machine.cpuModel}, Node ${machine.node} (shared machine: figures vary with load)`, '',
  '## Ingest: simulated agents through a real Mosquitto and the daemon into a real InfluxDB', '',
  '| agents | boards/agent | jobs | results in InfluxDB | points written | all done (s) | all in InfluxDB (s) | results/s | points/s |',
  '|---|---|---|---|---|---|---|---|---|',
  `| ${ing.agents} | ${ing.boardsPerAgent} | ${ing.jobs} | ${ing.resultsInInfluxdb} | ${ing.pointsWritten} | ${ing.allDoneSeconds} | ${ing.allInInfluxSeconds} | ${ing.resultsPerSecond} | ${ing.pointsPerSecond} |`,
  '', 'Each job: queued, dispatched (fsync\'ed journal), simulated result (no build, no QEMU), result + job-event points via the durable spool.', '',
  ...(su ? [
    `## Suite throughput: the demo suite on the virtual rack (real agent, QEMU boards), measured ${su.date ?? out.date}`, '',
    '| suite | models | boards | jobs | measured | did not fit | failed | results in InfluxDB | wall (s) | jobs/min |',
    '|---|---|---|---|---|---|---|---|---|---|',
    `| ${su.suite} | ${su.models.join(', ')} | ${su.boards.join(', ')} | ${su.jobs} | ${su.measured} | ${su.didNotFit} | ${su.failed} | ${su.resultsInInfluxdb} | ${su.wallSeconds} | ${su.jobsPerMinute} |`,
    '', 'Wall time includes starting InfluxDB, the daemon and the agent; builds run on the same 2 cores as QEMU.',
  ] : ['Suite throughput: not measured yet (run without --skip-suite).']),
  '',
].join('\n');
writeFileSync(join(dir, 'lab.md'), md);
process.stdout.write(md);
