// Firmware outputs against the reference: integer dtypes must match byte for byte (int8 models
// are exact), float32 within a relative tolerance of 1e-4 (../shared/models/README.md).
import type { ExpectedOutput } from '../build/golden.ts';
import type { OutputTensor } from '../../wire/report.ts';

export const FLOAT_RELATIVE_TOLERANCE = 1e-4;

export interface OutputComparison {
  match: boolean;
  /** First difference, for the error message. */
  detail?: string;
}

function floats(hex: string): Float32Array {
  const b = Buffer.from(hex, 'hex');
  const copy = new Uint8Array(b);
  return new Float32Array(copy.buffer, 0, copy.byteLength >> 2);
}

export function compareOutputs(expected: readonly ExpectedOutput[], got: readonly OutputTensor[]): OutputComparison {
  if (!expected.length) return { match: false, detail: 'no reference outputs' };
  for (let o = 0; o < expected.length; o++) {
    const e = expected[o]!;
    const g = got.find((x) => x.o === o);
    if (!g) return { match: false, detail: `output ${o} missing from the report` };
    if (g.dtype !== e.dtype) return { match: false, detail: `output ${o}: dtype ${g.dtype}, expected ${e.dtype}` };
    if (g.hex.length !== e.hex.length) return { match: false, detail: `output ${o}: ${g.hex.length / 2} bytes, expected ${e.hex.length / 2}` };
    if (e.dtype === 'float32') {
      const a = floats(g.hex);
      const b = floats(e.hex);
      for (let i = 0; i < b.length; i++) {
        const tol = FLOAT_RELATIVE_TOLERANCE * Math.max(Math.abs(a[i]!), Math.abs(b[i]!)) + 1e-6;
        if (!(Math.abs(a[i]! - b[i]!) <= tol)) return { match: false, detail: `output ${o}[${i}] = ${a[i]}, expected ${b[i]}` };
      }
    } else if (g.hex !== e.hex) {
      const gb = Buffer.from(g.hex, 'hex');
      const eb = Buffer.from(e.hex, 'hex');
      const i = gb.findIndex((x, k) => x !== eb[k]);
      return { match: false, detail: `output ${o} byte ${i} = ${gb[i]}, expected ${eb[i]}` };
    }
  }
  return { match: true };
}
