// A real Mosquitto broker for tests: its own temp dir and generated config, a free 127.0.0.1
// port, started and waited for until it accepts connections, stopped (SIGTERM, graceful),
// killed (SIGKILL, a crash) and restarted on the same port. With `persistence: true` the broker
// keeps sessions, subscriptions and queued QoS 1 messages across a restart, saving on every
// change so that even a SIGKILL loses nothing a client was promised.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MosquittoOptions {
  /** Keep sessions and queued messages across restarts (default true). */
  persistence?: boolean;
  /** Accept clients without credentials (default true; false with a password_file in extraConfig). */
  anonymous?: boolean;
  /** Extra config lines, applied to the test listener (e.g. password_file, cafile/certfile/keyfile). */
  extraConfig?: string[];
  /** Binary (default /usr/sbin/mosquitto, else `mosquitto` on PATH). */
  binary?: string;
  startTimeoutMs?: number;
}

export interface TestBroker {
  readonly port: number;
  /** mqtt://127.0.0.1:<port> (use mqtts:// yourself when extraConfig sets up TLS). */
  readonly url: string;
  readonly dir: string;
  readonly running: boolean;
  /** The broker's process id while it runs (bench: its CPU time). */
  readonly pid: number | undefined;
  /** Graceful stop (SIGTERM): the broker saves its persistence database. */
  stop(): Promise<void>;
  /** Crash (SIGKILL). */
  kill(): Promise<void>;
  /** Starts again on the same port with the same config and data. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** The broker's log, for diagnosing a failing test. */
  log(): string;
  /** Stops the broker and removes its temp dir. */
  dispose(): Promise<void>;
}

// A free port: the one helper the daemon's locally started services use too.
export { freePort } from '../daemon/util/ports.ts';
import { freePort } from '../daemon/util/ports.ts';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<TestBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyrack-mosquitto-'));
  const persistence = opts.persistence ?? true;
  const binary = opts.binary ?? '/usr/sbin/mosquitto';
  const logFile = join(dir, 'mosquitto.log');
  const conf = join(dir, 'mosquitto.conf');
  // Retry on a port race: another process may take the free port between probe and bind.
  let port = 0;
  let child: ChildProcess | undefined;

  const writeConf = (): void => writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${opts.anonymous ?? true}`,
    // Running as root, mosquitto would switch to the "mosquitto" user and lose access to dir.
    'user root',
    `persistence ${persistence}`,
    ...(persistence ? [`persistence_location ${dir}/`, 'autosave_on_changes true', 'autosave_interval 1'] : []),
    'max_queued_messages 100000',
    `log_dest file ${logFile}`,
    'log_type error', 'log_type warning', 'log_type notice',
    ...(opts.extraConfig ?? []),
    '',
  ].join('\n'));

  const start = async (): Promise<void> => {
    if (child) return;
    writeConf();
    const proc = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    let exited: number | null | undefined;
    proc.once('exit', (code) => { exited = code; if (child === proc) child = undefined; });
    proc.once('error', (e) => { stderr += e.message; exited = -1; });
    child = proc;
    // A test process that ends without dispose() (a failed assertion before it, a runner
    // time-out) must not leave a broker behind.
    const reap = () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); };
    process.once('exit', reap);
    proc.once('exit', () => process.off('exit', reap));
    const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
    while (!(await canConnect(port))) {
      if (exited !== undefined) {
        throw new Error(`mosquitto exited (code ${exited}) on port ${port}: ${stderr.trim() || readLog()}`);
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`mosquitto did not listen on port ${port} within ${opts.startTimeoutMs ?? 10_000} ms`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    const gone = new Promise<void>((r) => { if (proc.exitCode !== null || proc.signalCode !== null) r(); else proc.once('exit', () => r()); });
    proc.kill(signal);
    await gone;
    child = undefined;
    // The port must be free again before a restart binds it.
    while (await canConnect(port)) await new Promise((r) => setTimeout(r, 25));
  };

  const readLog = (): string => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } };

  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (err) {
      if (attempt >= 2) { rmSync(dir, { recursive: true, force: true }); throw err; }
    }
  }

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    get running() { return child !== undefined; },
    get pid() { return child?.pid; },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    start,
    async restart() { await halt('SIGTERM'); await start(); },
    log: readLog,
    async dispose() { await halt('SIGTERM'); rmSync(dir, { recursive: true, force: true }); },
  };
}
