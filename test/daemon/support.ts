// Shared set-up for the daemon tests: a lab config in a temp dir, a daemon on a real broker
// with a real InfluxDB, and small polling helpers (behaviour waits, never timing assertions).
import { join } from 'node:path';
import { parseLabConfig, type LabConfig } from '../../daemon/config.ts';
import { Daemon, type DaemonOptions } from '../../daemon/daemon.ts';
import { tempDir as removedOnExit } from '../helpers/temp-dir.ts';

export function tempDir(prefix = 'tinyrack-daemon-'): string {
  return removedOnExit(prefix);
}

export function labConfig(yamlBody: string, dataDir = tempDir()): LabConfig {
  return parseLabConfig(`daemon:\n  dataDir: ${JSON.stringify(dataDir)}\n${yamlBody}`, join(dataDir, 'lab.yaml'));
}

export async function startDaemon(opts: Partial<DaemonOptions> & { config: LabConfig }): Promise<Daemon> {
  // No grace for offline agents unless a test asks for it: a crashed sim agent's job moves on at once.
  const d = new Daemon({ tickMs: 100, log: () => {}, offlineGraceMs: 0, modelExists: (n) => ['aww', 'vww', 'resnet', 'toycar', 'micro_speech', 'cifar10', 'magic_wand', 'sine_model'].includes(n), ...opts });
  await d.start();
  return d;
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function manualScheduler() {
  const fired = new Map<string, () => void>();
  return {
    scheduler: (_expr: string, fire: () => void, suite: string) => { fired.set(suite, fire); return { stop: () => fired.delete(suite) }; },
    fire(suite: string) { const f = fired.get(suite); if (!f) throw new Error(`suite ${suite} not scheduled`); f(); },
    scheduled: () => [...fired.keys()],
  };
}
