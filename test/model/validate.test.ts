import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stridedSliceShape, validateGraph } from '../../firmware/ir/validate.ts';
import { writeModel } from '../../firmware/model/writer.ts';
import { ModelError, numElements, type Graph, type Op, type OpKind, type OpOptionsMap, type Tensor } from '../../firmware/ir/graph.ts';
import { runTflite } from '../helpers/tflite-runtime.ts';

const ints = (name: string, v: number[], shape = [v.length]): Tensor =>
  ({ name, shape, dtype: 'int32', data: new Uint8Array(Int32Array.from(v).buffer) });

/** One op on a float input, with int32 operands; the output shape is the one given. */
function single<K extends OpKind>(kind: K, inShape: number[], operands: Tensor[], options: OpOptionsMap[K], outShape: number[]): Graph {
  const tensors: Tensor[] = [{ name: 'in', shape: inShape, dtype: 'float32' }, ...operands, { name: 'out', shape: outShape, dtype: 'float32' }];
  const out = tensors.length - 1;
  return {
    tensors,
    ops: [{ kind, inputs: [0, ...operands.map((_, i) => i + 1)], outputs: [out], options, name: `${kind}_0` } as Op],
    inputs: [0], outputs: [out], metadata: [],
  };
}

/** Runs the single-op graph in TFLite and returns how many elements TFLite's own Prepare produced. */
async function tfliteOutputElements(g: Graph): Promise<number> {
  const input = Float32Array.from({ length: numElements(g.tensors[0]!.shape) }, (_, i) => i);
  const [[out]] = await runTflite(writeModel(g), [[input]]);
  return out!.length;
}

const mask = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false };

test('STRIDED_SLICE output shapes agree with real TFLite (masks, negative indices and strides, shrink)', async () => {
  const shape = [1, 7, 6, 3];
  const cases: [number[], number[], number[], Partial<typeof mask>][] = [
    [[0, 0, 0, 0], [1, 4, 6, 3], [1, 1, 1, 1], {}],
    [[0, 2, 1, 0], [1, 7, 5, 3], [1, 2, 3, 1], {}],
    [[0, -3, 0, 0], [1, -1, 6, 3], [1, 1, 1, 1], {}],
    [[0, 6, 5, 0], [1, 0, 0, 3], [1, -2, -1, 1], {}],
    [[0, 5, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1], { beginMask: 0b0101, endMask: 0b1111 }],
    [[0, 3, 0, 2], [1, 4, 6, 3], [1, 1, 1, 1], { shrinkAxisMask: 0b1010 }],
    [[0, 0], [1, 3], [1, 1], {}],
  ];
  for (const [begin, end, strides, m] of cases) {
    const options = { ...mask, ...m };
    const out = stridedSliceShape(shape, begin, end, strides, options)!;
    const g = single('STRIDED_SLICE', shape, [ints('begin', begin), ints('end', end), ints('strides', strides)], options, out);
    validateGraph(g);
    assert.equal(await tfliteOutputElements(g), numElements(out), `begin ${begin} end ${end} strides ${strides} ${JSON.stringify(m)} -> [${out}]`);
  }
});

test('shape rules for PAD, SLICE, MEAN, SQUEEZE, GATHER, CONCATENATION agree with real TFLite', async () => {
  const graphs: Graph[] = [
    single('PAD', [1, 3, 4, 2], [ints('pads', [0, 0, 2, 1, 0, 3, 0, 0], [4, 2])], {}, [1, 6, 7, 2]),
    single('SLICE', [1, 5, 4, 2], [ints('begin', [0, 1, 2, 0]), ints('size', [1, -1, 2, 1])], {}, [1, 4, 2, 1]),
    single('MEAN', [1, 5, 4, 2], [ints('axes', [1, 2])], { keepDims: false }, [1, 2]),
    single('MEAN', [1, 5, 4, 2], [ints('axes', [-1])], { keepDims: true }, [1, 5, 4, 1]),
    single('SQUEEZE', [1, 5, 1, 2], [], { squeezeDims: [] }, [5, 2]),
    single('SQUEEZE', [1, 5, 1, 2], [], { squeezeDims: [2] }, [1, 5, 2]),
    single('GATHER', [4, 3, 2], [ints('idx', [2, 0, 1, 1, 2], [5])], { axis: 1, batchDims: 0 }, [4, 5, 2]),
  ];
  const concat = single('CONCATENATION', [1, 2, 3, 2], [], { axis: -2, activation: 'NONE' }, [1, 2, 6, 2]);
  concat.ops[0]!.inputs = [0, 0];
  graphs.push(concat);
  for (const g of graphs) {
    validateGraph(g);
    const out = g.tensors[g.outputs[0]!]!.shape;
    assert.equal(await tfliteOutputElements(g), numElements(out), `${g.ops[0]!.name} -> [${out}]`);
  }
});

test('validation errors name the op and the mismatch', () => {
  const wrong = (g: Graph, re: RegExp): void => {
    assert.throws(() => validateGraph(g), (e: unknown) => e instanceof ModelError && re.test(e.message) && e.where?.op === 0);
  };
  wrong(single('PAD', [1, 3], [ints('pads', [0, 0, 1, 1], [2, 2])], {}, [1, 4]), /output shape \[1,4\], expected \[1,5\]/);
  wrong(single('MEAN', [2, 3], [ints('axes', [2])], { keepDims: false }, [2]), /reduction axes \[2\] out of range/);
  wrong(single('SOFTMAX', [2, 3], [], { beta: 1 }, [3, 2]), /output shape \[3,2\], expected \[2,3\]/);
  wrong(single('RESHAPE', [2, 3], [], {}, [7]), /reshapes \[2,3\] \(6 elements\) to \[7\]/);
  wrong(single('ADD', [2, 3], [{ name: 'b', shape: [2], dtype: 'float32', data: new Uint8Array(8) }], { activation: 'NONE' }, [2, 3]),
    /input shapes \[2,3\] and \[2\] do not broadcast/);
  wrong(single('SOFTMAX', [2, 3], [ints('x', [1])], { beta: 1 }, [2, 3]), /has 2 inputs, SOFTMAX takes 1/);
  const conv = single('CONV_2D', [1, 5, 5, 3], [{ name: 'f', shape: [4, 3, 3, 2], dtype: 'float32', data: new Uint8Array(4 * 72) }],
    { padding: 'VALID', strideW: 1, strideH: 1, dilationW: 1, dilationH: 1, activation: 'NONE' }, [1, 3, 3, 4]);
  wrong(conv, /filter \[4,3,3,2\] does not match input channels 3/);
  const stride0 = single('MAX_POOL_2D', [1, 4, 4, 1], [], { padding: 'VALID', strideW: 0, strideH: 1, filterW: 2, filterH: 2, activation: 'NONE' }, [1, 3, 3, 1]);
  wrong(stride0, /strideW is 0, must be >= 1/);
});
