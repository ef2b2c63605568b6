// The input compiled into a firmware and the outputs it must produce.
// Input: a model-set model's golden sample (../shared/models/README.md); any other .tflite gets
// a deterministic pseudo-random input. Expected outputs: the reference interpreter
// (firmware/interp) on the untiled graph, in the integer arithmetic the backend implements —
// TFLite's fixed-point reference kernels for AoT, TFLM's for tflm. The model-set golden
// outputs come from TFLite's XNNPACK path, whose float requantization differs from the
// fixed-point kernels by one LSB on some models (toycar, aww, resnet), so they are not the
// reference for default firmware; the interpreter reproduces them in its 'xnnpack' mode, which
// is the reference for AoT builds with arithmetic 'xnnpack' (see README.md).
import { DTYPE_BYTES, numElements, type DType, type Graph } from '../ir/graph.ts';
import { goldenSamples, modelNames } from '../model-set/index.ts';

export interface ExpectedOutput {
  dtype: DType;
  /** Raw little-endian bytes, lowercase hex (as the firmware's OUT record). */
  hex: string;
}

export interface GoldenData {
  inputs: Uint8Array[];
  expectedOutputs: ExpectedOutput[];
  /** Where the expected outputs come from: the interpreter in one arithmetic, or a prepared model's own. */
  reference: ReferenceKind;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Deterministic bytes for a tensor of a non-model-set model (xorshift, seeded by size). */
function syntheticInput(dtype: DType, shape: number[]): Uint8Array {
  const n = numElements(shape);
  let s = 0x9e3779b9 ^ n;
  const next = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 0x100000000; };
  switch (dtype) {
    case 'float32': return bytesOf(Float32Array.from({ length: n }, () => next() * 2 - 1));
    case 'int8': return bytesOf(Int8Array.from({ length: n }, () => Math.floor(next() * 256) - 128));
    case 'uint8': return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
    case 'int16': return bytesOf(Int16Array.from({ length: n }, () => Math.floor(next() * 65536) - 32768));
    case 'int32': return bytesOf(Int32Array.from({ length: n }, () => Math.floor(next() * 2001) - 1000));
    default: throw new Error(`cannot make an input of dtype ${dtype}`);
  }
}

const TYPED: Partial<Record<DType, (b: ArrayBuffer) => ArrayBufferView>> = {
  float32: (b) => new Float32Array(b), int8: (b) => new Int8Array(b), uint8: (b) => new Uint8Array(b),
  int16: (b) => new Int16Array(b), int32: (b) => new Int32Array(b),
};

export type Arithmetic = 'reference' | 'tflm' | 'xnnpack';
export type ReferenceKind = `interpreter:${Arithmetic}` | 'given';

export async function goldenFor(name: string, graph: Graph, sample: number, arithmetic: Arithmetic = 'reference'): Promise<GoldenData> {
  let inputs: Uint8Array[];
  if (modelNames().includes(name)) {
    const samples = goldenSamples(name);
    const s = samples[sample];
    if (!s) throw new Error(`model ${name} has ${samples.length} golden samples, no sample ${sample}`);
    inputs = [bytesOf(s.input)];
  } else {
    inputs = graph.inputs.map((id) => {
      const t = graph.tensors[id]!;
      return syntheticInput(t.dtype, t.shape);
    });
  }
  const interp = (await import('../interp/interpreter.ts')) as unknown as {
    runGraph(g: Graph, inputs: ArrayBufferView[], o?: { arithmetic?: Arithmetic }): ArrayBufferView[];
  };
  const typed = inputs.map((b, i) => {
    const t = graph.tensors[graph.inputs[i]!]!;
    const make = TYPED[t.dtype];
    if (!make) throw new Error(`input dtype ${t.dtype} not supported`);
    return make(b.slice().buffer);
  });
  const outs = interp.runGraph(graph, typed, { arithmetic });
  return {
    inputs,
    expectedOutputs: outs.map((o, i) => ({ dtype: graph.tensors[graph.outputs[i]!]!.dtype, hex: hex(bytesOf(o)) })),
    reference: `interpreter:${arithmetic}`,
  };
}

/** Byte count of a dtype, re-exported for callers comparing outputs. */
export function dtypeBytes(d: DType): number {
  return DTYPE_BYTES[d];
}
