// C source text helpers for the generators: exact literals and const array definitions.
// Output must be byte-for-byte deterministic (the build cache keys on it), so nothing here
// depends on iteration order of maps or on the locale.
import type { DType, Tensor } from '../../ir/graph.ts';

/** An int32 literal that is valid C for every value (INT32_MIN has no literal). */
export function cInt(v: number): string {
  if (!Number.isInteger(v)) throw new Error(`not an integer: ${v}`);
  if (v === -2147483648) return '(-2147483647 - 1)';
  return String(v);
}

/** A float32 literal that round-trips exactly (9 significant digits), infinities via builtins. */
export function cFloat(v: number): string {
  const f = Math.fround(v);
  if (f === Infinity) return '__builtin_inff()';
  if (f === -Infinity) return '(-__builtin_inff())';
  if (Number.isNaN(f)) return '__builtin_nanf("")';
  if (Object.is(f, -0)) return '-0.0f';
  let s = f.toPrecision(9);
  if (!s.includes('e') && !s.includes('.')) s += '.';
  return `${s}f`;
}

export function cString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/** A C identifier derived from free text (tensor names), prefixed to stay unique. */
export function cIdent(prefix: string, id: number): string {
  return `${prefix}${id}`;
}

export const C_TYPE: Record<DType, string> = {
  float32: 'float', int8: 'int8_t', uint8: 'uint8_t', int16: 'int16_t', int32: 'int32_t',
  int64: 'int64_t', bool: 'uint8_t',
};

/** Comma-separated values, 16 per line (keeps generated files diffable). */
export function joinValues(values: readonly string[], perLine = 16): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) lines.push(`  ${values.slice(i, i + perLine).join(', ')}`);
  return lines.join(',\n');
}

export function intArray(name: string, ctype: string, values: ArrayLike<number>, qualifiers = 'static const'): string {
  const vals = Array.from(values, (v) => cInt(v));
  if (vals.length === 0) vals.push('0');
  return `${qualifiers} ${ctype} ${name}[${vals.length}] __attribute__((aligned(4))) = {\n${joinValues(vals)}\n};\n`;
}

export function floatArray(name: string, values: ArrayLike<number>, qualifiers = 'static const'): string {
  const vals = Array.from(values, (v) => cFloat(v));
  if (vals.length === 0) vals.push('0.0f');
  return `${qualifiers} float ${name}[${vals.length}] __attribute__((aligned(4))) = {\n${joinValues(vals, 8)}\n};\n`;
}

/** Decodes a constant tensor's little-endian bytes into plain numbers (int64 via Number). */
export function constValues(t: Tensor): number[] {
  const d = t.data;
  if (!d) throw new Error(`tensor "${t.name}" is not constant`);
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const out: number[] = [];
  switch (t.dtype) {
    case 'float32': for (let i = 0; i + 4 <= d.byteLength; i += 4) out.push(view.getFloat32(i, true)); break;
    case 'int8': for (let i = 0; i < d.byteLength; i++) out.push(view.getInt8(i)); break;
    case 'uint8': case 'bool': for (let i = 0; i < d.byteLength; i++) out.push(view.getUint8(i)); break;
    case 'int16': for (let i = 0; i + 2 <= d.byteLength; i += 2) out.push(view.getInt16(i, true)); break;
    case 'int32': for (let i = 0; i + 4 <= d.byteLength; i += 4) out.push(view.getInt32(i, true)); break;
    case 'int64': for (let i = 0; i + 8 <= d.byteLength; i += 8) out.push(Number(view.getBigInt64(i, true))); break;
  }
  return out;
}

/** A const array definition holding a constant tensor's data in its own C type. */
export function constTensorArray(name: string, t: Tensor): string {
  const values = constValues(t);
  if (t.dtype === 'float32') return floatArray(name, values);
  if (t.dtype === 'int64') {
    const vals = values.map((v) => `${v}LL`);
    return `static const int64_t ${name}[${Math.max(1, vals.length)}] __attribute__((aligned(8))) = {\n${joinValues(vals.length ? vals : ['0'])}\n};\n`;
  }
  return intArray(name, C_TYPE[t.dtype], values);
}
