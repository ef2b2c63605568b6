// The whole model set: the interpreter reproduces every golden sample (int8 exactly, float32
// within 1e-4 relative), and agrees with real TensorFlow Lite on the golden inputs and on
// random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { runGraph, type TensorData } from '../../firmware/interp/interpreter.ts';
import { runTflite } from '../helpers/tflite-runtime.ts';
import { floatClose, prng, randomFloat, randomInt8 } from './one-op.ts';

function assertSame(actual: TensorData, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  if (actual instanceof Float32Array) {
    const i = floatClose(actual, expected);
    assert.equal(i, -1, `${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  } else {
    assert.deepEqual(Array.from(actual as ArrayLike<number>), Array.from(expected), what);
  }
}

for (const name of modelNames()) {
  test(`${name}: interpreter equals the golden outputs and TensorFlow Lite`, async () => {
    const graph = loadModel(modelPath(name));
    const samples = goldenSamples(name);
    assert.ok(samples.length > 0, 'no golden samples');
    const inputT = graph.tensors[graph.inputs[0]!]!;
    const rand = prng(name.length * 7919 + 1);
    const n = inputT.shape.reduce((a, b) => a * b, 1);
    const randomInputs: TensorData[] = [0, 1].map(() => (inputT.dtype === 'int8' ? randomInt8(rand, n) : randomFloat(rand, n, -1, 1)));
    const inputs = [...samples.map((s) => s.input), ...randomInputs];
    const tflite = await runTflite(readFileSync(modelPath(name)), inputs.map((x) => [x as Int8Array | Float32Array]));
    inputs.forEach((input, i) => {
      const [out] = runGraph(graph, [input]);
      if (i < samples.length) assertSame(out!, samples[i]!.output, `${name} golden sample ${i}`);
      assertSame(out!, tflite[i]![0]!, `${name} input ${i} vs TFLite`);
    });
  });
}
