// The per-op profile on the wire (an optional field of ResultMetrics): one entry per op of the
// compiled graph, in execution order, with the counter units it took. Bounded, so a result
// cannot grow without limit: at most MAX_PROFILE_OPS ops (about 60 bytes of JSON each, so a
// full profile stays far inside an MQTT payload; the models of the set have 4 to 31 ops
// untiled, a few dozen more tiled), kinds are TFLite builtin-style names.

export const MAX_PROFILE_OPS = 1024;
const KIND = /^[A-Z][A-Z0-9_]{0,47}$/;

export interface ProfileOpOnWire {
  /** Graph op index (of the graph that was compiled, after tiling). */
  op: number;
  kind: string;
  macs: number;
  /** Counter units spent in the op (ResultMetrics.counter), the counter read's cost taken off. */
  count: number;
}

export interface ResultProfile {
  /** The counter's step: every op count is within one step of the truth (40 on QEMU mps2-an386). */
  resolution: number;
  ops: ProfileOpOnWire[];
}

const isInt = (v: unknown, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/** Reasons `v` is not a ResultProfile (empty when it is). Never throws. */
export function profileErrors(v: unknown, p: string): string[] {
  const e: string[] = [];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [`${p} must be an object`];
  const r = v as { resolution?: unknown; ops?: unknown };
  if (!isInt(r.resolution, 1e9) || r.resolution < 1) e.push(`${p}.resolution must be an integer in [1, 1e9]`);
  if (!Array.isArray(r.ops)) return [...e, `${p}.ops must be an array`];
  if (r.ops.length > MAX_PROFILE_OPS) return [...e, `${p}.ops has ${r.ops.length} entries (at most ${MAX_PROFILE_OPS})`];
  const seen = new Set<number>();
  r.ops.forEach((o: unknown, i) => {
    const q = `${p}.ops[${i}]`;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) { e.push(`${q} must be an object`); return; }
    const x = o as Record<string, unknown>;
    if (!isInt(x.op, MAX_PROFILE_OPS * 16)) e.push(`${q}.op must be an integer in [0, ${MAX_PROFILE_OPS * 16}]`);
    else if (seen.has(x.op)) e.push(`${q}.op ${x.op} appears twice`);
    else seen.add(x.op);
    if (typeof x.kind !== 'string' || !KIND.test(x.kind)) e.push(`${q}.kind must match ${KIND}`);
    if (!isInt(x.macs)) e.push(`${q}.macs must be a non-negative integer`);
    if (!isInt(x.count)) e.push(`${q}.count must be a non-negative integer`);
    if (e.length > 20) return;
  });
  return e.slice(0, 20);
}

// ---------------------------------------------------------------------------------------------
// The PROF / PROFOP records (docs/serial-format.md) as they come off the board, before the join
// with the op table (firmware/runner/profile.ts). wire/report.ts hands each such record here.

/** One PROFOP record: the counter difference across op `op` (n-th in execution order). */
export interface ProfileOpCount {
  n: number;
  op: number;
  kind: string;
  /** Counter units, one counter read included (see FirmwareProfile.readCost). */
  count: number;
}

/** The PROF record and its PROFOP records: per-op counts of the last timed inference. */
export interface FirmwareProfile {
  /** Ops the firmware announced (the PROFOP records expected). */
  opsAnnounced: number;
  /** What one counter read costs, counter units (cost / reads: may be fractional). */
  readCost: number;
  ops: ProfileOpCount[];
}

interface ProfileRecord { seq: number; type: string; fields: Record<string, string> }

/** Folds one PROF or PROFOP record into the profile being assembled (a PROF starts a new one). */
export function addProfileRecord(p: FirmwareProfile | undefined, rec: ProfileRecord, bad: (what: string) => void): FirmwareProfile | undefined {
  const f = rec.fields;
  if (rec.type === 'PROF') return { opsAnnounced: Number(f.ops), readCost: Number(f.cost) / Number(f.reads), ops: [] };
  if (!p) { bad(`PROFOP record (seq ${rec.seq}) before any PROF record`); return p; }
  p.ops.push({ n: Number(f.n), op: Number(f.op), kind: f.kind ?? '', count: Number(f.count) });
  return p;
}

/** Why an assembled profile cannot be used (empty when it can). */
export function profileProblems(p: FirmwareProfile): string[] {
  const out: string[] = [];
  if (!Number.isInteger(p.opsAnnounced) || p.opsAnnounced < 0 || !Number.isFinite(p.readCost) || p.readCost < 0) out.push('malformed PROF record');
  else if (p.ops.length !== p.opsAnnounced) out.push(`${p.ops.length} of ${p.opsAnnounced} PROFOP records`);
  if (p.ops.some((o, k) => o.n !== k || !Number.isInteger(o.op) || o.op < 0 || !Number.isInteger(o.count) || o.count < 0 || !KIND.test(o.kind))) {
    out.push('malformed or out-of-order PROFOP record');
  }
  return out;
}
