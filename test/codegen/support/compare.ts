// Comparison of C outputs with the reference interpreter: integers exactly, float32 within a
// relative tolerance (1e-5; an absolute floor of 1e-6 for values near zero).
import { DTYPE_BYTES, numElements, type Graph, type Tensor } from '../../../firmware/ir/graph.ts';
import type { TensorData } from '../../../firmware/interp/interpreter.ts';
import { typedView } from '../../../firmware/interp/tensor-data.ts';

export const FLOAT_REL_TOL = 1e-5;

/** Decodes raw C output bytes as the tensor's dtype. */
export function decode(t: Tensor, bytes: Uint8Array): TensorData {
  return typedView(t.dtype, new Uint8Array(bytes).buffer);
}

/** A description of the first mismatches, or undefined when the values agree. */
export function mismatch(t: Tensor, got: TensorData, want: TensorData): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < want.length; i++) {
    const g = Number(got[i]!); const w = Number(want[i]!);
    const ok = t.dtype === 'float32'
      ? (Number.isNaN(w) ? Number.isNaN(g) : Math.abs(g - w) <= Math.max(FLOAT_REL_TOL * Math.abs(w), 1e-6))
      : g === w;
    if (!ok) { count++; if (bad.length < 5) bad.push(`[${i}] got ${g} want ${w}`); }
  }
  return count ? `${count} of ${want.length} differ: ${bad.join(', ')}` : undefined;
}

/**
 * Compares a host run's raw output bytes (every graph output, in order) with the expected value
 * of each output tensor; returns one line per mismatching op and how many bytes were consumed,
 * so a caller can also check that the run wrote exactly the outputs' bytes.
 */
export function graphOutputMismatches(graph: Graph, raw: Uint8Array, want: readonly (TensorData | undefined)[]): { failures: string[]; consumed: number } {
  let off = 0;
  const failures: string[] = [];
  for (const id of graph.outputs) {
    const t = graph.tensors[id]!;
    const n = numElements(t.shape) * DTYPE_BYTES[t.dtype];
    const got = decode(t, raw.subarray(off, off + n));
    off += n;
    const op = graph.ops.find((o) => o.outputs.includes(id))!;
    const m = mismatch(t, got, want[id]!);
    if (m) failures.push(`${op.name} (${t.dtype} [${t.shape}]): ${m}`);
  }
  return { failures, consumed: off };
}

/**
 * Compares a host run over several samples (each sample's outputs back to back, in graph order)
 * with each sample's expected outputs: one line per mismatching sample output, and the bytes one
 * sample's outputs take (the caller checks that the run wrote exactly that many per sample).
 */
export function sampleOutputMismatches(outputs: readonly Tensor[], raw: Uint8Array, want: readonly (readonly TensorData[])[], sampleIndexes: readonly number[]): { failures: string[]; perSample: number } {
  const perSample = want[0]!.reduce((a, o) => a + o.byteLength, 0);
  const failures: string[] = [];
  sampleIndexes.forEach((index, k) => {
    let off = k * perSample;
    outputs.forEach((t, o) => {
      const n = want[k]![o]!.byteLength;
      const m = mismatch(t, decode(t, raw.subarray(off, off + n)), want[k]![o]!);
      if (m) failures.push(`sample ${index} output ${o}: ${m}`);
      off += n;
    });
  });
  return { failures, perSample };
}
