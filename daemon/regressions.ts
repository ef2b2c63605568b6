// Regression detection: each new result is compared with the baseline of the same
// (model, board kind, backend, tiling, arithmetic) — the median of the last N results. The two
// arithmetics run different kernels (fixed-point vs float32 requantization), so their counts are
// never each other's baseline; results from before the field count as reference. Instruction counts on
// virtual boards are exact, so any change there counts by default; cycle counts on silicon jitter,
// so they use a percentage threshold. Memory figures are deterministic for a given firmware, so
// any change counts.
import { arithmeticOf, type JobResult, type RegressionEvent } from '../wire/mqtt.ts';
import { OpBaselines } from './regression-ops.ts';

export interface RegressionConfig {
  /** How many previous results form the baseline (median). */
  baselineRuns: number;
  /** Minimum previous results before anything is flagged. */
  minRuns: number;
  /** |change| in percent that counts, per counter kind. */
  instructionsThresholdPct: number;
  cyclesThresholdPct: number;
  memoryThresholdPct: number;
}

export const defaultRegressionConfig: RegressionConfig = {
  baselineRuns: 5, minRuns: 1, instructionsThresholdPct: 0, cyclesThresholdPct: 5, memoryThresholdPct: 0,
};

const METRICS = [
  ['count', (r: JobResult) => r.metrics!.count],
  ['arena_bytes', (r: JobResult) => r.metrics!.arenaBytes],
  ['rom_bytes', (r: JobResult) => r.metrics!.romBytes],
  ['ram_bytes', (r: JobResult) => r.metrics!.ramBytes],
] as const;

/** Where median() sorts a short list: it runs for four metrics of every result, on baselines of
 * baselineRuns values (5 by default), and a sorted copy of each cost ~2 % of the ingest daemon's
 * samples (profiled). */
const scratch = new Float64Array(32);

export function median(xs: readonly number[]): number {
  const n = xs.length;
  if (n > scratch.length) {
    const s = [...xs].sort((a, b) => a - b);
    const m = n >> 1;
    return n % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  }
  // Insertion sort of a handful of values, in place in the scratch array.
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    let j = i - 1;
    while (j >= 0 && scratch[j]! > x) { scratch[j + 1] = scratch[j]!; j--; }
    scratch[j + 1] = x;
  }
  const m = n >> 1;
  return n % 2 ? scratch[m]! : (scratch[m - 1]! + scratch[m]!) / 2;
}

export function baselineKey(r: Pick<JobResult, 'model' | 'boardKind' | 'backend' | 'tiling' | 'arithmetic'> & Pick<Partial<JobResult>, 'source' | 'submittedBy' | 'firmwareName'>): string {
  const key = `${r.model}|${r.boardKind}|${r.backend}|${r.tiling}|${arithmeticOf(r)}`;
  // A submitted image's m-lap-us microseconds are never compared with tinyrack's own counts:
  // each submitter's image (by name, across versions) is a series of its own.
  return r.source === 'byo' ? `${key}|byo|${r.submittedBy ?? ''}|${r.firmwareName ?? ''}` : key;
}

export class RegressionDetector {
  private readonly history = new Map<string, Record<string, number[]>>();
  private readonly ops: OpBaselines;

  constructor(private readonly cfg: RegressionConfig = defaultRegressionConfig) {
    this.ops = new OpBaselines(cfg.baselineRuns);
  }

  /** Feeds past results (oldest first) without flagging anything, e.g. from the job journal. */
  seed(results: JobResult[]): void {
    for (const r of results) if (r.ok && r.metrics) this.remember(r);
  }

  /** Compares a new result with its baseline, then adds it to the history. */
  check(r: JobResult, now = new Date()): RegressionEvent[] {
    if (!r.ok || !r.metrics) return [];
    const key = baselineKey(r);
    const hist = this.history.get(key);
    const events: RegressionEvent[] = [];
    if (hist) {
      for (const [name, get] of METRICS) {
        const past = hist[name] ?? [];
        if (past.length < this.cfg.minRuns) continue;
        // remember() keeps at most baselineRuns values: the baseline is all of them (median copies).
        const base = median(past);
        const value = get(r);
        const changePct = base === 0 ? (value === 0 ? 0 : 100) : ((value - base) / base) * 100;
        const threshold = name === 'count'
          ? (r.metrics.counter === 'instructions' ? this.cfg.instructionsThresholdPct : this.cfg.cyclesThresholdPct)
          : this.cfg.memoryThresholdPct;
        // "0 %" means exact: any difference at all is flagged.
        const flagged = threshold === 0 ? value !== base : Math.abs(changePct) > threshold;
        if (flagged) {
          // Which ops moved (profiled results): the answer to "where did the count go".
          const ops = name === 'count' ? this.ops.changed(key, r, threshold, median) : [];
          events.push({
            v: 1, model: r.model, boardKind: r.boardKind, backend: r.backend, tiling: r.tiling, arithmetic: arithmeticOf(r),
            metric: name === 'count' ? r.metrics.counter : name, baseline: base, value,
            changePct: Math.round(changePct * 1000) / 1000, jobId: r.jobId, ts: now.toISOString(),
            ...(ops.length ? { ops } : {}),
          });
        }
      }
    }
    this.remember(r, key);
    return events;
  }

  private remember(r: JobResult, key = baselineKey(r)): void {
    const hist = this.history.get(key) ?? {};
    for (const [name, get] of METRICS) {
      const arr = hist[name] ?? (hist[name] = []);
      arr.push(get(r));
      if (arr.length > this.cfg.baselineRuns) arr.splice(0, arr.length - this.cfg.baselineRuns);
    }
    this.history.set(key, hist);
    this.ops.remember(key, r);
  }
}
