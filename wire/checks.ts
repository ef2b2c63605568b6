// The building blocks of the payload validators (wire/mqtt.ts, wire/firmware-image.ts): small
// checks that each push reasons for one value, composed into payload shapes. Every check also
// carries, at the type level only, the TypeScript type of what it accepts, so a payload's type is
// read off its shape (`Infer<typeof shape>`) and never written a second time as an interface:
// a field added to a shape is in the type, a field missing from it is refused on the wire and
// unknown to the compiler alike.
//
// Every check also bounds what it accepts (wire/edge.ts): string lengths, array lengths, map sizes,
// ids by the safe-id rule, no control characters, whole payloads by bytes, strict UTF-8, unknown
// fields refused (nothing unvalidated is copied into journals, replies or InfluxDB).

import { CLOCK_WINDOW, decodeUtf8, inClockWindow, isSafeId, LIMITS, SAFE_ID_RULE, textProblem } from './edge.ts';

export const WIRE_VERSION = 1;

// Type-level marks only: no check object has these properties at run time.
declare const ACCEPTS: unique symbol;
declare const OPTIONAL: unique symbol;

/** Pushes to `errors` why `v` (at `path`) is not a T; pushes nothing when it is. Never throws. */
export type Check<T = unknown> = ((v: unknown, path: string, errors: string[]) => void) & { readonly [ACCEPTS]?: T };
/** A check that also accepts an absent value: its field is optional in the inferred type. */
export type Optional<T> = Check<T> & { readonly [OPTIONAL]: true };
type Field<T, O extends boolean> = O extends true ? Optional<T> : Check<T>;
type AnyCheck = Check<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The type a check accepts. */
export type Infer<C> = C extends Check<infer T> ? T : never;

/** A payload shape: field name → its check. */
export type Shape = Record<string, AnyCheck>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly [OPTIONAL]: true } ? K : never }[keyof S];
/** The object type a shape accepts: required fields as such, optional checks as `field?:`. */
export type ObjectOf<S extends Shape> = Flat<
  { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } &
  { -readonly [K in OptionalKeys<S>]?: Infer<S[K]> }
>;
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** Gives a hand-written check (a rule no combinator states) the type it proves. */
export function typed<T>(check: (v: unknown, path: string, errors: string[]) => void): Check<T>;
export function typed<T>(check: (v: unknown, path: string, errors: string[]) => void, opt: true): Optional<T>;
export function typed<T>(check: (v: unknown, path: string, errors: string[]) => void, opt = false): Check<T> {
  return opt ? (v, p, e) => { if (v !== undefined) check(v, p, e); } : check;
}

/** A non-empty single-line string of at most `maxChars`. */
export const str = <O extends boolean = false>(opt?: O, maxChars: number = LIMITS.stringChars): Field<string, O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string' || v.length === 0) { e.push(`${p} must be a non-empty string`); return; }
  const why = textProblem(v, maxChars);
  if (why) e.push(`${p} ${why}`);
}) as Field<string, O>;
/** Free text (an error, a progress message): may be empty, may have line breaks. */
export const text = <O extends boolean = false>(opt?: O): Field<string, O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string') { e.push(`${p} must be a string`); return; }
  const why = textProblem(v, LIMITS.textChars, true);
  if (why) e.push(`${p} ${why}`);
}) as Field<string, O>;
/** An id that may become a file name, a topic level or a tag (wire/edge.ts SAFE_ID). */
export const id = <O extends boolean = false>(opt?: O): Field<string, O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string' || v.length === 0) e.push(`${p} must be a non-empty string`);
  else if (!isSafeId(v)) e.push(`${p} must be an id of ${SAFE_ID_RULE}`);
}) as Field<string, O>;
export const int = <O extends boolean = false>(min: number, max: number, opt?: O): Field<number, O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) e.push(`${p} must be an integer in [${min}, ${max}]`);
}) as Field<number, O>;
export const num = <O extends boolean = false>(opt?: O): Field<number, O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) e.push(`${p} must be a finite number`);
}) as Field<number, O>;
export const nonNegative: Check<number> = (v, p, e) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) e.push(`${p} must be a finite number >= 0`);
};
export const bool = <O extends boolean = false>(opt?: O): Field<boolean, O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'boolean') e.push(`${p} must be true or false`);
}) as Field<boolean, O>;
/** One of a list of names (usually a wire/vocabulary.ts list): its type is the names' union. */
export const oneOf = <const V extends readonly string[], O extends boolean = false>(values: V, opt?: O): Field<V[number], O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string' || !values.includes(v)) e.push(`${p} must be one of ${values.join(', ')}`);
}) as Field<V[number], O>;
/** An object of exactly these fields: unknown fields are refused. */
export const obj = <S extends Shape, O extends boolean = false>(shape: S, opt?: O): Field<ObjectOf<S>, O> => {
  // The shape's fields, listed once: every payload runs this check (every result, at thousands a second).
  const keys = Object.keys(shape);
  const checks = keys.map((k) => shape[k]!);
  // The fields' paths under the last parent path: an object of a payload sits at the same path in
  // every payload, so its fields' paths are made once instead of a string per field per payload.
  let lastParent: string | undefined;
  let paths: string[] = [];
  return ((v, p, e) => {
    if (v === undefined && opt) return;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) { e.push(`${p} must be an object`); return; }
    for (const k of Object.keys(v)) {
      if (!Object.hasOwn(shape, k)) e.push(`${p}.${k.length > 64 ? `${k.slice(0, 64)}...` : k} is not a known field`);
    }
    if (p !== lastParent) { paths = keys.map((k) => `${p}.${k}`); lastParent = p; }
    for (let i = 0; i < keys.length; i++) checks[i]!((v as Record<string, unknown>)[keys[i]!], paths[i]!, e);
  }) as Field<ObjectOf<S>, O>;
};
export const arr = <I extends AnyCheck, O extends boolean = false>(item: I, opt?: O, maxItems: number = LIMITS.arrayItems): Field<Infer<I>[], O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (!Array.isArray(v)) { e.push(`${p} must be an array`); return; }
  if (v.length > maxItems) { e.push(`${p} has ${v.length} items, more than ${maxItems}`); return; }
  v.forEach((x, i) => item(x, `${p}[${i}]`, e));
}) as Field<Infer<I>[], O>;
/** Tags: safe-id keys, short single-line values, a bounded number of entries. */
export const strMap = <O extends boolean = false>(opt?: O): Field<Record<string, string>, O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'object' || v === null || Array.isArray(v) ||
      Object.values(v).some((x) => typeof x !== 'string')) { e.push(`${p} must be an object of strings`); return; }
  const entries = Object.entries(v as Record<string, string>);
  if (entries.length > LIMITS.tagEntries) { e.push(`${p} has ${entries.length} entries, more than ${LIMITS.tagEntries}`); return; }
  for (const [k, x] of entries) {
    if (!isSafeId(k)) e.push(`${p} key ${JSON.stringify(String(k).slice(0, 64))} must be an id of ${SAFE_ID_RULE}`);
    const why = textProblem(x, LIMITS.tagValueChars);
    if (why) e.push(`${p}.${isSafeId(k) ? k : '?'} ${why}`);
  }
}) as Field<Record<string, string>, O>;
/** An ISO 8601 time that Date.parse understands (a sample's time goes into InfluxDB as is). */
export const isoTime = <O extends boolean = false>(opt?: O): Field<string, O> => ((v, p, e) => {
  if (v === undefined && opt) return;
  if (typeof v !== 'string' || v.length > 64 || !/^\d{4}-\d\d-\d\dT/.test(v) || Number.isNaN(Date.parse(v))) e.push(`${p} must be an ISO 8601 time`);
}) as Field<string, O>;
export const version: Check<typeof WIRE_VERSION> = (v, p, e) => { if (v !== WIRE_VERSION) e.push(`${p} must be ${WIRE_VERSION}`); };
/** Base64 text, optional: its size is bounded by the whole payload's (the daemon's upload limit). */
export const base64: Optional<string> = ((v, p, e) => {
  if (v === undefined) return;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) e.push(`${p} is not valid base64`);
}) as Optional<string>;
/** A sha256 in hex, optional. */
export const sha256: Optional<string> = ((v, p, e) => {
  if (v === undefined) return;
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) e.push(`${p} must be 64 hex digits`);
}) as Optional<string>;

/** Runs two checks on the same value (shape first, then rules across fields, which may then
 * trust the shape's type). */
export const both = <C extends AnyCheck>(a: C, b: (v: Infer<C>, path: string, errors: string[]) => void): C => ((v, p, e) => {
  const n = e.length; a(v, p, e); if (e.length === n) b(v as Infer<C>, p, e);
}) as C;

/** `notes`: what the validator changed and why (a time outside the clock window is replaced by
 * the receive time); the receiver logs or counts them. `text` (asked for with `keepText`): the JSON
 * text the value was parsed from, when the payload came as bytes or text and the value is exactly
 * what it says (nothing replaced) — a receiver that stores the value as JSON keeps the text instead
 * of serializing it again. */
export type Validated<T> = { ok: true; value: T; notes?: string[]; text?: string } | { ok: false; errors: string[] };

/** What a validator needs from the receiver: its clock, and a payload bound other than the default. */
export interface ValidateOptions { now?: number; maxBytes?: number; keepText?: boolean }

/** Times a payload carries that end up as InfluxDB timestamps or in ordering decisions: a value
 * outside the receiver's clock window (wire/edge.ts) is replaced by the receive time, and a note
 * says so. Paths are field names, `[]` stepping into every item of an array. */
type TimeFields = string[];

/** The time fields' paths, split once per validator (not per payload: this runs for every result). */
function clampTimes(v: unknown, fields: readonly (readonly string[])[], now: number, notes: string[]): void {
  for (const parts of fields) clampAt(v, parts, 0, 'payload', now, notes);
}

function clampAt(node: unknown, parts: readonly string[], i: number, path: string, now: number, notes: string[]): void {
  if (node === null || typeof node !== 'object') return;
  const head = parts[i]!;
  if (head === '[]') {
    if (Array.isArray(node)) for (let k = 0; k < node.length; k++) clampAt(node[k], parts, i + 1, `${path}[${k}]`, now, notes);
    return;
  }
  const rec = node as Record<string, unknown>;
  if (i + 1 < parts.length) { clampAt(rec[head], parts, i + 1, `${path}.${head}`, now, notes); return; }
  const t = rec[head];
  if (typeof t === 'string' && !inClockWindow(Date.parse(t), now)) {
    const nowIso = new Date(now).toISOString();
    notes.push(`${path}.${head} ${t} is outside the receiver's clock window (-${CLOCK_WINDOW.pastMs / 86_400_000} d, +${CLOCK_WINDOW.futureMs / 60_000} min): replaced by the receive time ${nowIso}`);
    rec[head] = nowIso;
  }
}

/** A whole-payload validator: bytes or text or a parsed value in, the typed value or a list of
 * reasons out; it never throws. */
export function validator<T>(check: Check<T>, times: TimeFields = [], defaultMaxBytes: number = LIMITS.payloadBytes): (raw: unknown, opts?: ValidateOptions) => Validated<T> {
  const timePaths = times.map((f) => f.split('.'));
  return (raw, opts = {}) => {
    let v = raw;
    const maxBytes = opts.maxBytes ?? defaultMaxBytes;
    // Bytes are counted once: as bytes when they come as bytes, else the string's UTF-8 length.
    let counted = false;
    if (raw instanceof Uint8Array) {
      if (raw.length > maxBytes) return { ok: false, errors: [`payload is ${raw.length} bytes, more than ${maxBytes}`] };
      const s = decodeUtf8(raw);
      if (s === undefined) return { ok: false, errors: ['payload is not valid UTF-8'] };
      raw = s;
      counted = true;
    }
    let text: string | undefined;
    if (typeof raw === 'string') {
      if (!counted && Buffer.byteLength(raw) > maxBytes) return { ok: false, errors: [`payload is ${Buffer.byteLength(raw)} bytes, more than ${maxBytes}`] };
      // Deep nesting throws a RangeError here, caught like any other parse error.
      try { v = JSON.parse(raw); } catch (err) { return { ok: false, errors: [`payload is not JSON: ${(err as Error).message}`] }; }
      text = raw;
    }
    const errors: string[] = [];
    check(v, 'payload', errors);
    if (errors.length) return { ok: false, errors: errors.length > 20 ? [...errors.slice(0, 20), `and ${errors.length - 20} more`] : errors };
    const notes: string[] = [];
    // A caller's own object is never changed: replacements go into a copy.
    if (times.length && v === raw && typeof v === 'object') v = structuredClone(v);
    clampTimes(v, timePaths, opts.now ?? Date.now(), notes);
    if (notes.length) return { ok: true, value: v as T, notes };
    return text === undefined || !opts.keepText ? { ok: true, value: v as T } : { ok: true, value: v as T, text };
  };
}
