import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModel } from '../../firmware/model/reader.ts';
import { ModelError } from '../../firmware/ir/graph.ts';
import { BUFFER, MODEL, OPERATOR, TENSOR } from '../../firmware/model/schema.ts';
import { fieldAt, modelBytes, modelWithSubgraphs, open, opInputAt, opTable, tensorTable } from './patch.ts';

function throwsModelError(bytes: Uint8Array, pattern: RegExp, where?: { op?: number; tensor?: number }): void {
  assert.throws(() => readModel(bytes), (e: unknown) => {
    assert.ok(e instanceof ModelError, `expected ModelError, got ${String(e)}`);
    assert.match(e.message, pattern);
    if (where?.op !== undefined) assert.equal(e.where?.op, where.op);
    if (where?.tensor !== undefined) assert.equal(e.where?.tensor, where.tensor);
    return true;
  });
}

test('not a tflite: empty, text, truncated header', () => {
  throwsModelError(new Uint8Array(0), /only 0 bytes/);
  throwsModelError(new TextEncoder().encode('hello, this is not a model at all'), /file identifier/);
  throwsModelError(modelBytes('aww').slice(0, 6), /only 6 bytes/);
});

test('wrong file identifier', () => {
  const bytes = modelBytes('sine_model');
  bytes.set(new TextEncoder().encode('TFL2'), 4);
  throwsModelError(bytes, /file identifier is "TFL2", expected "TFL3"/);
});

test('truncated model', () => {
  const bytes = modelBytes('aww');
  throwsModelError(bytes.slice(0, bytes.length - 100), /outside the \d+-byte file/);
  throwsModelError(bytes.slice(0, 64), /outside the 64-byte file/);
});

test('unsupported op names the builtin and the op index', () => {
  const m = open('aww');
  // SOFTMAX's operator code (the 6th) becomes TRANSPOSE (39); SOFTMAX is aww's last op, op 12.
  const code = m.root.tables(MODEL.operatorCodes, 'operator_codes')[5]!;
  assert.equal(code.i8(0), 25);
  m.view.setInt8(fieldAt(code, 0), 39);
  throwsModelError(m.bytes, /^op 12: TRANSPOSE \(builtin code 39\) is not supported/, { op: 12 });
});

test('custom op is not supported', () => {
  const m = open('aww');
  const code = m.root.tables(MODEL.operatorCodes, 'operator_codes')[5]!;
  m.view.setInt8(fieldAt(code, 0), 32);
  throwsModelError(m.bytes, /op 12: custom op/, { op: 12 });
});

test('unsupported dtype names the tensor index', () => {
  for (const [type, re] of [[1, /tensor 0 \("input_1"\): unsupported tensor type 1/], [5, /tensor 0 .*type 5/], [17, /type 17/]] as const) {
    const m = open('aww');
    m.view.setInt8(fieldAt(tensorTable(m, 0), TENSOR.type), type);
    throwsModelError(m.bytes, re, { tensor: 0 });
  }
});

test('more than one subgraph, or none', () => {
  throwsModelError(modelWithSubgraphs(2), /2 subgraphs; tinyrack supports exactly one/);
  throwsModelError(modelWithSubgraphs(0), /no subgraph/);
});

test('out-of-range tensor index in an op', () => {
  const m = open('aww');
  m.view.setInt32(opInputAt(m, 3, 0), 999, true);
  throwsModelError(m.bytes, /op 3 \(DEPTHWISE_CONV_2D\) inputs\[0\] = 999 is not a tensor index/);
});

test('out-of-range opcode index', () => {
  const m = open('aww');
  m.view.setUint32(fieldAt(opTable(m, 1), OPERATOR.opcodeIndex), 77, true);
  throwsModelError(m.bytes, /op 1: opcode index 77 out of range/, { op: 1 });
});

test('out-of-range buffer index', () => {
  const m = open('aww');
  const filterId = 17; // aww op 0's filter
  m.view.setUint32(fieldAt(tensorTable(m, filterId), TENSOR.buffer), 99999, true);
  throwsModelError(m.bytes, /tensor 17 .* refers to buffer 99999/);
});

test('buffer too short for the tensor shape', () => {
  const m = open('aww');
  const t = tensorTable(m, 17);
  const buffer = m.root.tables(MODEL.buffers, 'buffers')[t.u32(TENSOR.buffer)]!;
  const vec = buffer.vector(BUFFER.data, 1, 'data')!;
  assert.equal(vec.length, 64 * 10 * 4);
  m.view.setUint32(vec.start - 4, vec.length - 1, true);
  throwsModelError(m.bytes, /tensor 17 .*buffer holds 2559 bytes, shape \[64, 10, 4, 1\] int8 needs 2560/, { tensor: 17 });
});

test('inconsistent shapes are caught by validation', () => {
  const m = open('aww');
  // Op 0's output (tensor 22) claims 26 rows where SAME/stride 2 over 49 gives 25.
  const shape = tensorTable(m, 22).vector(TENSOR.shape, 4, 'shape')!;
  m.view.setInt32(shape.start + 4, 26, true);
  throwsModelError(m.bytes, /op 0 \(CONV_2D_0\): output shape \[1,26,5,64\], expected \[1,25,5,64\]/, { op: 0 });
});

test('negative dimension is rejected', () => {
  const m = open('aww');
  const shape = tensorTable(m, 0).vector(TENSOR.shape, 4, 'shape')!;
  m.view.setInt32(shape.start, -1, true);
  throwsModelError(m.bytes, /tensor 0 .*negative dimension/, { tensor: 0 });
});

test('mixed weight/activation dtypes (hybrid kernels) are rejected, naming the op', () => {
  const m = open('aww');
  // Op 0's filter (tensor 17) becomes uint8 while the input stays int8.
  m.view.setInt8(fieldAt(tensorTable(m, 17), TENSOR.type), 3);
  throwsModelError(m.bytes, /op 0 \(CONV_2D_0\): int8 input with uint8 weights is not supported/, { op: 0 });
});
