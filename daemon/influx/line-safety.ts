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

function nameProblem(what: string, s: unknown): string | undefined {
  if (typeof s !== 'string' || s === '') return `${what} is empty`;
  if (CONTROL.test(s)) return `${what} ${JSON.stringify(s.slice(0, 80))} has a control character (line protocol has no escape for it)`;
  if (s.endsWith('\\')) return `${what} ${JSON.stringify(s.slice(0, 80))} ends in a backslash (line protocol has no escape for it)`;
  return undefined;
}

/** The point made safe (empty tags dropped: InfluxDB reads an absent tag as empty), or why it cannot be sent. */
export function checkPoint(p: IPoint): { ok: true; point: IPoint } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason: `${p.measurement ?? '(no measurement)'}: ${reason}` });
  const m = nameProblem('measurement', p.measurement);
  if (m) return bad(m);
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.tags ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    const problem = nameProblem(`tag key`, k) ?? nameProblem(`tag ${k}`, String(v));
    if (problem) return bad(problem);
    tags[k] = String(v);
  }
  const types = fieldTypes.get(p.measurement!);
  const fields = p.fields ?? {};
  if (!Object.keys(fields).length) return bad('no fields');
  for (const [k, v] of Object.entries(fields)) {
    const kp = nameProblem('field key', k);
    if (kp) return bad(kp);
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return bad(`field ${k} is ${v}`);
      if (types?.[k] === FieldType.INTEGER && (!Number.isInteger(v) || Math.abs(v) >= INT64_LIMIT)) return bad(`field ${k} = ${v} is not a 64-bit integer`);
    } else if (typeof v === 'string') {
      if (Buffer.byteLength(v) > MAX_STRING_FIELD) return bad(`field ${k} is ${Buffer.byteLength(v)} bytes, more than InfluxDB's 64 KiB`);
      if (types?.[k] === FieldType.INTEGER || types?.[k] === FieldType.FLOAT) return bad(`field ${k} should be a number, is a string`);
    } else if (typeof v !== 'boolean') {
      return bad(`field ${k} has type ${v === null ? 'null' : typeof v}`);
    }
  }
  if (p.timestamp !== undefined && !(typeof p.timestamp === 'string' ? /^-?\d{1,19}$/.test(p.timestamp) : true)) return bad(`timestamp ${String(p.timestamp)} is not a nanosecond count`);
  return { ok: true, point: { ...p, tags } };
}
