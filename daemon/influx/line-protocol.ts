// A point as the line InfluxDB 1.x is sent, built ONCE when the point is committed (the point table
// stores the line, the writer posts stored lines as they are). Before this the table held each
// point as JSON and the writer parsed it back, checked it and had the `influx` client coerce and
// escape it again — about a tenth of the daemon's CPU per result, profiled.
//
// The line is byte for byte what the `influx` client's writePoints builds for the same point and
// schema (test/daemon/line-protocol.test.ts compares them): fields in sorted key order coerced by
// the schema's type (integers floored with an `i`, booleans T/F, strings quoted), tags in the
// point's order, keys and values escaped with the client's own escapers, the measurement as is
// (our measurement names are constants), the nanosecond timestamp last.
import { escape, FieldType, type IPoint } from 'influx';
import { schema } from './schema.ts';
import { checkPoint } from './line-safety.ts';

/** Per measurement: field types, field names in the client's (sorted) order, and the escaped
 * forms of its tag and field keys (constants: escaped once, not per point). */
interface Coercer { fields: Record<string, FieldType>; sortedFields: string[]; fieldKeys: Map<string, string>; tagKeys: Map<string, string> }

const coercers = new Map<string, Coercer>(schema.map((s) => [s.measurement, {
  fields: s.fields, sortedFields: Object.keys(s.fields).sort(),
  fieldKeys: new Map(Object.keys(s.fields).map((k) => [k, escape.tag(k)])), tagKeys: new Map(s.tags.map((t) => [t, escape.tag(t)])),
}]));

/** Escaped tag values: tags are few distinct values (boards, models, kinds — InfluxDB's series
 * cardinality depends on it), each escaped once. Bounded: cleared when full. */
const tagValues = new Map<string, string>();
function escapedTagValue(v: string): string {
  let e = tagValues.get(v);
  if (e === undefined) {
    if (tagValues.size >= 50_000) tagValues.clear();
    e = escape.tag(v);
    tagValues.set(v, e);
  }
  return e;
}

/** Why a field value cannot be written as the schema says, or its line-protocol form. */
function coerce(c: Coercer, measurement: string, key: string, v: unknown): string {
  switch (c.fields[key]) {
    case FieldType.STRING: return escape.quoted(String(v));
    case FieldType.INTEGER:
      if (typeof v !== 'number') throw new Error(`${measurement}.${key}: expected a number, got ${JSON.stringify(v)}`);
      return `${Math.floor(v)}i`;
    case FieldType.FLOAT:
      if (typeof v !== 'number') throw new Error(`${measurement}.${key}: expected a number, got ${JSON.stringify(v)}`);
      return String(v);
    case FieldType.BOOLEAN:
      if (typeof v !== 'boolean') throw new Error(`${measurement}.${key}: expected a boolean, got a ${typeof v}`);
      return v ? 'T' : 'F';
    default: throw new Error(`${measurement}: field ${key} is not in the schema`);
  }
}

/** The point's line, or why it cannot be sent (the line checks of line-safety.ts, then the schema). */
export function toLine(p: IPoint): { ok: true; line: string } | { ok: false; reason: string } {
  const c = checkPoint(p);
  if (!c.ok) return c;
  const point = c.point;
  const m = point.measurement!;
  const sc = coercers.get(m);
  if (!sc) return { ok: false, reason: `${m}: measurement is not in the schema` };
  let line = m;
  const tags = point.tags ?? {};
  for (const k in tags) {
    if (!Object.prototype.hasOwnProperty.call(tags, k)) continue;
    const key = sc.tagKeys.get(k);
    if (key === undefined) return { ok: false, reason: `${m}: tag ${k} is not in the schema` };
    line += `,${key}=${escapedTagValue(tags[k]!)}`;
  }
  const fields = point.fields!;
  let n = 0;
  try {
    for (const k of sc.sortedFields) {
      if (!Object.prototype.hasOwnProperty.call(fields, k)) continue;
      const v = fields[k];
      if (v === null || v === undefined) continue;
      line += `${n++ === 0 ? ' ' : ','}${sc.fieldKeys.get(k)!}=${coerce(sc, m, k, v)}`;
    }
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  for (const k in fields) {
    if (!Object.prototype.hasOwnProperty.call(sc.fields, k)) {
      return { ok: false, reason: `${m}: field(s) ${Object.keys(fields).filter((f) => !Object.prototype.hasOwnProperty.call(sc.fields, f)).join(', ')} not in the schema` };
    }
  }
  if (n === 0) return { ok: false, reason: `${m}: no fields` };
  const ts = point.timestamp;
  if (ts instanceof Date) {
    // As the client casts a Date at nanosecond precision (a NanoDate keeps its extra digits).
    const nano = (ts as Date & { getNanoTime?: () => string }).getNanoTime;
    line += ` ${nano ? nano.call(ts) : (BigInt(ts.getTime()) * 1_000_000n).toString()}`;
  } else if (ts !== undefined) line += ` ${String(ts)}`;
  return { ok: true, line };
}

/** The timestamp (ns, as written) of a line: its last space-separated token. */
export function lineTimestamp(line: string): string { return line.slice(line.lastIndexOf(' ') + 1); }
