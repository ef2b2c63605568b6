// The demo lab: a whole tinyrack lab on one machine. A local InfluxDB (own data dir, loopback
// port), the daemon with its embedded broker, one agent with virtual (QEMU) boards as a child
// process, then the lab config's demo suite over the model set; prints the results and where the
// dashboards are, and stops cleanly (or keeps serving).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLabConfig, expandSuite, embeddedBrokerPasswordFile, type LabConfig } from '../config.ts';
import { setPassword } from '../broker/passwd.ts';
import { Daemon, cronScheduler } from '../daemon.ts';
import { modelSetLookup } from '../model-set-lookup.ts';
import { startLocalInfluxd, type LocalInfluxd } from '../influx/local-influxd.ts';
import { writeProvisioning } from '../../dashboards/index.ts';
import { SimAgent } from '../sim/sim-agent.ts';
import type { JobRecord } from '../jobs/job-store.ts';
import { writeDemoComparePage } from './compare-page.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DemoOptions {
  /** Where InfluxDB data, the daemon journal, the agent work dir and logs go. */
  root: string;
  labConfig: string;
  suite: string;
  models?: string[];
  boards?: string[];
  /** 'real': the tinyrack agent with QEMU boards (child process); 'sim': a protocol-speaking simulated agent. */
  agent: 'real' | 'sim';
  influxPort?: number;
  brokerPort?: number;
  /** Keep the lab running with cron schedules after the first run. */
  serve: boolean;
  log: (line: string) => void;
  /** Per finished job (for progress output). */
  onJob?: (job: JobRecord, done: number, total: number) => void;
  /** Give up on the suite after this long. */
  timeoutMs?: number;
}

export interface DemoRow {
  model: string; board: string; backend: string; tiling: string; status: 'ok' | 'does not fit' | 'failed';
  counter?: string; count?: number; latencyUs?: number; energyUj?: number; energyEstimated?: boolean;
  arenaBytes?: number; romBytes?: number; ramBytes?: number; outputsMatch?: boolean; error?: string;
}

export interface DemoSummary {
  suite: string; runId: string; jobs: number; done: number; didNotFit: number; failed: number;
  outputsMismatched: number; resultsInInfluxdb: number;
  /** Changes against the previous demo runs' baselines (same model, board kind, backend, tiling). */
  regressions: number;
  failures: Array<{ model: string; board: string; tiling: string; error: string }>;
  rows: DemoRow[];
  influxdb: { url: string; database: string }; broker: string; dashboards: string; durationS: number;
  /** The run as a `tinyrack compare` page (table + RAM-vs-speed chart per model). */
  comparePage: string;
}

export interface DemoLab {
  summary: DemoSummary;
  daemon: Daemon;
  /** Stops agent, daemon (draining the InfluxDB spool) and InfluxDB. */
  stop(): Promise<void>;
}

const DB = 'tinyrack';
/** The demo's one agent: its id is also its broker account (the ACL pins an agent to its name). */
const DEMO_AGENT = 'demo-rack';
const NOT_FIT = /does not fit/;

export async function runDemo(o: DemoOptions): Promise<DemoLab> {
  const t0 = Date.now();
  const root = resolve(o.root);
  mkdirSync(root, { recursive: true });
  const base = loadLabConfig(o.labConfig);
  const suiteCfg = base.suites.find((s) => s.name === o.suite);
  if (!suiteCfg) throw new Error(`no suite "${o.suite}" in ${o.labConfig} (have: ${base.suites.map((s) => s.name).join(', ') || 'none'})`);
  const modelExists = modelSetLookup(o.log);
  for (const m of o.models ?? []) if (!modelExists(m)) throw new Error(`unknown model "${m}" (not in the model set)`);
  const suite = { ...suiteCfg, ...(o.models?.length ? { models: o.models } : {}), ...(o.boards?.length ? { boards: o.boards } : {}) };
  const config: LabConfig = { ...base, dataDir: join(root, 'daemon'), embeddedBrokerPort: o.brokerPort ?? 0, suites: base.suites.map((s) => s.name === suite.name ? suite : s) };
  delete config.broker;

  const stack: Array<() => Promise<void>> = [];
  const stopAll = async () => { while (stack.length) { try { await stack.pop()!(); } catch (err) { o.log(`stopping: ${(err as Error).message}`); } } };
  try {
    o.log(`starting InfluxDB (data in ${join(root, 'influxdb')})`);
    const influx: LocalInfluxd = await startLocalInfluxd({ dir: join(root, 'influxdb'), ...(o.influxPort ? { httpPort: o.influxPort } : {}) });
    stack.push(() => influx.stop());

    // The embedded broker admits accounts only: the demo makes one for its agent (a fresh
    // password each run, hashed in the broker's password file, clear only in the agent's 0600 file).
    const agentPassword = randomBytes(18).toString('base64url');
    setPassword(embeddedBrokerPasswordFile(config), DEMO_AGENT, agentPassword);
    const daemon = new Daemon({
      config, influx: { url: influx.url, database: DB }, clientId: `tinyrack-demo-daemon`, modelExists,
      abandonUnfinished: 'abandoned: the demo lab was restarted',
      scheduler: o.serve ? cronScheduler : () => ({ stop() {} }), log: (l) => o.log(`daemon: ${l}`),
    });
    await daemon.start();
    stack.push(() => daemon.stop());
    o.log(`daemon up, embedded MQTT broker on ${daemon.brokerUrl}`);

    const kinds = [...new Set(suite.boards)];
    if (o.agent === 'real') {
      const child = await startRealAgent(root, daemon.brokerUrl, kinds, o.log, agentPassword);
      stack.push(() => stopChild(child));
    } else {
      const sim = new SimAgent({
        brokerUrl: daemon.brokerUrl, agentId: DEMO_AGENT, username: DEMO_AGENT, password: agentPassword,
        boards: kinds.map((k) => ({ boardId: `demo-rack-${k}-0`, kind: k })), jobMs: 20,
      });
      await sim.start();
      stack.push(() => sim.stop());
    }
    await waitUntil(() => kinds.every((k) => daemon.registry.boards().some((b) => b.kind === k && b.agentOnline)), 120_000,
      () => `the agent's boards (${kinds.join(', ')}) did not come online; see ${join(root, 'agent.log')}`);
    o.log(`agent online with ${daemon.registry.boards().length} boards: ${daemon.registry.boards().map((b) => b.boardId).join(', ')}`);

    const cells = expandSuite(suite).length;
    let done = 0;
    const onFinished = (job: JobRecord) => { if (job.tags?.suite === suite.name) o.onJob?.(job, ++done, cells); };
    daemon.on('result', onFinished);
    daemon.on('job-failed', onFinished);
    const started = daemon.fireSuite(suite.name, 'manual');
    if (started.type === 'skipped') throw new Error(started.reason);
    if (!started.jobIds.length) throw new Error(`suite ${suite.name} expands to no jobs (check its models, boards and exclude list)`);
    const finished = new Promise<void>((r) => {
      const h = (e: { runId: string }) => { if (e.runId === started.runId) { daemon.off('suite-finished', h); r(); } };
      daemon.on('suite-finished', h);
    });
    o.log(`suite ${suite.name}: run ${started.runId}, ${started.jobIds.length} jobs`);
    const timeoutMs = o.timeoutMs ?? 30 * 60_000;
    await Promise.race([
      finished,
      new Promise((_, rej) => setTimeout(() => rej(new Error(`suite did not finish within ${timeoutMs / 1000} s`)), timeoutMs).unref()),
    ]);
    const pending = await daemon.sink!.drain(30_000);
    if (pending) o.log(`warning: ${pending} points still waiting for InfluxDB`);

    const jobs = daemon.suiteRun(started.runId).jobs;
    const rows = jobs.map(rowOf).sort((a, b) => a.model.localeCompare(b.model) || a.board.localeCompare(b.board) || a.tiling.localeCompare(b.tiling));
    const resultsInInfluxdb = await countResults(influx.url, new Set(started.jobIds), t0);
    const dashboards = join(root, 'grafana');
    writeProvisioning({ outDir: dashboards, influxUrl: influx.url, database: DB });
    const comparePage = join(root, 'compare.html');
    writeDemoComparePage(comparePage, jobs, suite.name, started.runId);
    o.log(`compare page: ${comparePage}`);
    const summary: DemoSummary = {
      suite: suite.name, runId: started.runId, jobs: jobs.length,
      done: rows.filter((r) => r.status === 'ok').length, didNotFit: rows.filter((r) => r.status === 'does not fit').length,
      failed: rows.filter((r) => r.status === 'failed').length, outputsMismatched: rows.filter((r) => r.status === 'ok' && r.outputsMatch === false).length,
      resultsInInfluxdb, regressions: daemon.counters.regressions,
      failures: rows.filter((r) => r.status === 'failed').map((r) => ({ model: r.model, board: r.board, tiling: r.tiling, error: r.error ?? '' })),
      rows, influxdb: { url: influx.url, database: DB }, broker: daemon.brokerUrl, dashboards, durationS: Math.round((Date.now() - t0) / 100) / 10,
      comparePage,
    };
    return { summary, daemon, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function rowOf(j: JobRecord): DemoRow {
  const r = j.result;
  const base = { model: j.model.name, board: j.boardKind, backend: j.backend, tiling: j.tiling };
  if (j.state === 'done' && r?.metrics) {
    const m = r.metrics;
    return {
      ...base, status: 'ok', counter: m.counter, count: m.count, latencyUs: m.latencyUs,
      ...(m.energyUj !== undefined ? { energyUj: m.energyUj, energyEstimated: m.energyEstimated ?? false } : {}),
      arenaBytes: m.arenaBytes, romBytes: m.romBytes, ramBytes: m.ramBytes, outputsMatch: m.outputsMatch,
    };
  }
  const error = j.error ?? r?.error ?? 'unknown';
  return { ...base, status: NOT_FIT.test(error) ? 'does not fit' : 'failed', error };
}

/** Counts the result points of this run actually stored in InfluxDB (queried, not assumed). */
async function countResults(url: string, jobIds: Set<string>, since: number): Promise<number> {
  const q = `SELECT job_id FROM results WHERE time >= ${since - 60_000}ms`;
  const res = await fetch(`${url}/query?db=${DB}&q=${encodeURIComponent(q)}`);
  const body = await res.json() as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
  const rows = body.results[0]?.series?.[0]?.values ?? [];
  return rows.filter((r) => jobIds.has(String(r[1]))).length;
}

async function startRealAgent(root: string, brokerUrl: string, kinds: string[], log: (l: string) => void, password: string): Promise<ChildProcess> {
  const rack = join(root, 'rack.yaml');
  const passFile = join(root, 'agent.pass');
  writeFileSync(passFile, `${password}\n`, { mode: 0o600 });
  chmodSync(passFile, 0o600);
  writeFileSync(rack, [
    '# Generated by `tinyrack demo`: one agent with one virtual board of each kind in the demo suite.',
    `agentId: ${DEMO_AGENT}`, 'broker:', `  url: ${brokerUrl}`, `  username: ${DEMO_AGENT}`, `  passwordFile: ${JSON.stringify(passFile)}`,
    `workDir: ${JSON.stringify(join(root, 'agent'))}`, 'virtual:',
    ...kinds.flatMap((k) => [`  - kind: ${k}`, '    count: 1']), '',
  ].join('\n'));
  const logPath = join(root, 'agent.log');
  const fd = openSync(logPath, 'a');
  // Own process group: Ctrl-C reaches the demo only, which stops the agent first, then the daemon.
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'tinyrack.mjs'), 'agent', '--config', rack], { cwd: REPO_ROOT, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* already gone */ } };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  log(`agent started (pid ${child.pid}, log ${logPath})`);
  child.once('exit', (code, sig) => { if (code !== 0 && sig !== 'SIGTERM') log(`agent exited (${code ?? sig}); see ${logPath}`); });
  await new Promise((r) => setTimeout(r, 200));
  if (child.exitCode !== null) {
    const tail = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-10).join('\n') : '';
    throw new Error(`the agent exited at start (code ${child.exitCode}):\n${tail}`);
  }
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}

async function waitUntil(ok: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(what());
    await new Promise((r) => setTimeout(r, 100));
  }
}
