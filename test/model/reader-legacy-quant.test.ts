// Models from older converters: per-channel quantization on a bias whose quantized_dimension
// does not index its shape (the filter's axis copied onto the 1-D bias). TFLite-Micro accepts
// them (it ignores bias quantization metadata), so the reader must too. The case is written
// with the project's own writer from a model of the set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cloneGraph } from '../../firmware/ir/clone.ts';
import { ModelError, type Graph } from '../../firmware/ir/graph.ts';
import { readModel } from '../../firmware/model/reader.ts';
import { writeModel } from '../../firmware/model/writer.ts';
import { goldenSamples, modelPath } from '../../firmware/model-set/index.ts';
import { runGraph } from '../../firmware/interp/interpreter.ts';

/** aww with every per-channel bias of a DEPTHWISE_CONV_2D given quantized_dimension 3. */
function legacyBiasModel(): { original: Graph; biases: number[]; bytes: Uint8Array } {
  const original = readModel(readFileSync(modelPath('aww')));
  const g = cloneGraph(original);
  const biases = g.ops.filter((op) => op.kind === 'DEPTHWISE_CONV_2D').map((op) => op.inputs[2]!)
    .filter((b) => (g.tensors[b]!.quant?.scale.length ?? 0) > 1);
  assert.ok(biases.length > 0, 'aww has per-channel depthwise biases');
  for (const b of biases) g.tensors[b]!.quant!.axis = 3;
  return { original, biases, bytes: writeModel(g) };
}

test('a per-channel bias whose quantized_dimension indexes nothing is read as quantized along its one axis', () => {
  const { original, biases, bytes } = legacyBiasModel();
  const g = readModel(bytes);
  for (const b of biases) {
    assert.equal(g.tensors[b]!.shape.length, 1);
    assert.equal(g.tensors[b]!.quant!.axis, 0);
    assert.deepEqual(g.tensors[b]!.quant!.scale, original.tensors[b]!.quant!.scale);
  }
  // Same model otherwise: same outputs in TFLM's arithmetic.
  const input = goldenSamples('aww')[0]!.input;
  assert.deepEqual(runGraph(g, [input], { arithmetic: 'tflm' }), runGraph(original, [input], { arithmetic: 'tflm' }));
});

test('scales that match no axis of a multi-dimensional tensor are still an error', () => {
  const original = readModel(readFileSync(modelPath('aww')));
  const g = cloneGraph(original);
  const conv = g.ops.find((op) => op.kind === 'CONV_2D' && (g.tensors[op.inputs[1]!]!.quant?.scale.length ?? 0) > 1)!;
  const w = g.tensors[conv.inputs[1]!]!;
  w.quant!.axis = 7;
  assert.throws(() => readModel(writeModel(g)), (e: unknown) => e instanceof ModelError && /per-channel scales do not match axis 7/.test((e as Error).message));
});
