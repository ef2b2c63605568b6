// Bad inputs and unsupported graphs give clear errors naming the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGraph, runGraphAll } from '../../firmware/interp/interpreter.ts';
import { GraphBuilder, q } from './one-op.ts';

function addGraph(dtype: 'int8' | 'float32' | 'int16') {
  const g = new GraphBuilder();
  const quant = dtype === 'float32' ? undefined : q(0.1, 0);
  const a = g.tensor('a', [2, 3], dtype, quant);
  const b = g.tensor('b', [2, 3], dtype, quant);
  const y = g.tensor('y', [2, 3], dtype, quant);
  g.op('ADD', [a, b], [y], { activation: 'NONE' });
  return g.build([a, b], [y]);
}

test('input count, size and dtype are checked', () => {
  const graph = addGraph('int8');
  assert.throws(() => runGraph(graph, [new Int8Array(6)]), /has 2 input\(s\), got 1/);
  assert.throws(() => runGraph(graph, [new Int8Array(6), new Int8Array(5)]), /input 1 \("b"\) has shape \[2,3\] = 6 values, got 5/);
  assert.throws(() => runGraph(graph, [new Int8Array(6), new Float32Array(6)]), /input 1 \("b"\) is int8, got float32 data/);
});

test('an unsupported dtype names the op, its index and the dtype', () => {
  const graph = addGraph('int16');
  assert.throws(() => runGraph(graph, [new Int16Array(6), new Int16Array(6)]), /op 0 \(ADD "ADD_0"\): unsupported dtype int16/);
});

test('an unsupported op kind names the op, its index and the dtype', () => {
  const graph = addGraph('float32');
  (graph.ops[0] as { kind: string }).kind = 'BATCH_MATMUL';
  assert.throws(() => runGraph(graph, [new Float32Array(6), new Float32Array(6)]), /op 0 \(BATCH_MATMUL "ADD_0", float32\): not supported/);
});

test('a wrong output shape in the graph is reported, not silently computed', () => {
  const g = new GraphBuilder();
  const x = g.tensor('x', [1, 4, 4, 1], 'float32');
  const y = g.tensor('y', [1, 3, 3, 1], 'float32');
  g.op('PAD', [x, g.tensor('p', [4, 2], 'int32', undefined, Int32Array.from([0, 0, 1, 1, 1, 1, 0, 0]))], [y], {});
  assert.throws(() => runGraph(g.build([x], [y]), [new Float32Array(16)]), /output "y" has shape \[1,3,3,1\], the op computes \[1,6,6,1\]/);
});

test('runGraphAll exposes every intermediate tensor by id', () => {
  const g = new GraphBuilder();
  const x = g.tensor('x', [4], 'float32');
  const mid = g.tensor('mid', [4], 'float32');
  const y = g.tensor('y', [4], 'float32');
  g.op('ADD', [x, x], [mid], { activation: 'NONE' });
  g.op('MUL', [mid, x], [y], { activation: 'RELU' });
  const values = runGraphAll(g.build([x], [y]), [Float32Array.from([1, -2, 3, 0.5])]);
  assert.deepEqual(Array.from(values[mid] as Float32Array), [2, -4, 6, 1]);
  assert.deepEqual(Array.from(values[y] as Float32Array), [2, 8, 18, 0.5]);
});

test('an unknown arithmetic is rejected, and tflm refuses the int8 ops it does not reproduce', () => {
  const graph = addGraph('float32');
  assert.throws(() => runGraph(graph, [new Float32Array(6), new Float32Array(6)], { arithmetic: 'fast' as never }), /unknown arithmetic "fast"/);
  const g = new GraphBuilder();
  const x = g.tensor('x', [4], 'int8', q(0.1, 0));
  const y = g.tensor('y', [4], 'int8', q(1 / 256, -128));
  g.op('LOGISTIC', [x], [y], {});
  assert.throws(() => runGraph(g.build([x], [y]), [new Int8Array(4)], { arithmetic: 'tflm' }), /int8 LOGISTIC is not reproduced for the tflm arithmetic/);
});

test('a conv bias of the wrong length or dtype is reported', () => {
  const build = (biasDType: 'int32' | 'float32', count: number) => {
    const g = new GraphBuilder();
    const x = g.tensor('x', [1, 3, 3, 2], 'int8', q(0.1, 0));
    const f = g.tensor('f', [4, 1, 1, 2], 'int8', q([0.1, 0.1, 0.1, 0.1], 0), new Int8Array(8));
    const b = g.tensor('b', [count], biasDType, undefined, biasDType === 'int32' ? new Int32Array(count) : new Float32Array(count));
    const y = g.tensor('y', [1, 3, 3, 4], 'int8', q(0.1, 0));
    g.op('CONV_2D', [x, f, b], [y], { padding: 'VALID', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, activation: 'NONE' });
    return g.build([x], [y]);
  };
  assert.throws(() => runGraph(build('int32', 3), [new Int8Array(18)]), /bias "b" has 3 values for 4 output channels/);
  assert.throws(() => runGraph(build('float32', 4), [new Int8Array(18)]), /bias "b" is float32, a int8 kernel needs int32/);
  assert.equal(runGraph(build('int32', 4), [new Int8Array(18)])[0]!.length, 36);
});
