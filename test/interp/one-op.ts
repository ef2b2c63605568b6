// Test support: build small graphs in the IR, write them as .tflite, run them in real TFLite and
// in the interpreter, and compare. Random cases come from fast-check with fixed seeds.
import { DTYPE_BYTES, numElements, type DType, type Graph, type Op, type OpKind, type OpOptionsMap, type Quantization, type Tensor } from '../../firmware/ir/graph.ts';
import { writeModel } from '../../firmware/model/writer.ts';
import { runGraph, type RunOptions, type TensorData } from '../../firmware/interp/interpreter.ts';
import { runTflite } from '../helpers/tflite-runtime.ts';
export { prng } from '../helpers/prng.ts';

export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

export function q(scale: number | number[], zeroPoint: number | number[] = 0, axis = 0): Quantization {
  const scales = (Array.isArray(scale) ? scale : [scale]).map(Math.fround);
  const zps = Array.isArray(zeroPoint) ? zeroPoint : scales.map(() => zeroPoint);
  return { scale: scales, zeroPoint: zps, axis };
}

export class GraphBuilder {
  readonly tensors: Tensor[] = [];
  readonly ops: Op[] = [];

  tensor(name: string, shape: number[], dtype: DType, quant?: Quantization, data?: ArrayBufferView): number {
    const t: Tensor = { name, shape, dtype };
    if (quant) t.quant = quant;
    if (data) {
      t.data = bytesOf(data);
      if (t.data.byteLength !== numElements(shape) * DTYPE_BYTES[dtype]) throw new Error(`constant ${name}: wrong byte size`);
    }
    this.tensors.push(t);
    return this.tensors.length - 1;
  }

  op<K extends OpKind>(kind: K, inputs: number[], outputs: number[], options: OpOptionsMap[K]): void {
    this.ops.push({ kind, inputs, outputs, options, name: `${kind}_${this.ops.length}` } as Op);
  }

  build(inputs: number[], outputs: number[]): Graph {
    return { tensors: this.tensors, ops: this.ops, inputs, outputs, metadata: [], version: 3 };
  }
}


export function randomInt8(rand: () => number, n: number, lo = -128, hi = 127): Int8Array {
  return Int8Array.from({ length: n }, () => lo + Math.floor(rand() * (hi - lo + 1)));
}
export function randomInt32(rand: () => number, n: number, lo: number, hi: number): Int32Array {
  return Int32Array.from({ length: n }, () => lo + Math.floor(rand() * (hi - lo + 1)));
}
export function randomFloat(rand: () => number, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + rand() * (hi - lo));
}

export interface Mismatch { output: number; index: number; interp: number; tflite: number }

/** Float closeness: 1e-4 relative to the element, with a floor at 1e-4 of the output's range. */
export function floatClose(a: ArrayLike<number>, b: ArrayLike<number>, rel = 1e-4): number {
  let maxAbs = 0;
  for (let i = 0; i < b.length; i++) maxAbs = Math.max(maxAbs, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) {
    const tol = rel * Math.max(Math.abs(b[i]!), maxAbs * 1e-2, 1e-6);
    if (!(Math.abs(a[i]! - b[i]!) <= tol)) return i;
  }
  return -1;
}

/**
 * Runs the graph in real TFLite and in the interpreter; returns the first mismatch (exact for
 * integer outputs, floatClose for float32), or undefined when they agree.
 */
export async function compareWithTflite(graph: Graph, inputs: TensorData[], options: RunOptions = {}): Promise<Mismatch | undefined> {
  const model = writeModel(graph);
  const [expected] = await runTflite(model, [inputs as unknown as ArrayLike<number>[]]);
  const actual = runGraph(graph, inputs, options);
  for (let o = 0; o < actual.length; o++) {
    const a = actual[o]! as ArrayLike<number>; const e = expected![o]! as ArrayLike<number>;
    if (a.length !== e.length) return { output: o, index: -1, interp: a.length, tflite: e.length };
    if (a instanceof Float32Array) {
      const i = floatClose(a, e);
      if (i >= 0) return { output: o, index: i, interp: a[i]!, tflite: e[i]! };
    } else {
      for (let i = 0; i < a.length; i++) if (a[i] !== e[i]) return { output: o, index: i, interp: a[i]!, tflite: e[i]! };
    }
  }
  return undefined;
}
