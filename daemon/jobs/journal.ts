// An append-only JSON-lines journal: each line is the full latest state of one record, keyed by
// `key`. Every append is fsync'ed before it returns, so a record the daemon acted on survives a
// crash. Compaction rewrites the file with one line per live key (write temp, fsync, rename,
// fsync the directory), so the file stays proportional to the number of records.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface JournalOptions {
  /** Compact when the file holds more than this many lines per live record (and > minLines). */
  compactRatio?: number;
  minLinesBeforeCompact?: number;
}

export class Journal<T extends object> {
  private fd: number;
  private lines = 0;
  private readonly records = new Map<string, T>();
  private readonly compactRatio: number;
  private readonly minLines: number;
  /** Lines that did not parse on load (a torn last write after a crash); reported, not fatal. */
  readonly skippedLines: number;

  constructor(private readonly path: string, private readonly keyOf: (r: T) => string, opts: JournalOptions = {}) {
    this.compactRatio = opts.compactRatio ?? 4;
    this.minLines = opts.minLinesBeforeCompact ?? 1000;
    mkdirSync(dirname(path), { recursive: true });
    let skipped = 0;
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          const rec = JSON.parse(line) as T;
          this.records.set(this.keyOf(rec), rec);
          this.lines++;
        } catch {
          skipped++; // only a torn final line can be partial: appends are whole lines + fsync
        }
      }
    }
    this.skippedLines = skipped;
    this.fd = openSync(path, 'a');
    // A torn tail would glue onto the next append; compacting rewrites the file cleanly.
    if (skipped > 0) this.compact();
  }

  all(): T[] { return [...this.records.values()]; }
  get(key: string): T | undefined { return this.records.get(key); }
  get size(): number { return this.records.size; }

  /** Durably records the new state of one record. */
  put(rec: T): void {
    this.putMany([rec]);
  }

  /** Durably records several records with one write and one fsync (a suite firing, a dispatch round). */
  putMany(recs: T[]): void {
    if (!recs.length) return;
    writeSync(this.fd, recs.map((r) => `${JSON.stringify(r)}\n`).join(''));
    fsyncSync(this.fd);
    for (const rec of recs) this.records.set(this.keyOf(rec), rec);
    this.lines += recs.length;
    if (this.lines > this.minLines && this.lines > this.compactRatio * this.records.size) this.compact();
  }

  /** Removes records for which keep() is false, then rewrites the file with the survivors. */
  prune(keep: (r: T) => boolean): number {
    let removed = 0;
    for (const [k, r] of this.records) if (!keep(r)) { this.records.delete(k); removed++; }
    if (removed) this.compact();
    return removed;
  }

  compact(): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    const body = [...this.records.values()].map((r) => JSON.stringify(r)).join('\n');
    writeSync(fd, body ? `${body}\n` : '');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    try {
      const dfd = openSync(dirname(this.path), 'r');
      fsyncSync(dfd);
      closeSync(dfd);
    } catch { /* some filesystems refuse fsync on directories; the rename is still atomic */ }
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.lines = this.records.size;
  }

  close(): void {
    closeSync(this.fd);
  }
}
