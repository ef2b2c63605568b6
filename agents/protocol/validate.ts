// On-device validation: every golden sample of a model through ONE flashed firmware that speaks
// the MLPerf Tiny protocol (inputs from the host), each answer compared bit for bit with the
// reference outputs the build would check (firmware/interp in the firmware's arithmetic).
// tinyrack firmware returns raw output bytes (m-tr-output); a firmware that returns only the
// runner's m-results vector is compared on that vector (dequantized, 3 decimals).
import { goldenFor, type Arithmetic } from '../../firmware/build/golden.ts';
import { goldenSamples } from '../../firmware/model-set/index.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
import type { MlperfTinyClient } from './mlperf-tiny.ts';

export interface SampleVerdict {
  sample: number;
  match: boolean;
  /** How it was compared: raw bytes, or the dequantized vector at 3 decimals. */
  compared: 'bytes' | 'results';
  /** First differing element (index into the output bytes or the results vector). */
  firstDiff?: number;
  elapsedUs?: number;
  count?: number;
}

export interface ValidationReport {
  model: string;
  samples: number;
  agreed: number;
  verdicts: SampleVerdict[];
}

/** The vector m-results must show for raw int8/uint8/float32 output bytes (as the harness prints
 * it: float32 product, rounded half away from zero to 1/1000). */
export function expectedResults(graph: Graph, hexPerOutput: string[]): number[] {
  const out: number[] = [];
  hexPerOutput.forEach((hex, o) => {
    const t = graph.tensors[graph.outputs[o]!]!;
    const b = Buffer.from(hex, 'hex');
    const scale = Math.fround(t.quant?.scale[0] ?? 1);
    const zp = t.quant?.zeroPoint[0] ?? 0;
    const vals: number[] = [];
    if (t.dtype === 'int8') for (let i = 0; i < b.length; i++) vals.push(Math.fround(scale * Math.fround(b.readInt8(i) - zp)));
    else if (t.dtype === 'uint8') for (let i = 0; i < b.length; i++) vals.push(Math.fround(scale * Math.fround(b[i]! - zp)));
    else if (t.dtype === 'float32') for (let i = 0; i < b.length; i += 4) vals.push(b.readFloatLE(i));
    else throw new Error(`m-results comparison for ${t.dtype} outputs is not supported`);
    for (const v of vals) {
      const m = Math.floor(Math.abs(v) * 1000 + 0.5);
      out.push((v < 0 && m ? -m : m) / 1000);
    }
  });
  return out;
}

export async function validateOnDevice(client: MlperfTinyClient, model: string, graph: Graph,
  arithmetic: Arithmetic, o: { iterations?: number; warmups?: number; samples?: number } = {}): Promise<ValidationReport> {
  const total = Math.min(goldenSamples(model).length, o.samples ?? Infinity);
  const verdicts: SampleVerdict[] = [];
  for (let s = 0; s < total; s++) {
    const g = await goldenFor(model, graph, s, arithmetic);
    const input = Buffer.concat(g.inputs.map((b) => Buffer.from(b)));
    await client.load(input);
    const r = await client.infer(o.iterations ?? 1, o.warmups ?? 0);
    const want = g.expectedOutputs.map((e) => e.hex);
    const v: SampleVerdict = { sample: s, match: false, compared: r.outputsHex ? 'bytes' : 'results' };
    if (r.outputsHex) {
      const got = r.outputsHex.join('');
      const exp = want.join('');
      v.match = got === exp;
      if (!v.match) { let i = 0; while (i < got.length && got[i] === exp[i]) i++; v.firstDiff = Math.floor(i / 2); }
    } else {
      const exp = expectedResults(graph, want);
      v.match = exp.length === r.results.length && exp.every((x, i) => x === r.results[i]);
      if (!v.match) { let i = 0; while (i < exp.length && exp[i] === r.results[i]) i++; v.firstDiff = i; }
    }
    if (r.elapsedUs !== undefined) v.elapsedUs = r.elapsedUs;
    if (r.count) v.count = r.count.total;
    verdicts.push(v);
  }
  return { model, samples: total, agreed: verdicts.filter((v) => v.match).length, verdicts };
}
