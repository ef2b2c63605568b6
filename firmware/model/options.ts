// Builtin option tables <-> IR op options, both directions driven by OPTION_FIELDS in schema.ts
// so the field layout is written down exactly once.
import type { Builder } from 'flatbuffers';
import { ModelError, type OpKind, type OpOptionsMap } from '../ir/graph.ts';
import type { FbTable } from './fb-view.ts';
import { ACTIVATION, OPTION_FIELDS, OPTIONS_TYPE, PADDING, type OptionField } from './schema.ts';

/** Reads an op's options; an absent table gives the schema defaults. */
export function readOptions<K extends OpKind>(kind: K, table: FbTable | undefined, opIndex: number): OpOptionsMap[K] {
  const out: Record<string, unknown> = {};
  for (const f of OPTION_FIELDS[kind] ?? []) out[f.key] = readField(f, table, kind, opIndex);
  return out as OpOptionsMap[K];
}

function readField(f: OptionField, t: FbTable | undefined, kind: OpKind, opIndex: number): unknown {
  const where = `${kind} option ${f.key}`;
  switch (f.type) {
    case 'int32': return t ? t.i32(f.slot, f.def ?? 0) : (f.def ?? 0);
    case 'bool': return t ? t.bool(f.slot) : false;
    case 'float32': return t ? t.f32(f.slot) : 0;
    case 'padding': {
      const v = t ? t.i8(f.slot) : 0;
      const p = PADDING[v];
      if (!p) throw new ModelError(`op ${opIndex} (${kind}): invalid padding value ${v}`, { op: opIndex, opKind: kind });
      return p;
    }
    case 'activation': {
      const v = t ? t.i8(f.slot) : 0;
      const a = ACTIVATION[v];
      if (!a) throw new ModelError(`op ${opIndex} (${kind}): invalid fused activation value ${v}`, { op: opIndex, opKind: kind });
      return a;
    }
    case 'int32[]': return (t && t.i32s(f.slot, where)) ?? [];
    case 'int32[]?': return t ? t.i32s(f.slot, where) : undefined;
  }
}

/** Writes an op's options table; returns [union type, table offset] (0, 0 when the op has none). */
export function writeOptions(b: Builder, kind: OpKind, options: object): [number, number] {
  const type = OPTIONS_TYPE[kind];
  if (type === 0) return [0, 0];
  const fields = OPTION_FIELDS[kind] ?? [];
  const opts = options as Record<string, unknown>;
  // Vectors must be finished before the table that points to them is started.
  const vectors = new Map<string, number>();
  for (const f of fields) {
    if (f.type !== 'int32[]' && f.type !== 'int32[]?') continue;
    const v = opts[f.key];
    if (v === undefined) continue;
    if (!Array.isArray(v)) throw new ModelError(`${kind} option ${f.key} must be an array`);
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i] as number);
    vectors.set(f.key, b.endVector());
  }
  b.startObject(fields.reduce((n, f) => Math.max(n, f.slot + 1), 0));
  for (const f of fields) {
    const v = opts[f.key];
    switch (f.type) {
      case 'int32': b.addFieldInt32(f.slot, num(kind, f, v), f.def ?? 0); break;
      case 'bool': b.addFieldInt8(f.slot, v ? 1 : 0, 0); break;
      case 'float32': b.addFieldFloat32(f.slot, num(kind, f, v), 0); break;
      case 'padding': b.addFieldInt8(f.slot, enumIndex(PADDING, kind, f, v), 0); break;
      case 'activation': b.addFieldInt8(f.slot, enumIndex(ACTIVATION, kind, f, v), 0); break;
      default: {
        const off = vectors.get(f.key);
        if (off !== undefined) b.addFieldOffset(f.slot, off, 0);
      }
    }
  }
  return [type, b.endObject()];
}

function num(kind: OpKind, f: OptionField, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelError(`${kind} option ${f.key} must be a number, got ${String(v)}`);
  return v;
}

function enumIndex(values: readonly string[], kind: OpKind, f: OptionField, v: unknown): number {
  const i = values.indexOf(v as string);
  if (i < 0) throw new ModelError(`${kind} option ${f.key}: invalid value ${String(v)} (expected one of ${values.join(', ')})`);
  return i;
}
