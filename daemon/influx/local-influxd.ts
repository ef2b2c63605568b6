// Runs a private InfluxDB 1.x server (the installed `influxd`) with a generated config: every
// listener on 127.0.0.1, its own meta/data/wal dirs, reporting and the _internal monitor off.
// The demo lab uses it so one machine needs nothing configured; tests use it through
// tools/influxdb.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../util/ports.ts';

export interface LocalInfluxdOptions {
  /** Directory holding meta/, data/, wal/, influxd.conf and influxd.log. */
  dir: string;
  /** HTTP port; a free one is picked when omitted. */
  httpPort?: number;
  binary?: string;
  startTimeoutMs?: number;
  /** More `[data]` settings, e.g. `{ 'index-version': '"tsi1"' }` (values as TOML): the InfluxDB
   * benchmark compares settings with them. */
  dataSettings?: Record<string, string>;
}

export interface LocalInfluxd {
  url: string;
  httpPort: number;
  dir: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). Data stays in dir. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir (after stop()). */
  start(): Promise<void>;
  readonly running: boolean;
  /** The server's process id while it runs (bench: its CPU time). */
  readonly pid: number | undefined;
}

function configText(dir: string, httpPort: number, bindPort: number, dataSettings: Record<string, string> = {}): string {
  // Only the sections whose defaults would touch the machine (ports, dirs, reporting) are set.
  return [
    'reporting-enabled = false',
    `bind-address = "127.0.0.1:${bindPort}"`,
    '[meta]',
    `  dir = ${JSON.stringify(join(dir, 'meta'))}`,
    '  logging-enabled = false',
    '[data]',
    `  dir = ${JSON.stringify(join(dir, 'data'))}`,
    `  wal-dir = ${JSON.stringify(join(dir, 'wal'))}`,
    '  query-log-enabled = false',
    '  cache-max-memory-size = 134217728',
    ...Object.entries(dataSettings).map(([k, v]) => `  ${k} = ${v}`),
    '[monitor]',
    '  store-enabled = false',
    '[http]',
    '  enabled = true',
    `  bind-address = "127.0.0.1:${httpPort}"`,
    '  log-enabled = false',
    '  pprof-enabled = false',
    '[logging]',
    '  level = "warn"',
    '  suppress-logo = true',
    '[continuous_queries]',
    '  enabled = true',
    '  log-enabled = false',
    '  run-interval = "1s"',
    '[retention]',
    '  enabled = true',
    '',
  ].join('\n');
}

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return res.status === 204;
  } catch {
    return false;
  }
}

export async function startLocalInfluxd(opts: LocalInfluxdOptions): Promise<LocalInfluxd> {
  const dir = opts.dir;
  mkdirSync(dir, { recursive: true });
  const httpPort = opts.httpPort ?? await freePort();
  const bindPort = await freePort();
  const confPath = join(dir, 'influxd.conf');
  writeFileSync(confPath, configText(dir, httpPort, bindPort, opts.dataSettings));
  const url = `http://127.0.0.1:${httpPort}`;
  const binary = opts.binary ?? 'influxd';
  const timeout = opts.startTimeoutMs ?? 30_000;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    if (child) return;
    if (await ping(url)) throw new Error(`port ${httpPort} already answers as InfluxDB; refusing to start a second server`);
    const log = openSync(join(dir, 'influxd.log'), 'a');
    // Its own process group: a Ctrl-C in the terminal reaches only the parent, which stops
    // InfluxDB last (after the daemon has drained its spool into it).
    const proc = spawn(binary, ['-config', confPath], { stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    const killOnExit = () => { try { proc.kill('SIGKILL'); } catch { /* already gone */ } };
    process.once('exit', killOnExit);
    proc.once('exit', () => process.off('exit', killOnExit));
    child = proc;
    let spawnError: Error | undefined;
    proc.on('error', (err) => { spawnError = err; });
    exited = new Promise((resolve) => proc.once('exit', () => { if (child === proc) child = undefined; resolve(); }));
    const until = Date.now() + timeout;
    while (!(await ping(url))) {
      if (spawnError) throw new Error(`cannot start ${binary}: ${spawnError.message}`);
      if (proc.exitCode !== null) throw new Error(`${binary} exited with code ${proc.exitCode}; see ${join(dir, 'influxd.log')}`);
      if (Date.now() > until) { proc.kill('SIGKILL'); throw new Error(`${binary} did not answer on ${url} within ${timeout} ms`); }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    const done = exited;
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(killer);
    child = undefined;
  }

  await start();
  return { url, httpPort, dir, stop, start, get running() { return child !== undefined; }, get pid() { return child?.pid; } };
}
