import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, readModel } from '../../firmware/model/reader.ts';
import { ModelError, isActivation } from '../../firmware/ir/graph.ts';
import { manifest, modelNames, modelPath, modelSetDir } from '../../firmware/model-set/index.ts';
import { MODEL, OPERATOR_CODE } from '../../firmware/model/schema.ts';
import { fieldAt, modelBytes, open } from './patch.ts';

/** Op counts per model from the model set README's table ("CONV_2D 5, SOFTMAX" = 5 and 1). */
function readmeOpCounts(): Map<string, Record<string, number>> {
  const text = readFileSync(join(modelSetDir(), 'README.md'), 'utf8');
  const out = new Map<string, Record<string, number>>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !['int8', 'float32'].includes(cells[2]!) || !/^[A-Z_0-9]+( \d+)?(, [A-Z_0-9]+( \d+)?)*$/.test(cells[3]!)) continue;
    const counts: Record<string, number> = {};
    for (const item of cells[3]!.split(', ')) {
      const [kind, n] = item.split(' ');
      counts[kind!] = n ? Number(n) : 1;
    }
    out.set(cells[1]!, counts);
  }
  return out;
}

test('every model in the set reads, with the op counts of the README table', () => {
  const expected = readmeOpCounts();
  assert.deepEqual([...expected.keys()].sort(), modelNames());
  for (const name of modelNames()) {
    const g = loadModel(modelPath(name));
    const counts: Record<string, number> = {};
    for (const op of g.ops) counts[op.kind] = (counts[op.kind] ?? 0) + 1;
    assert.deepEqual(counts, expected.get(name), name);
    assert.equal(g.version, 3);
    assert.deepEqual(g.ops.map((o) => o.name), g.ops.map((o, i) => `${o.kind}_${i}`));
  }
});

test('inputs and outputs match the manifest: shape, dtype and input quantization', () => {
  const m = manifest();
  for (const name of modelNames()) {
    const g = loadModel(modelPath(name));
    assert.equal(g.inputs.length, 1, name);
    assert.equal(g.outputs.length, 1, name);
    const input = g.tensors[g.inputs[0]!]!;
    const output = g.tensors[g.outputs[0]!]!;
    assert.deepEqual(input.shape, m[name]!.input.shape, name);
    assert.deepEqual(output.shape, m[name]!.output.shape, name);
    assert.equal(input.dtype, m[name]!.dtype, name);
    assert.ok(isActivation(input) && isActivation(output));
    const q = m[name]!.input.quantize;
    if (q) {
      assert.equal(input.quant!.zeroPoint[0], q.zero_point, name);
      assert.ok(Math.abs(input.quant!.scale[0]! - q.scale) <= 1e-6 * q.scale, name);
    }
    const dq = m[name]!.output.dequantize;
    if (dq) assert.equal(output.quant!.zeroPoint[0], dq.zero_point, name);
  }
});

test('aww: options, per-channel quantization and constant data as stored in the file', () => {
  const bytes = new Uint8Array(readFileSync(modelPath('aww')));
  const g = readModel(bytes);
  const conv = g.ops[0]!;
  assert.equal(conv.kind, 'CONV_2D');
  // First DS-CNN layer: 10x4 kernel, stride 2, SAME, fused ReLU (the MLPerf Tiny KWS definition).
  assert.deepEqual(conv.options, { padding: 'SAME', strideW: 2, strideH: 2, activation: 'RELU', dilationW: 1, dilationH: 1 });
  const filter = g.tensors[conv.inputs[1]!]!;
  assert.deepEqual(filter.shape, [64, 10, 4, 1]);
  assert.equal(filter.quant!.scale.length, 64);
  assert.equal(filter.quant!.axis, 0);
  assert.ok(filter.quant!.zeroPoint.every((z) => z === 0));
  // The data bytes are exactly the bytes of the file's buffer (found by content).
  const at = Buffer.from(bytes).indexOf(Buffer.from(filter.data!));
  assert.ok(at > 0 && at % 4 === 0);
  assert.equal(filter.data!.byteOffset, 0, 'constant data is an own, aligned copy');
  const dw = g.ops[1]!;
  assert.equal(dw.kind, 'DEPTHWISE_CONV_2D');
  assert.equal((dw.options as { depthMultiplier: number }).depthMultiplier, 1);
  const pool = g.ops[9]!;
  assert.deepEqual(pool.options, { padding: 'VALID', strideW: 5, strideH: 25, filterW: 5, filterH: 25, activation: 'NONE' });
  assert.equal(g.ops[11]!.kind, 'FULLY_CONNECTED');
  assert.deepEqual(g.ops[11]!.options, { activation: 'NONE', keepNumDims: false });
  assert.equal(g.ops[12]!.kind, 'SOFTMAX');
  assert.deepEqual(g.ops[12]!.options, { beta: 1 });
  assert.deepEqual(g.metadata.map((m) => m.name), ['min_runtime_version']);
  assert.equal(g.description, 'MLIR Converted.');
});

test('operator codes: the larger of builtin_code and deprecated_builtin_code wins', () => {
  // aww (older encoding) stores only deprecated_builtin_code; resnet stores both fields.
  const original = readModel(modelBytes('resnet')).ops.map((o) => o.kind);
  for (const slot of [OPERATOR_CODE.deprecatedBuiltinCode, OPERATOR_CODE.builtinCode]) {
    const m = open('resnet');
    const softmax = m.root.tables(MODEL.operatorCodes, 'operator_codes')[5]!;
    assert.equal(softmax.i32(OPERATOR_CODE.builtinCode), 25);
    // Zero one of the two fields: the other (larger) one still says SOFTMAX.
    if (slot === OPERATOR_CODE.builtinCode) m.view.setInt32(fieldAt(softmax, slot), 0, true);
    else m.view.setInt8(fieldAt(softmax, slot), 0);
    assert.deepEqual(readModel(m.bytes).ops.map((o) => o.kind), original);
  }
  const aww = open('aww');
  assert.equal(aww.root.tables(MODEL.operatorCodes, 'operator_codes')[0]!.has(OPERATOR_CODE.builtinCode), false);
  assert.equal(readModel(aww.bytes).ops[0]!.kind, 'CONV_2D');
});

test('loadModel on a missing file is a ModelError naming the path', () => {
  assert.throws(() => loadModel('/nonexistent/x.tflite'), (e: unknown) => e instanceof ModelError && /\/nonexistent\/x\.tflite/.test(e.message));
});
