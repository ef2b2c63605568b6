// Automatic migration of a data folder written before the lab database: `jobs.jsonl` (the
// JSON-lines job journal) and `influx-spool.jsonl` (points not yet in InfluxDB) are imported into
// the database in one transaction, then renamed to `*.migrated` (kept, not deleted: a human may
// want to look). The import is recorded in the meta table first, so a crash between the commit
// and the renames re-runs only the renames, never a second import over newer states.
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IPoint } from 'influx';
import { Journal } from './journal.ts';
import type { JobRecord } from './job-store.ts';
import type { LabDb } from './lab-db.ts';

export const LEGACY_JOURNAL = 'jobs.jsonl';
export const LEGACY_SPOOL = 'influx-spool.jsonl';

export interface MigrationReport { jobs: number; points: number; skippedLines: number }

export function migrateJsonl(lab: LabDb, dataDir: string, log: (line: string) => void = () => {}): MigrationReport | undefined {
  const journalPath = join(dataDir, LEGACY_JOURNAL);
  const spoolPath = join(dataDir, LEGACY_SPOOL);
  const present = [journalPath, spoolPath].filter((p) => existsSync(p));
  if (!present.length) return undefined;
  const d = lab.db;
  const stamp = present.map((p) => `${p}:${statSync(p).size}:${statSync(p).mtimeMs}`).join('|');
  const done = d.prepare(`SELECT value FROM meta WHERE key = 'jsonl-migration'`).pluck().get() as string | undefined;
  let report: MigrationReport = { jobs: 0, points: 0, skippedLines: 0 };
  if (done !== stamp) {
    let jobs: JobRecord[] = [];
    if (existsSync(journalPath)) {
      // The old journal's own reader: it drops a torn last line (a crash mid-append) and says so.
      const j = new Journal<JobRecord>(journalPath, (r) => r.jobId);
      jobs = j.all();
      report.skippedLines += j.skippedLines;
      j.close();
    }
    const points: IPoint[] = [];
    if (existsSync(spoolPath)) {
      for (const line of readFileSync(spoolPath, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try { points.push(JSON.parse(line) as IPoint); } catch { report.skippedLines++; }
      }
    }
    const insertJob = d.prepare(`INSERT OR IGNORE INTO jobs (job_id, seq, state, agent_id, suite, suite_run, request_id, updated_at, record)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertPoint = d.prepare('INSERT INTO points (point) VALUES (?)');
    lab.tx(() => {
      for (const j of jobs) {
        insertJob.run(j.jobId, j.seq ?? 0, j.state, j.agentId ?? null, j.tags?.suite ?? null, j.tags?.suiteRun ?? null,
          j.request?.requestId ?? null, j.updatedAt ?? j.createdAt ?? 0, JSON.stringify(j));
      }
      for (const p of points) insertPoint.run(JSON.stringify(p));
      d.prepare(`INSERT INTO meta (key, value) VALUES ('jsonl-migration', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(stamp);
    });
    report = { ...report, jobs: jobs.length, points: points.length };
    log(`migrated ${present.join(' and ')} into ${lab.path}: ${jobs.length} jobs, ${points.length} pending InfluxDB points` +
      (report.skippedLines ? ` (${report.skippedLines} torn lines dropped)` : ''));
  }
  for (const p of present) renameSync(p, `${p}.migrated`);
  return report;
}
