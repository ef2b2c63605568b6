import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readModel } from '../../firmware/model/reader.ts';
import { writeModel } from '../../firmware/model/writer.ts';
import { cloneGraph } from '../../firmware/ir/clone.ts';
import { ModelError, type Graph, type Tensor } from '../../firmware/ir/graph.ts';
import { FbFile } from '../../firmware/model/fb-view.ts';
import { BUFFER, MODEL } from '../../firmware/model/schema.ts';
import { goldenSamples, modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { runTflite, type TypedOut } from '../helpers/tflite-runtime.ts';

const bytesOf = (a: TypedOut): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('read -> write -> read gives the same IR, and writing is deterministic', () => {
  for (const name of modelNames()) {
    const g = readModel(readFileSync(modelPath(name)));
    const written = writeModel(g);
    const again = readModel(written);
    assert.deepEqual(again, g, name);
    assert.deepEqual(writeModel(again), written, name);
  }
});

test('written models run in real TFLite with byte-identical outputs on every golden sample', async () => {
  for (const name of modelNames()) {
    const original = new Uint8Array(readFileSync(modelPath(name)));
    const written = writeModel(readModel(original));
    const inputs = goldenSamples(name).map((s) => [s.input]);
    assert.ok(inputs.length > 0, name);
    const want = await runTflite(original, inputs);
    const got = await runTflite(written, inputs);
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) {
      assert.equal(got[i]!.length, want[i]!.length);
      for (let k = 0; k < want[i]!.length; k++) {
        assert.ok(bytesOf(got[i]![k]!).equals(bytesOf(want[i]![k]!)), `${name} sample ${i} output ${k}`);
      }
    }
  }
});

test('constant buffers are 16-byte aligned in the written file', () => {
  const written = writeModel(readModel(readFileSync(modelPath('vww'))));
  const root = new FbFile(written).root('TFL3');
  let checked = 0;
  for (const b of root.tables(MODEL.buffers, 'buffers')) {
    const v = b.vector(BUFFER.data, 1, 'data');
    if (v && v.length > 0) { assert.equal(v.start % 16, 0); checked++; }
  }
  assert.ok(checked > 50);
});

function f32(shape: number[], values?: number[]): Tensor {
  const t: Tensor = { name: `t${shape.join('x')}`, shape, dtype: 'float32' };
  if (values) t.data = new Uint8Array(Float32Array.from(values).buffer);
  return t;
}
function i32(name: string, shape: number[], values: number[]): Tensor {
  return { name, shape, dtype: 'int32', data: new Uint8Array(Int32Array.from(values).buffer) };
}

/**
 * The ops tiling inserts: two STRIDED_SLICEs that cut the input in row halves, a CONCATENATION
 * that swaps them, PAD, a broadcast ADD with fused RELU, and a MEAN; int32 shape operands;
 * an OfflineMemoryAllocation metadata entry.
 */
function tiledStyleGraph(): Graph {
  const tensors: Tensor[] = [
    f32([1, 4, 4, 2]),                                         // 0 input
    i32('begin_top', [4], [0, 0, 0, 0]),                        // 1
    i32('end_top', [4], [1, 2, 4, 2]),                          // 2
    i32('strides', [4], [1, 1, 1, 1]),                          // 3
    i32('begin_bottom', [4], [0, 2, 0, 0]),                     // 4
    i32('end_bottom', [4], [1, 4, 4, 2]),                       // 5
    { ...f32([1, 2, 4, 2]), name: 'top' },                      // 6
    { ...f32([1, 2, 4, 2]), name: 'bottom' },                   // 7
    { ...f32([1, 4, 4, 2]), name: 'swapped' },                  // 8
    i32('paddings', [4, 2], [0, 0, 1, 1, 0, 2, 0, 0]),          // 9
    { ...f32([1, 6, 6, 2]), name: 'padded' },                   // 10
    { ...f32([2], [0.5, -3]), name: 'bias' },                   // 11
    { ...f32([1, 6, 6, 2]), name: 'sum' },                      // 12
    i32('axes', [2], [1, 2]),                                   // 13
    { ...f32([1, 1, 1, 2]), name: 'mean' },                     // 14
  ];
  const ss = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false };
  return {
    tensors,
    ops: [
      { kind: 'STRIDED_SLICE', inputs: [0, 1, 2, 3], outputs: [6], options: ss, name: 'STRIDED_SLICE_0' },
      { kind: 'STRIDED_SLICE', inputs: [0, 4, 5, 3], outputs: [7], options: ss, name: 'STRIDED_SLICE_1' },
      { kind: 'CONCATENATION', inputs: [7, 6], outputs: [8], options: { axis: 1, activation: 'NONE' }, name: 'CONCATENATION_2' },
      { kind: 'PAD', inputs: [8, 9], outputs: [10], options: {}, name: 'PAD_3' },
      { kind: 'ADD', inputs: [10, 11], outputs: [12], options: { activation: 'RELU' }, name: 'ADD_4' },
      { kind: 'MEAN', inputs: [12, 13], outputs: [14], options: { keepDims: true }, name: 'MEAN_5' },
    ],
    inputs: [0],
    outputs: [12, 14],
    metadata: [{ name: 'OfflineMemoryAllocation', data: new Uint8Array(Int32Array.from([1, 0, 3, -1, 0, 64]).buffer) }],
    description: 'tiled-style test graph',
    version: 3,
  };
}

/** The same computation written out directly from the ops' definitions. */
function expected(input: Float32Array): [Float32Array, Float32Array] {
  const at = (y: number, x: number, c: number): number => input[(y * 4 + x) * 2 + c]!;
  const sum = new Float32Array(6 * 6 * 2);
  const mean = new Float32Array(2);
  for (let y = 0; y < 6; y++) {
    for (let x = 0; x < 6; x++) {
      for (let c = 0; c < 2; c++) {
        const sy = y - 1; // one padded row on top
        const inside = sy >= 0 && sy < 4 && x < 4;
        const v = inside ? at((sy + 2) % 4, x, c) : 0; // halves swapped
        const r = Math.max(0, Math.fround(v + (c === 0 ? 0.5 : -3)));
        sum[(y * 6 + x) * 2 + c] = r;
        mean[c]! += r;
      }
    }
  }
  for (let c = 0; c < 2; c++) mean[c] = mean[c]! / 36;
  return [sum, mean];
}

test('a graph with STRIDED_SLICE, CONCATENATION, PAD, ADD, MEAN, int32 operands and metadata runs in TFLite', async () => {
  const g = tiledStyleGraph();
  const written = writeModel(g);
  const back = readModel(written);
  assert.deepEqual(back, g);
  assert.deepEqual(back.metadata[0]!.data, g.metadata[0]!.data);
  const input = Float32Array.from({ length: 32 }, (_, i) => ((i * 7) % 11) - 4.25);
  const [[sum, mean]] = await runTflite(written, [[input]]) as [[Float32Array, Float32Array]];
  const [wantSum, wantMean] = expected(input);
  assert.deepEqual(Array.from(sum), Array.from(wantSum));
  for (let c = 0; c < 2; c++) assert.ok(Math.abs(mean[c]! - wantMean[c]!) <= 1e-5, `mean ${c}: ${mean[c]} vs ${wantMean[c]}`);
});

test('cloneGraph is a deep copy', () => {
  const g = readModel(readFileSync(modelPath('resnet')));
  const c = cloneGraph(g);
  assert.deepEqual(c, g);
  c.tensors[1]!.data![0]! ^= 0xff;
  c.tensors[1]!.shape.push(1);
  c.tensors[1]!.quant!.scale[0] = 42;
  (c.ops[0]!.options as { strideW: number }).strideW = 9;
  c.ops[0]!.inputs[0] = 5;
  c.metadata[0]!.data[0] = 0xee;
  assert.deepEqual(readModel(readFileSync(modelPath('resnet'))), g);
});

test('writer rejects graphs it cannot write', () => {
  const g = tiledStyleGraph();
  g.tensors[11]!.data = new Uint8Array(4); // 2 floats need 8 bytes
  assert.throws(() => writeModel(g), (e: unknown) => e instanceof ModelError && /tensor 11 \("bias"\): data holds 4 bytes/.test(e.message));
  const h = tiledStyleGraph();
  h.ops.reverse(); // MEAN first: reads a tensor nothing has written yet
  assert.throws(() => writeModel(h), (e: unknown) => e instanceof ModelError && /before any op writes it/.test(e.message));
  const k = tiledStyleGraph();
  k.tensors[6]!.shape = [1, 3, 4, 2];
  assert.throws(() => writeModel(k), (e: unknown) => e instanceof ModelError && /op 0 \(STRIDED_SLICE_0\): output shape \[1,3,4,2\], expected \[1,2,4,2\]/.test(e.message));
});
