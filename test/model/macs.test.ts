import { test } from 'node:test';
import assert from 'node:assert/strict';
import { graphMacs, opMacs, opOps } from '../../firmware/ir/macs.ts';
import { validateGraph } from '../../firmware/ir/validate.ts';
import type { Graph, Op, Tensor } from '../../firmware/ir/graph.ts';

const act = (shape: number[]): Tensor => ({ name: `a${shape.join('x')}`, shape, dtype: 'int8' });
const konst = (shape: number[], dtype: 'int8' | 'int32' = 'int8', values?: number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'int32'
    ? new Uint8Array(Int32Array.from(values ?? new Array(n).fill(0)).buffer)
    : new Uint8Array(n);
  return { name: `c${shape.join('x')}`, shape, dtype, data };
};
const convOpts = (padding: 'SAME' | 'VALID', stride: number) =>
  ({ padding, strideW: stride, strideH: stride, dilationW: 1, dilationH: 1, activation: 'NONE' as const });

/** Multiply-accumulates of a conv counted by walking its loops (every kernel tap, padded or not). */
function loopCountConv(outH: number, outW: number, outC: number, kH: number, kW: number, inC: number): number {
  let n = 0;
  for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) for (let o = 0; o < outC; o++)
    for (let ky = 0; ky < kH; ky++) for (let kx = 0; kx < kW; kx++) for (let c = 0; c < inC; c++) n++;
  return n;
}

test('MACs of conv, depthwise and fully connected; 0 for pools, elementwise and data movement', () => {
  const g: Graph = {
    tensors: [
      act([1, 10, 10, 4]),                 // 0 input
      konst([8, 3, 3, 4]), konst([8], 'int32'), // 1, 2 conv filter, bias
      act([1, 5, 5, 8]),                   // 3 conv out (SAME, stride 2)
      konst([1, 3, 3, 16]),                // 4 depthwise filter, multiplier 2
      act([1, 3, 3, 16]),                  // 5 depthwise out (VALID)
      act([1, 1, 1, 16]),                  // 6 avg pool out
      konst([2], 'int32', [1, 16]),        // 7 reshape shape
      act([1, 16]),                        // 8
      konst([10, 16]), konst([10], 'int32'), // 9, 10 FC
      act([1, 10]),                        // 11
      act([1, 10]),                        // 12 ADD out
    ],
    ops: [
      { kind: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: convOpts('SAME', 2), name: 'CONV_2D_0' },
      { kind: 'DEPTHWISE_CONV_2D', inputs: [3, 4, -1], outputs: [5], options: { ...convOpts('VALID', 1), depthMultiplier: 2 }, name: 'DEPTHWISE_CONV_2D_1' },
      { kind: 'AVERAGE_POOL_2D', inputs: [5], outputs: [6], options: { padding: 'VALID', strideW: 3, strideH: 3, filterW: 3, filterH: 3, activation: 'NONE' }, name: 'AVERAGE_POOL_2D_2' },
      { kind: 'RESHAPE', inputs: [6, 7], outputs: [8], options: {}, name: 'RESHAPE_3' },
      { kind: 'FULLY_CONNECTED', inputs: [8, 9, 10], outputs: [11], options: { activation: 'NONE', keepNumDims: false }, name: 'FULLY_CONNECTED_4' },
      { kind: 'ADD', inputs: [11, 11], outputs: [12], options: { activation: 'NONE' }, name: 'ADD_5' },
    ] as Op[],
    inputs: [0], outputs: [12], metadata: [],
  };
  validateGraph(g);
  const macs = g.ops.map((op) => opMacs(g, op));
  assert.deepEqual(macs, [
    loopCountConv(5, 5, 8, 3, 3, 4),
    loopCountConv(3, 3, 16, 3, 3, 1), // depthwise: one input channel per output channel
    0, 0,
    10 * 16,
    0,
  ]);
  assert.equal(graphMacs(g), macs.reduce((a, b) => a + b, 0));
  assert.equal(opOps(g, g.ops[0]!), 2 * macs[0]!);
  assert.equal(opOps(g, g.ops[2]!), 16 * 9, 'pool: output elements x window');
  assert.equal(opOps(g, g.ops[5]!), 10, 'ADD: one op per output element');
});

test('a conv tiled into row halves (STRIDED_SLICE, 2 convs, CONCATENATION, PAD) keeps its MACs', () => {
  // Original: VALID 3x3 conv [1,8,8,4] -> [1,6,6,8]. Tiled: output rows 0-2 need input rows 0-4,
  // rows 3-5 need input rows 3-7; each half is a VALID conv on its slice.
  const ints = (v: number[]) => konst([v.length], 'int32', v);
  const filter = konst([8, 3, 3, 4]);
  const original: Graph = {
    tensors: [act([1, 8, 8, 4]), filter, act([1, 6, 6, 8])],
    ops: [{ kind: 'CONV_2D', inputs: [0, 1, -1], outputs: [2], options: convOpts('VALID', 1), name: 'CONV_2D_0' }],
    inputs: [0], outputs: [2], metadata: [],
  };
  const ss = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false };
  const tiled: Graph = {
    tensors: [
      act([1, 8, 8, 4]), filter,                         // 0, 1
      ints([0, 0, 0, 0]), ints([1, 5, 8, 4]), ints([1, 1, 1, 1]), // 2, 3, 4
      ints([0, 3, 0, 0]), ints([1, 8, 8, 4]),            // 5, 6
      act([1, 5, 8, 4]), act([1, 5, 8, 4]),              // 7, 8 slices
      act([1, 3, 6, 8]), act([1, 3, 6, 8]),              // 9, 10 partial outputs
      act([1, 6, 6, 8]),                                 // 11 concatenated
      konst([4, 2], 'int32', [0, 0, 1, 1, 1, 1, 0, 0]),  // 12 paddings
      act([1, 8, 8, 8]),                                 // 13 padded
    ],
    ops: [
      { kind: 'STRIDED_SLICE', inputs: [0, 2, 3, 4], outputs: [7], options: ss, name: 'STRIDED_SLICE_0' },
      { kind: 'STRIDED_SLICE', inputs: [0, 5, 6, 4], outputs: [8], options: ss, name: 'STRIDED_SLICE_1' },
      { kind: 'CONV_2D', inputs: [7, 1, -1], outputs: [9], options: convOpts('VALID', 1), name: 'CONV_2D_0_t0' },
      { kind: 'CONV_2D', inputs: [8, 1, -1], outputs: [10], options: convOpts('VALID', 1), name: 'CONV_2D_0_t1' },
      { kind: 'CONCATENATION', inputs: [9, 10], outputs: [11], options: { axis: 1, activation: 'NONE' }, name: 'CONCATENATION_4' },
      { kind: 'PAD', inputs: [11, 12], outputs: [13], options: {}, name: 'PAD_5' },
    ] as Op[],
    inputs: [0], outputs: [13], metadata: [],
  };
  validateGraph(original);
  validateGraph(tiled);
  assert.equal(graphMacs(original), loopCountConv(6, 6, 8, 3, 3, 4));
  assert.equal(graphMacs(tiled), graphMacs(original));
  assert.deepEqual(tiled.ops.map((op) => opOps(tiled, op) === 0), [true, true, false, false, true, true]);
});
