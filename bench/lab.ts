// Lab benchmarks (npm run bench:lab):
//  1. suite throughput: jobs per minute for the demo suite on the virtual rack (the demo lab:
//     local InfluxDB, daemon, the real agent with QEMU boards);
//  2. ingest rate: results per second from many simulated agents (protocol peers over a real
//     Mosquitto) through the daemon into a real InfluxDB, counted in InfluxDB.
// Options: --models a,b (subset of the demo suite), --skip-suite, --agents N, --boards-per-agent N,
// --jobs N, --skip-ingest, --dispatch-jobs N, --job-ms N, --repeat N (each run N times: the machine is
// shared, so the table shows every run, the best and the spread), --commit-window-ms N (the daemon's
// commit window instead of the lab config's default: 0 compares without it), --profile-fleet DIR (the
// simulated fleet's V8 CPU profiles into DIR: what the fleet's own time goes to). Writes bench/results/lab.json
// and bench/results/lab.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { runDemo, REPO_ROOT } from '../daemon/demo/demo.ts';
import { Daemon } from '../daemon/daemon.ts';
import { DEFAULT_COMMIT_WINDOW } from '../daemon/unit-of-work.ts';
import { parseLabConfig } from '../daemon/config.ts';
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startLocalInfluxd } from '../daemon/influx/local-influxd.ts';
import { lineTimestamp } from '../daemon/influx/line-protocol.ts';
import { startMosquitto } from '../tools/mosquitto.ts';

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime: fields 14 and 15
  } catch { return NaN; }
}
const ownCpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const has = (name: string) => process.argv.includes(`--${name}`);
const commitWindowMs = arg('commit-window-ms') !== undefined ? Number(arg('commit-window-ms')) : undefined;

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

interface LabRunOptions { agents: number; boardsPerAgent: number; jobs: number; jobMs: number; label: string }

/** One measured run: Mosquitto, InfluxDB and the daemon (this process) against a fleet of
 * simulated agents (a child process); `jobs` queued at once, like a suite firing. */
async function labRun(o: LabRunOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'tinyrack-bench-ingest-'));
  const [mq, influx] = await Promise.all([startMosquitto({ persistence: false }), startLocalInfluxd({ dir: join(dir, 'influxdb') })]);
  const config = parseLabConfig(`daemon:\n  dataDir: ${JSON.stringify(join(dir, 'daemon'))}\n`, join(dir, 'lab.yaml'));
  const daemon = new Daemon({ config, brokerUrl: mq.url, influx: { url: influx.url, database: 'bench' }, clientId: 'bench-daemon', log: () => {}, tickMs: 1000,
    ...(commitWindowMs !== undefined ? { commitWindow: { ms: commitWindowMs, units: DEFAULT_COMMIT_WINDOW.units } } : {}) });
  await daemon.start();
  const boards = o.agents * o.boardsPerAgent;
  const fleet = spawn(process.execPath, [...(arg('profile-fleet') ? ['--cpu-prof', `--cpu-prof-dir=${resolve(arg('profile-fleet')!)}`] : []), '--import', 'tsx', join(REPO_ROOT, 'bench', 'sim-fleet.ts'), JSON.stringify({
    brokerUrl: mq.url, agents: o.agents, boardsPerAgent: o.boardsPerAgent, kind: 'qemu-mps2-an386', jobMs: o.jobMs, prefix: 'sim',
  })], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let fleetOut = '';
  fleet.stdout!.on('data', (d: Buffer) => { fleetOut += d.toString(); });
  while (!fleetOut.includes('ready')) {
    if (fleet.exitCode !== null) throw new Error('the simulated fleet exited before it was ready');
    await new Promise((r) => setTimeout(r, 50));
  }
  while (daemon.registry.boards().filter((b) => b.agentOnline).length < boards) await new Promise((r) => setTimeout(r, 50));
  process.stderr.write(`  ${o.label}: ${o.agents} agents, ${boards} boards online\n`);
  await daemon.sink!.drain(10_000);
  // Publish-to-InfluxDB time of each result: the sim publishes at finishedAt, which is also the
  // point's timestamp (ms); the writer reports each batch InfluxDB accepted.
  const latencies: number[] = [];
  daemon.sink!.onWritten = (lines) => {
    const now = Date.now();
    for (const l of lines) if (l.startsWith('results,')) latencies.push(now - Number(BigInt(lineTimestamp(l)) / 1_000_000n));
  };
  // Board utilisation: time boards spent on jobs / time boards were there (sampled every 100 ms).
  let busySamples = 0; let samples = 0;
  const sampler = setInterval(() => { busySamples += daemon.stats().dispatched; samples++; }, 100);
  const models = ['aww', 'vww', 'resnet', 'toycar', 'micro_speech', 'cifar10', 'magic_wand', 'sine_model'];
  const writtenBefore = daemon.sink!.written;
  const requestsBefore = daemon.sink!.requests;
  // CPU time of each part over the run: on a shared machine the wall-clock rate depends on what
  // else runs, CPU seconds per result much less so — and they say which part is the limit.
  const cpuOf = () => ({ daemon: ownCpuSeconds(), fleet: cpuSecondsOf(fleet.pid), mosquitto: cpuSecondsOf(mq.pid), influxd: cpuSecondsOf(influx.pid) });
  const cpu0 = cpuOf();
  const commits0 = { ...daemon.commitStats() };
  const t0 = Date.now();
  daemon.enqueueMany(Array.from({ length: o.jobs }, (_, i) => ({ model: { name: models[i % models.length]! }, boardKind: 'qemu-mps2-an386', backend: 'aot' as const, tiling: 'none' as const, reps: 1, tags: { suite: 'ingest' } })));
  const enqueueS = (Date.now() - t0) / 1000;
  for (let last = Date.now(), lastDone = 0, progressAt = Date.now(); daemon.stats().done < o.jobs;) {
    await new Promise((r) => setTimeout(r, 50));
    const st = daemon.stats();
    if (st.done !== lastDone) { lastDone = st.done; progressAt = Date.now(); }
    if (Date.now() - progressAt > 60_000) throw new Error(`ingest stalled: ${JSON.stringify(st)}`);
    if (Date.now() - last > 5000) { last = Date.now(); process.stderr.write(`  ${JSON.stringify(st)}\n`); }
  }
  const doneS = (Date.now() - t0) / 1000;
  clearInterval(sampler);
  await daemon.sink!.drain(120_000);
  const allS = (Date.now() - t0) / 1000;
  const cpu1 = cpuOf();
  const c1 = daemon.commitStats();
  const commits = { commits: c1.commits - commits0.commits, units: c1.units - commits0.units, waited: c1.waited - commits0.waited };
  const cpuSeconds = Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, round2(v - cpu0[k as keyof typeof cpu0])])) as typeof cpu0;
  const load = (await import('node:os')).loadavg()[0]!;
  const res = await fetch(`${influx.url}/query?db=bench&q=${encodeURIComponent(`SELECT count(job_id) FROM results WHERE suite = 'ingest'`)}`);
  const body = await res.json() as { results: Array<{ series?: Array<{ values: number[][] }> }> };
  const inInflux = body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
  const points = daemon.sink!.written - writtenBefore;
  const requests = daemon.sink!.requests - requestsBefore;
  // Memory of the daemon (this process holds only the daemon and these figures) after the run.
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const mem = process.memoryUsage();
  fleet.kill('SIGTERM');
  await new Promise((r) => fleet.once('exit', r));
  await daemon.stop();
  await influx.stop();
  await mq.dispose();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    label: o.label, agents: o.agents, boards, jobs: o.jobs, jobMs: o.jobMs, resultsInInfluxdb: inInflux, pointsWritten: points,
    enqueueSeconds: round2(enqueueS), allDoneSeconds: round2(doneS), allInInfluxSeconds: round2(allS),
    resultsPerSecond: Math.round(inInflux / allS), pointsPerSecond: Math.round(points / allS),
    /** Points per write request InfluxDB accepted (its cost is largely per request). */
    pointsPerRequest: requests ? Math.round(points / requests) : 0,
    publishToInfluxMs: { p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? NaN, samples: latencies.length },
    // Boards leased (a job out on them, sampled), and boards really busy: the job time all jobs
    // needed over the time the boards were there (0 when jobs take no time: ingest).
    boardsLeasedPct: samples ? Math.round((busySamples / samples / boards) * 1000) / 10 : 0,
    boardsBusyPct: o.jobMs > 0 ? Math.round(((o.jobs * o.jobMs) / (boards * doneS * 1000)) * 1000) / 10 : null,
    daemonMemoryMB: { rss: round2(mem.rss / 2 ** 20), heapUsed: round2(mem.heapUsed / 2 ** 20) },
    // CPU seconds over the run (enqueue to the last point in InfluxDB), and the daemon's per result.
    cpuSeconds, daemonCpuUsPerResult: Math.round((cpuSeconds.daemon / o.jobs) * 1e6),
    /** The daemon's group commits over the run: how many, units (messages, ticks) per commit, and
     * how many waited out (part of) the commit window. */
    commitGroups: { ...commits, unitsPerCommit: commits.commits ? Math.round((commits.units / commits.commits) * 10) / 10 : 0 },
    /** CPU µs per result of each part. */
    cpuUsPerResult: Object.fromEntries(Object.entries(cpuSeconds).map(([k, v]) => [k, Math.round((v / o.jobs) * 1e6)])),
    commitWindowMs: commitWindowMs ?? config.commitWindowMs,
    /** 1-minute load average at the end of the run (2 cores: above 2 the machine was oversubscribed). */
    loadAverage1m: round2(load),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version };
const out: Record<string, unknown> = { date: new Date().toISOString(), machine };
process.stderr.write('ingest: simulated agents -> Mosquitto -> daemon -> InfluxDB\n');
// Ingest: boards answer at once, so the daemon and InfluxDB are the limit.
const repeat = Math.max(1, Number(arg('repeat') ?? 1));
type Run = Awaited<ReturnType<typeof labRun>>;
const runsOf = async (o: LabRunOptions): Promise<Run[]> => {
  const list: Run[] = [];
  for (let i = 0; i < repeat; i++) {
    const r = await labRun({ ...o, label: repeat > 1 ? `${o.label} ${i + 1}/${repeat}` : o.label });
    process.stderr.write(`${JSON.stringify(r)}\n`);
    list.push(r);
  }
  return list;
};
/** Best run (highest results/s) and the spread of results/s over the runs. */
const summary = (list: Run[]) => {
  const rates = list.map((r) => r.resultsPerSecond).sort((a, b) => a - b);
  return { runs: list.length, best: rates.at(-1)!, median: rates[Math.floor((rates.length - 1) / 2)]!, worst: rates[0]! };
};
// Ingest: boards answer at once, so the daemon and InfluxDB are the limit.
if (!has('skip-ingest')) {
  out.ingestRuns = await runsOf({ label: 'ingest', agents: Number(arg('agents') ?? 50), boardsPerAgent: Number(arg('boards-per-agent') ?? 20), jobs: Number(arg('jobs') ?? 100_000), jobMs: 0 });
  out.ingestSummary = summary(out.ingestRuns as Run[]);
  out.ingest = (out.ingestRuns as Run[]).reduce((a, b) => (b.resultsPerSecond > a.resultsPerSecond ? b : a));
}
// Dispatch: every job takes jobMs on its board, so the boards are the limit when dispatch keeps up.
out.dispatchRuns = await runsOf({ label: 'dispatch', agents: 50, boardsPerAgent: 20, jobs: Number(arg('dispatch-jobs') ?? 20_000), jobMs: Number(arg('job-ms') ?? 2000) });
out.dispatchSummary = summary(out.dispatchRuns as Run[]);
out.dispatch = (out.dispatchRuns as Run[]).reduce((a, b) => ((b.boardsBusyPct ?? 0) > (a.boardsBusyPct ?? 0) ? b : a));
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
const runs = [...((out.ingestRuns as Run[] | undefined) ?? []), ...(out.dispatchRuns as Run[])];
const spread = (what: string, x: ReturnType<typeof summary> | undefined) => x ? [`${what}: ${x.runs} run(s), results/s into InfluxDB best ${x.best}, median ${x.median}, worst ${x.worst}.`] : [];
const su = out.suite as Awaited<ReturnType<typeof suiteThroughput>> | undefined;
const md = [
  '# tinyrack lab benchmark', '', `${out.date} — ${machine.cpus} x ${machine.cpuModel}, Node ${machine.node} (shared machine: figures vary with load)`, '',
  '## Ingest and dispatch: simulated agents through a real Mosquitto and the daemon into a real InfluxDB', '',
  'The daemon runs in the benchmark process; the simulated agents (protocol peers sending what the real agent sends: jobs in; results, the paced inventory and progress where the job spec asks for it out; no build, no QEMU) in a child process; Mosquitto and InfluxDB on loopback. All jobs are queued at once (one transaction), like a suite firing.', '',
  '| run | agents | boards | jobs | job time (ms) | results in InfluxDB | all done (s) | all in InfluxDB (s) | results/s into InfluxDB | points/s (per write) | publish→InfluxDB p50 / p99 / max (ms) | boards leased / busy (%) | daemon RSS / heap after (MB) | CPU s: daemon / fleet / mosquitto / influxd | daemon CPU per result (µs) | units per commit (window ms) | load (1 min) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...runs.map((r) => `| ${r.label} | ${r.agents} | ${r.boards} | ${r.jobs} | ${r.jobMs} | ${r.resultsInInfluxdb} | ${r.allDoneSeconds} | ${r.allInInfluxSeconds} | ${r.resultsPerSecond} | ${r.pointsPerSecond} (${r.pointsPerRequest}) | ${r.publishToInfluxMs.p50} / ${r.publishToInfluxMs.p99} / ${r.publishToInfluxMs.max} | ${r.boardsLeasedPct} / ${r.boardsBusyPct ?? '—'} | ${r.daemonMemoryMB.rss} / ${r.daemonMemoryMB.heapUsed} | ${r.cpuSeconds.daemon} / ${r.cpuSeconds.fleet} / ${r.cpuSeconds.mosquitto} / ${r.cpuSeconds.influxd} | ${r.daemonCpuUsPerResult} | ${r.commitGroups.unitsPerCommit} (${r.commitWindowMs}) | ${r.loadAverage1m} |`),
  '', ...spread('Ingest', out.ingestSummary as ReturnType<typeof summary> | undefined), ...spread('Dispatch', out.dispatchSummary as ReturnType<typeof summary>), '',
  'Per job: one job spec out to the agent (QoS 1), one result (QoS 1) in — no progress messages: these queued jobs have no requester, so their specs say `progress: false` (docs/mqtt-contract.md, Progress; a flash request\'s job adds five, QoS 0) — and the agent\'s inventory at most once per 5 s while its boards only turn busy and idle (wire/mqtt.ts INVENTORY_FLIP_DELAY_MS); one InfluxDB result point, and the job\'s queued, started and done events counted into one `jobs` point per commit group and tag set (daemon/influx/job-event-counts.ts), committed with the job state in the SQLite transaction of the burst of messages it arrived in (group commit, WAL, synchronous=NORMAL; a group still small after its burst waits up to the commit window for more messages: "units per commit" are the messages and other units each commit carried); the freed board\'s next job is dispatched in that same transaction. "leased": boards with a job out on them, sampled every 100 ms; "busy": jobs x job time / (boards x time until the last result) — the share of board time spent running jobs, what dispatching has to keep high. CPU seconds are each process\'s own over the run (/proc); "load" is the machine\'s 1-minute load average at the end of the run — it is shared with other work, so a load above 2 (2 cores) means the parts waited for CPU.', '',
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
