// A real Mosquitto broker for the daemon's tests, on a free 127.0.0.1 port, anonymous, with its
// own temp dir. (The agent engineer's test/helpers/mosquitto.ts serves the same purpose; this one
// predates it and adds stop()/start() on the same port for broker-restart scenarios.)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '../../daemon/util/ports.ts';

export interface TestMosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startMosquitto(): Promise<TestMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyrack-mosq-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false',
    `log_dest file ${join(dir, 'mosquitto.log')}`, 'log_type error', 'log_type warning',
    // Sessions of the daemon (clean=false) keep QoS 1 messages while it is away.
    'max_queued_messages 100000', '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  const start = async () => {
    if (child) return;
    const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    child = proc;
    proc.once('exit', () => { if (child === proc) child = undefined; });
    await waitForPort(port, 10_000);
  };
  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    await exited;
    child = undefined;
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`, port, start, stop,
    async dispose() { await stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
