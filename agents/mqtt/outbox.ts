// The durable outbox: every result is written here (one file per message) before it is
// published, and the file is removed only once the broker has acknowledged it (PUBACK). A crash,
// a reboot or a broker outage between the two loses nothing: the next start flushes the outbox.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDurable, writeFileDurable } from './durable-file.ts';

export interface OutboxEntry {
  /** File name; sorts in the order entries were added. */
  id: string;
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** The logical message (e.g. `result-<jobId>`); absent in entries written before it was stored. */
  key?: string;
}

export class Outbox {
  private counter = 0;

  // The folder is made on the first put, so merely looking (`agent --list`) leaves no trace.
  constructor(readonly dir: string) {}

  /** Stores a message durably and returns its entry. */
  put(topic: string, payload: string, opts: { qos?: 0 | 1 | 2; retain?: boolean; key?: string } = {}): OutboxEntry {
    // Time first so a directory listing replays in order; the key (e.g. job id) makes a
    // re-put of the same logical message replace, not duplicate, the pending one. Keys are free
    // text from the network (a job id may be 300 characters, or hold a slash): the file name
    // carries only a hash of it, the key itself lives inside the entry.
    const key = opts.key ?? `${process.pid}-${this.counter++}`;
    const existing = this.find(key);
    const id = existing?.id ?? `${Date.now().toString().padStart(15, '0')}-${hashKey(key)}.json`;
    const entry: OutboxEntry = { id, topic, payload, qos: opts.qos ?? 1, retain: opts.retain ?? false, key };
    mkdirSync(this.dir, { recursive: true });
    writeFileDurable(join(this.dir, id), JSON.stringify(entry));
    return entry;
  }

  private find(key: string): OutboxEntry | undefined {
    // Entries from before the key was stored were named after the key with unsafe characters replaced.
    const legacy = `-${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
    return this.list().find((e) => (e.key !== undefined ? e.key === key : e.id.endsWith(legacy)));
  }

  /** Whether an entry with this key is pending. */
  has(key: string): boolean {
    return this.find(key) !== undefined;
  }

  /** Pending entries, oldest first. Unreadable files (never produced by put) are skipped. */
  list(): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    if (!existsSync(this.dir)) return out;
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
      try {
        const e = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as OutboxEntry;
        out.push({ ...e, id: name });
      } catch {
        // put() renames only complete files into place, so this is foreign; leave it for a human.
      }
    }
    return out;
  }

  /** Called after the broker acknowledged the entry. */
  remove(id: string): void {
    removeDurable(join(this.dir, id));
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
