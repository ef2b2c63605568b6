// The demo's last step: its suite run as the `tinyrack compare` page (table + RAM-versus-speed
// chart per model, Pareto front per board), written next to its data. Job records become compare
// rows: on-device RAM is the measured arena + stack + heap the agent reported; a job that did
// not run is a failed row with its error.
import { writeFileSync } from 'node:fs';
import { markBest, type CompareRow } from '../../firmware/compare/index.ts';
import { compareHtml } from '../../firmware/compare/html.ts';
import { arithmeticOf } from '../../wire/vocabulary.ts';
import type { JobRecord } from '../jobs/job-store.ts';

export function compareRowsOf(jobs: readonly JobRecord[]): CompareRow[] {
  const rows = jobs.map((j): CompareRow => {
    const base = { model: j.model.name, board: j.boardKind, backend: j.backend, tiling: j.tiling, arithmetic: arithmeticOf(j) };
    const m = j.result?.metrics;
    if (j.state !== 'done' || !m || !m.outputsMatch) return { ...base, status: 'failed', reason: j.error ?? j.result?.error ?? (m ? 'outputs differ from the reference' : 'did not run') };
    return {
      ...base, status: 'ok', counter: m.counter, count: m.count, latencyUs: m.latencyUs,
      arenaBytes: m.arenaBytes, stackBytes: m.stackBytes, heapBytes: m.heapBytes, ramBytes: m.arenaBytes + m.stackBytes + m.heapBytes,
      romBytes: m.romBytes, outputsMatch: m.outputsMatch,
    };
  });
  markBest(rows);
  return rows;
}

/** Writes the page; returns its rows. */
export function writeDemoComparePage(path: string, jobs: readonly JobRecord[], suite: string, runId: string): CompareRow[] {
  const rows = compareRowsOf(jobs);
  writeFileSync(path, compareHtml(rows, { title: `tinyrack demo — suite ${suite}, run ${runId}`, generatedAt: new Date().toISOString() }));
  return rows;
}
