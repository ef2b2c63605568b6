// What InfluxDB 1.x line protocol can carry, checked before a point is sent. The `influx` client
// escapes commas, spaces, equals signs and quotes, but some values have no escaped form at all:
// a tag value (or key, or measurement) with a line break or another control character, a tag
// value ending in a backslash (it escapes the separator after it), an empty tag value, a
// non-finite number, a non-integer in an integer field. Such a point would make InfluxDB answer
// `400 unable to parse` for its whole batch, so it is refused here with the reason, and the
// writer sets it aside (dead letter) instead of sending it.
import { FieldType, type IPoint } from 'influx';
import { schema } from './schema.ts';

const CONTROL = /[\u0000-\u001f\u007f]/;
/** InfluxDB 1.x refuses string field values longer than 64 KiB. */
const MAX_STRING_FIELD = 64 * 1024 - 1;
/** 2^63: an integer double fits a signed 64-bit integer iff its magnitude is below this (the
 * doubles next to it are 1,024 apart, so no double lies between 2^63 - 1 and 2^63); compared as
 * a number, not through BigInt — this runs for every integer field of every point. */
const INT64_LIMIT = 2 ** 63;

const fieldTypes = new Map(schema.map((s) => [s.measurement, s.fields]));
/** The schema's own names (measurements, tag and field keys) pass the name checks: checked once here
 * rather than for every point — this runs for every point of every result. */
const knownTagKeys = new Map(schema.map((s) => [s.measurement, new Set(s.tags)]));
for (const s of schema) {
  for (const name of [s.measurement, ...s.tags, ...Object.keys(s.fields)]) {
    if (nameProblem('name', name)) throw new Error(`schema name ${JSON.stringify(name)} cannot be written: ${nameProblem('name', name)}`);
  }
}
/** Tag values that passed the checks: tags are few distinct values (boards, models, kinds), each
 * checked once. Bounded: cleared when full. */
const goodTagValues = new Set<string>();

function nameProblem(what: string, s: unknown): string | undefined {
  if (typeof s !== 'string' || s === '') return `${what} is empty`;
  if (CONTROL.test(s)) return `${what} ${JSON.stringify(s.slice(0, 80))} has a control character (line protocol has no escape for it)`;
  if (s.endsWith('\\')) return `${what} ${JSON.stringify(s.slice(0, 80))} ends in a backslash (line protocol has no escape for it)`;
  return undefined;
}

function bad(p: IPoint, reason: string): { ok: false; reason: string } {
  return { ok: false, reason: `${p.measurement ?? '(no measurement)'}: ${reason}` };
}

/** The point made safe (empty tags dropped: InfluxDB reads an absent tag as empty), or why it cannot be sent. */
export function checkPoint(p: IPoint): { ok: true; point: IPoint } | { ok: false; reason: string } {
  const types = fieldTypes.get(p.measurement!);
  if (!types) {
    const m = nameProblem('measurement', p.measurement);
    if (m) return bad(p, m);
  }
  const tagKeys = knownTagKeys.get(p.measurement!);
  const tags: Record<string, string> = {};
  const given = p.tags ?? {};
  for (const k in given) {
    if (!Object.prototype.hasOwnProperty.call(given, k)) continue;
    const v = given[k];
    if (v === undefined || v === null || v === '') continue;
    const value = String(v);
    if (!goodTagValues.has(value) || !tagKeys?.has(k)) {
      const problem = (tagKeys?.has(k) ? undefined : nameProblem(`tag key`, k)) ?? nameProblem(`tag ${k}`, value);
      if (problem) return bad(p, problem);
      if (goodTagValues.size >= 50_000) goodTagValues.clear();
      goodTagValues.add(value);
    }
    tags[k] = value;
  }
  const fields = p.fields ?? {};
  let any = false;
  for (const k in fields) if (Object.prototype.hasOwnProperty.call(fields, k)) { any = true; break; }
  if (!any) return bad(p, 'no fields');
  for (const k in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, k)) continue;
    const v = fields[k];
    if (!types || !Object.prototype.hasOwnProperty.call(types, k)) {
      const kp = nameProblem('field key', k);
      if (kp) return bad(p, kp);
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return bad(p, `field ${k} is ${v}`);
      if (types?.[k] === FieldType.INTEGER && (!Number.isInteger(v) || Math.abs(v) >= INT64_LIMIT)) return bad(p, `field ${k} = ${v} is not a 64-bit integer`);
    } else if (typeof v === 'string') {
      // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no count.
      if (v.length * 3 > MAX_STRING_FIELD && Buffer.byteLength(v) > MAX_STRING_FIELD) return bad(p, `field ${k} is ${Buffer.byteLength(v)} bytes, more than InfluxDB's 64 KiB`);
      if (types?.[k] === FieldType.INTEGER || types?.[k] === FieldType.FLOAT) return bad(p, `field ${k} should be a number, is a string`);
    } else if (typeof v !== 'boolean') {
      return bad(p, `field ${k} has type ${v === null ? 'null' : typeof v}`);
    }
  }
  if (p.timestamp !== undefined && !(typeof p.timestamp === 'string' ? /^-?\d{1,19}$/.test(p.timestamp) : true)) return bad(p, `timestamp ${String(p.timestamp)} is not a nanosecond count`);
  return { ok: true, point: { ...p, tags } };
}
