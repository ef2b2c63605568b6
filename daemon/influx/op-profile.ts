// op_profile points for a profiled result (measurement and tags: op-profile-schema.ts). Kept
// apart from resultPoint so whichever module writes a result's points calls it beside it:
//   points.push(resultPoint(r, suite), ...opProfilePoints(r, suite))
import type { IPoint } from 'influx';
import { arithmeticOf, type JobResult } from '../../wire/mqtt.ts';
import { OP_PROFILE_MEASUREMENT } from './op-profile-schema.ts';
import { stableTimestamp } from './schema.ts';

export function opProfilePoints(r: JobResult, suite: string | undefined): IPoint[] {
  const m = r.metrics;
  if (!r.ok || !m?.profile) return [];
  const total = m.profile.ops.reduce((a, o) => a + o.count, 0);
  const ms = Date.parse(r.finishedAt) || Date.now();
  return m.profile.ops.map((o) => ({
    measurement: OP_PROFILE_MEASUREMENT,
    tags: {
      model: r.model, board_kind: r.boardKind, backend: r.backend, tiling: r.tiling, arithmetic: arithmeticOf(r),
      op: String(o.op), op_kind: o.kind, suite: suite ?? 'adhoc', counter: m.counter,
    },
    fields: {
      count: o.count, macs: o.macs, share: total > 0 ? o.count / total : 0, job_id: r.jobId,
      ...(o.macs > 0 ? { per_mac: o.count / o.macs } : {}),
    },
    timestamp: stableTimestamp(ms, `op:${r.jobId}:${o.op}`),
  }));
}
