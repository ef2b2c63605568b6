// Lifetimes follow TFLite-Micro's rules: inputs live from the start, outputs to the end,
// each tensor from its producer to its last reader, sizes rounded up to 16 bytes, requests
// in tensor-index order, constants and variables not planned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bufferLifetimes } from '../../firmware/plan/lifetimes.ts';
import { ModelError } from '../../firmware/ir/graph.ts';
import { act, graph, interleavedBranches, op } from './synthetic.ts';

test('branch graph: spans, alignment and request order', () => {
  const g = interleavedBranches();
  const { buffers } = bufferLifetimes(g, [0, 1, 2, 3, 4]);
  assert.deepEqual(buffers.map((b) => [b.tensor, b.size, b.firstOp, b.lastOp]), [
    [0, 16, 0, 1], // input: from the start to its last reader (op 1)
    [1, 1024, 0, 2],
    [2, 1024, 1, 3],
    [3, 16, 2, 4],
    [4, 16, 3, 4],
    [5, 16, 4, 4], // output: to the end
  ]);
  // Another order moves the spans with it.
  const other = bufferLifetimes(g, [0, 2, 1, 3, 4]).buffers;
  assert.deepEqual(other.map((b) => [b.firstOp, b.lastOp]), [[0, 2], [0, 1], [2, 3], [1, 4], [3, 4], [4, 4]]);
});

test('sizes round up to the alignment; constants, variables and empty tensors are skipped', () => {
  const weights = { name: 'w', shape: [10], dtype: 'int8' as const, data: new Uint8Array(10) };
  const state = { name: 'state', shape: [8], dtype: 'int8' as const, isVariable: true };
  const empty = { name: 'empty', shape: [0], dtype: 'int8' as const };
  const g = graph([act('in', 3), weights, act('out', 17), state, empty],
    [op('FULLY_CONNECTED', [0, 1, -1, 3], [2])], [0], [2]);
  const { buffers } = bufferLifetimes(g, [0]);
  assert.deepEqual(buffers.map((b) => [b.tensor, b.size]), [[0, 16], [2, 32]]);
  assert.deepEqual(bufferLifetimes(g, [0], { align: 1 }).buffers.map((b) => b.size), [3, 17]);
});

test('scratch buffers live only during their op and follow the tensors', () => {
  const g = interleavedBranches();
  const { buffers } = bufferLifetimes(g, [0, 1, 2, 3, 4], { scratch: (_g, i) => (i === 2 ? 100 : 0) });
  const s = buffers.at(-1)!;
  assert.deepEqual([s.kind, s.op, s.size, s.firstOp, s.lastOp], ['scratch', 2, 112, 2, 2]);
});

test('aliasReshape: RESHAPE output shares its input buffer over both lifetimes', () => {
  const g = graph([act('in', 64), act('x', 64), act('flat', 64), act('out', 16)], [
    op('CONV_2D', [0], [1]), op('RESHAPE', [1], [2]), op('FULLY_CONNECTED', [2], [3]),
  ], [0], [3]);
  const plain = bufferLifetimes(g, [0, 1, 2]);
  assert.equal(plain.buffers.length, 4);
  const aliased = bufferLifetimes(g, [0, 1, 2], { aliasReshape: true });
  assert.deepEqual(aliased.aliases, { 2: 1 });
  assert.deepEqual(aliased.buffers.map((b) => [b.tensor, b.firstOp, b.lastOp]), [[0, 0, 0], [1, 0, 2], [3, 2, 2]]);
});

test('bad orders and dangling reads are errors naming the problem', () => {
  const g = interleavedBranches();
  assert.throws(() => bufferLifetimes(g, [2, 0, 1, 3, 4]), (e: Error) => e instanceof ModelError && /op 2 .* before op 0/.test(e.message));
  assert.throws(() => bufferLifetimes(g, [0, 1, 2, 3]), /4 ops, graph has 5/);
  assert.throws(() => bufferLifetimes(g, [0, 0, 2, 3, 4]), /not a permutation/);
  const dangling = graph([act('in', 4), act('ghost', 4), act('out', 4)], [op('ADD', [0, 1], [2])], [0], [2]);
  assert.throws(() => bufferLifetimes(dangling, [0]), /tensor 1 "ghost" that nothing produces/);
});
