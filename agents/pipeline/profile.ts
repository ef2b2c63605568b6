// A profiled job's per-op counts, from the run's records to the result's metrics.profile: the
// same join (firmware PROFOP counts + the build's op table) as `tinyrack run --profile`
// (firmware/runner/profile.ts), cut down to the bounded wire form (wire/profile.ts).
import type { BoardDefinition } from '../../boards/types.ts';
import type { OpInfo } from '../../firmware/ir/op-table.ts';
import { buildProfile } from '../../firmware/runner/profile.ts';
import { assembleReport } from '../../wire/report.ts';
import type { SerialRecord } from '../../wire/serial.ts';
import type { ResultProfile } from '../../wire/profile.ts';

/** What the build step keeps for a profiled firmware. */
export interface ProfileBuildInfo {
  ops: OpInfo[];
  board: Pick<BoardDefinition, 'counter' | 'clockHz'>;
}

/** The wire profile of a run, undefined when the firmware printed none; throws when the
 * firmware's counts do not describe the compiled graph. */
export function resultProfile(records: readonly SerialRecord[], info: ProfileBuildInfo | undefined): ResultProfile | undefined {
  const report = assembleReport(records);
  const fw = report.profile;
  if (!fw || !info) return undefined;
  const bad = report.problems.filter((p) => /PROF/.test(p));
  if (bad.length) throw new Error(bad.join('; '));
  const p = buildProfile(fw, info.ops, info.board);
  return { resolution: p.resolution, ops: p.ops.map((o) => ({ op: o.op, kind: o.kind, macs: o.macs, count: o.count })) };
}

/** Sets metrics.profile for a profiled job; a profile that cannot be read is withheld with a
 * log line (the counts stand: they come from the INF records, not from the profile). */
export function addResultProfile(metrics: { profile?: ResultProfile }, records: readonly SerialRecord[], info: ProfileBuildInfo | undefined, log: (m: string) => void): void {
  try {
    const p = resultProfile(records, info);
    if (p) metrics.profile = p;
    else if (info) log('per-op profile withheld: the firmware printed none');
  } catch (err) {
    log(`per-op profile withheld: ${(err as Error).message}`);
  }
}
