// Agent health samples (wire: AgentHealth on tinyrack/agents/<id>/health): the machine's load,
// free memory and free disk in the work folder, and what the agent tracks per board. Sent every
// `health.sampleIntervalS` and at once when a board enters or leaves quarantine or goes missing
// or comes back, so the lab sees a sick board without waiting for the next tick.
import { statfs } from 'node:fs/promises';
import { freemem, loadavg } from 'node:os';
import type { AgentHealth, BoardHealthSample, BoardState } from '../../wire/mqtt.ts';
import type { BoardHealth } from './board-health.ts';

export interface SampleSource {
  agentId: string;
  /** When the agent started (ms since epoch), for uptimeS. */
  startedAtMs: number;
  /** The folder whose free space is reported: builds, journal and outbox live there. */
  workDir: string;
  boards: () => Array<{ boardId: string; kind: string }>;
  health: BoardHealth;
}

/** Free bytes for an unprivileged user on the file system holding dir; undefined if it cannot be measured. */
export async function diskFreeBytes(dir: string): Promise<number | undefined> {
  try {
    const s = await statfs(dir);
    // bavail, not bfree: the blocks reserved for root are of no use to the agent's builds.
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

export async function takeHealthSample(src: SampleSource, now = Date.now()): Promise<AgentHealth> {
  const disk = await diskFreeBytes(src.workDir);
  const boards: BoardHealthSample[] = src.boards().map(({ boardId, kind }) => {
    const h = src.health.ensure(boardId);
    return {
      boardId, kind, state: h.state, consecutiveFailures: h.consecutiveFailures, quarantined: h.state === 'quarantined',
      ...(h.lastJobAt ? { lastJobAt: h.lastJobAt } : {}),
      serialNoiseLines: h.serialNoiseLines, serialCorruptLines: h.serialCorruptLines,
    };
  });
  return {
    v: 1, agentId: src.agentId, ts: new Date(now).toISOString(),
    uptimeS: Math.max(0, Math.floor((now - src.startedAtMs) / 1000)),
    load1: loadavg()[0] ?? 0, memFreeBytes: freemem(),
    ...(disk !== undefined ? { diskFreeBytes: disk } : {}),
    boards,
  };
}

/** States whose entry or exit is worth a sample at once (busy <-> idle is routine: the tick covers it). */
const NOTABLE: ReadonlySet<BoardState> = new Set(['quarantined', 'missing']);

export interface HealthReporterOptions {
  intervalS: number;
  sample: () => Promise<AgentHealth>;
  /** Hands the sample to the broker; must not throw (QoS 0: dropped while disconnected). */
  publish: (h: AgentHealth) => void;
  log: (msg: string) => void;
}

/** Publishes health samples on a timer and on notable board state changes. */
export class HealthReporter {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastStates = new Map<string, BoardState>();
  /** Samples are taken one after another, so they reach the broker in the order they were taken. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private opts: HealthReporterOptions) {}

  /** Publishes one sample now, then every intervalS (the timer never keeps the process alive). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.publishNow();
    this.timer = setInterval(() => this.publishNow(), this.opts.intervalS * 1000);
    this.timer.unref();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Given every board's current state; publishes at once when one entered or left quarantine/missing. */
  noteStates(boards: Array<{ boardId: string; state: BoardState }>): void {
    let notable = false;
    for (const { boardId, state } of boards) {
      const before = this.lastStates.get(boardId);
      if (before !== undefined && before !== state && (NOTABLE.has(before) || NOTABLE.has(state))) notable = true;
      this.lastStates.set(boardId, state);
    }
    if (notable) this.publishNow();
  }

  publishNow(): void {
    if (!this.running) return;
    this.chain = this.chain.then(async () => {
      const h = await this.opts.sample();
      if (this.running) this.opts.publish(h);
    }).catch((e: Error) => this.opts.log(`health sample not sent: ${e.message}`));
  }

  /** Resolves when the samples asked for so far have been handed over (tests, clean stop). */
  idle(): Promise<void> { return this.chain; }
}
