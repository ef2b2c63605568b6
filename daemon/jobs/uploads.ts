// Uploaded content — a request's own .tflite model, a bring-your-own firmware image — kept ONCE
// per content hash in the lab database's `uploads` table, not inside each job row. A job row holds
// the sha256 (and the image's name); the content is put back only into the JobSpec sent to the
// agent. Before, every job of an upload carried its base64 (up to 16 MiB) in its row, in memory
// while unfinished, and in every rewrite of the row on each state change, for 90 days.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { LabDb } from './lab-db.ts';

export class UploadStore {
  private readonly sql: { put: Database.Statement; get: Database.Statement; prune: Database.Statement; count: Database.Statement };

  constructor(lab: LabDb) {
    const d = lab.db;
    this.sql = {
      put: d.prepare('INSERT OR IGNORE INTO uploads (sha256, bytes, first_at) VALUES (?, ?, ?)'),
      get: d.prepare('SELECT bytes FROM uploads WHERE sha256 = ?').pluck(),
      // An upload stays while any job row still names it (finished ones too: they may be re-sent
      // to no one, but their rows are the record of what ran).
      prune: d.prepare(`DELETE FROM uploads WHERE sha256 NOT IN (
        SELECT json_extract(record, '$.uploads.model.sha256') FROM jobs WHERE json_extract(record, '$.uploads.model.sha256') IS NOT NULL
        UNION SELECT json_extract(record, '$.uploads.firmware.sha256') FROM jobs WHERE json_extract(record, '$.uploads.firmware.sha256') IS NOT NULL)`),
      count: d.prepare('SELECT count(*) FROM uploads').pluck(),
    };
  }

  /** Stores base64 content (once per content) in the current transaction; returns its sha256. */
  put(base64: string, at: number): string {
    const bytes = Buffer.from(base64, 'base64');
    const sha = createHash('sha256').update(bytes).digest('hex');
    this.sql.put.run(sha, bytes, at);
    return sha;
  }

  /** The content as base64; a missing upload is a broken database, said loudly. */
  base64(sha256: string): string {
    const bytes = this.sql.get.get(sha256) as Buffer | undefined;
    if (!bytes) throw new Error(`upload ${sha256} is not in the lab database`);
    return bytes.toString('base64');
  }

  /** Drops uploads no job row names any more; returns how many. */
  prune(): number { return this.sql.prune.run().changes; }

  get size(): number { return this.sql.count.get() as number; }
}
