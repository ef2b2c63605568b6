// Which op moved when a model's count moved: the regression detector keeps, per baseline key
// (model, board kind, backend, tiling, arithmetic), the last per-op counts of profiled results
// and names the ops whose count changed beyond the counter's resolution (or the threshold),
// largest change first. Ops are matched by graph index and kind, so a result whose compiled
// graph differs (another tiling of the same model is another key anyway) compares only the ops
// the two graphs share.
import type { JobResult, RegressionOpChange } from '../wire/mqtt.ts';

/** At most this many ops are named in one event (the largest changes). */
export const MAX_OPS_PER_EVENT = 5;

type Sample = Map<number, { kind: string; counts: number[] }>;

export class OpBaselines {
  private readonly byKey = new Map<string, Sample>();

  constructor(private readonly runs: number) {}

  remember(key: string, r: JobResult): void {
    const p = r.metrics?.profile;
    if (!p) return;
    const sample = this.byKey.get(key) ?? new Map();
    for (const o of p.ops) {
      const prev = sample.get(o.op);
      const entry = prev && prev.kind === o.kind ? prev : { kind: o.kind, counts: [] };
      entry.counts.push(o.count);
      if (entry.counts.length > this.runs) entry.counts.splice(0, entry.counts.length - this.runs);
      sample.set(o.op, entry);
    }
    this.byKey.set(key, sample);
  }

  /** Ops of `r` whose count differs from the median of their last counts by more than the
   * counter's resolution and by more than thresholdPct percent. */
  changed(key: string, r: JobResult, thresholdPct: number, median: (xs: number[]) => number): RegressionOpChange[] {
    const p = r.metrics?.profile;
    const sample = this.byKey.get(key);
    if (!p || !sample) return [];
    const out: RegressionOpChange[] = [];
    for (const o of p.ops) {
      const prev = sample.get(o.op);
      if (!prev || prev.kind !== o.kind || !prev.counts.length) continue;
      const baseline = median(prev.counts);
      const delta = o.count - baseline;
      const changePct = baseline === 0 ? (o.count === 0 ? 0 : 100) : (delta / baseline) * 100;
      if (Math.abs(delta) <= p.resolution || Math.abs(changePct) <= thresholdPct) continue;
      out.push({ op: o.op, kind: o.kind, baseline, value: o.count, changePct: Math.round(changePct * 1000) / 1000 });
    }
    return out.sort((a, b) => Math.abs(b.value - b.baseline) - Math.abs(a.value - a.baseline) || a.op - b.op).slice(0, MAX_OPS_PER_EVENT);
  }
}

/** " (ops: 12 CONV_2D 1000 -> 1200, ...)" for an event that names ops, "" otherwise. */
export function opsText(ev: { ops?: RegressionOpChange[] }): string {
  if (!ev.ops?.length) return '';
  return ` (ops: ${ev.ops.map((o) => `${o.op} ${o.kind} ${o.baseline} -> ${o.value}`).join(', ')})`;
}
