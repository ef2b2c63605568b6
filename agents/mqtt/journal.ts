// The job journal: every job id this agent has seen and how far it got, on disk. It makes job
// delivery idempotent (MQTT QoS 1 may deliver a job twice; a job seen before never runs again)
// and lets a restarted agent report the job it was running when it died.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from './durable-file.ts';
import type { JobSpec } from '../../wire/mqtt.ts';

export type JournalState = 'accepted' | 'running' | 'done' | 'failed' | 'rejected';

export interface JournalEntry {
  jobId: string;
  state: JournalState;
  boardId?: string;
  spec?: JobSpec;
  reason?: string;
  updatedAt: string;
}

export class JobJournal {
  // The folder is made on the first write, so merely looking (`agent --list`) leaves no trace.
  constructor(readonly dir: string) {}

  // Job ids are free text from the network: hash them into safe, fixed-length file names.
  private file(jobId: string): string {
    return join(this.dir, `${createHash('sha256').update(jobId).digest('hex').slice(0, 32)}.json`);
  }

  get(jobId: string): JournalEntry | undefined {
    try {
      return JSON.parse(readFileSync(this.file(jobId), 'utf8')) as JournalEntry;
    } catch {
      return undefined;
    }
  }

  set(jobId: string, state: JournalState, extra: Partial<Omit<JournalEntry, 'jobId' | 'state' | 'updatedAt'>> = {}): JournalEntry {
    const prev = this.get(jobId);
    const entry: JournalEntry = { ...prev, ...extra, jobId, state, updatedAt: new Date().toISOString() };
    mkdirSync(this.dir, { recursive: true });
    writeFileDurable(this.file(jobId), JSON.stringify(entry));
    return entry;
  }

  /** Jobs that were accepted or running when the agent stopped: they never finished. */
  unfinished(): JournalEntry[] {
    // Oldest first, so queued jobs resume in the order they arrived.
    return this.all().filter((e) => e.state === 'accepted' || e.state === 'running').sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  }

  all(): JournalEntry[] {
    const out: JournalEntry[] = [];
    if (!existsSync(this.dir)) return out;
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
      try { out.push(JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as JournalEntry); } catch { /* torn tmp files are never renamed in */ }
    }
    return out;
  }
}
