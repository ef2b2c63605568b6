// What the aot build on cores without DSP asks of a tiled plan (BackendModule.streamGaps):
// per int8 CONV_2D the quad walker (tr_conv_quad_rv32.h) would take, the gap below its input
// at which it runs every border quad its layer gets with the output apart (lower-scalar.ts
// quadWalkerGap). The planner's CONV_2D rule (plan/streaming.ts) gives only the 2-pixel lag,
// enough for the raster walk but not for the column quads, which run first; the build moves
// the pair that far apart where the arena has room (firmware/build/stream-gaps.ts).
import type { Graph, Op } from '../../ir/graph.ts';
import { leadingPad } from '../../ir/shape.ts';
import { quadWalkerGap } from './lower-scalar.ts';

/** Op index -> the gap its quad walker with every border quad needs (bytes, output below input). */
export function rv32WalkerGaps(graph: Graph): Map<number, number> {
  const gaps = new Map<number, number>();
  graph.ops.forEach((op, i) => {
    if (op.kind !== 'CONV_2D') return;
    const x = graph.tensors[op.inputs[0]!]; const w = graph.tensors[op.inputs[1]!]; const y = graph.tensors[op.outputs[0]!];
    if (!x || !w || !y || x.shape.length !== 4 || w.shape.length !== 4 || y.shape.length !== 4) return;
    if (x.dtype !== 'int8' || w.dtype !== 'int8' || y.dtype !== 'int8') return;
    const o = (op as Op<'CONV_2D'>).options;
    const [batches, inH, inW, inC] = x.shape as [number, number, number, number];
    const [, outH, outW, outC] = y.shape as [number, number, number, number];
    const kH = w.shape[1]!; const kW = w.shape[2]!;
    // one input or output channel: the one-channel kernels (lower-scalar-depthwise.ts)
    if (inC < 2 || outC < 2) return;
    const padTop = leadingPad(o.padding, inH, kH, o.strideH, o.dilationH, outH);
    const padLeft = leadingPad(o.padding, inW, kW, o.strideW, o.dilationW, outW);
    const gemm = kH === 1 && kW === 1 && o.strideH === 1 && o.strideW === 1 && padTop === 0 && padLeft === 0 && outH === inH && outW === inW;
    const gap = quadWalkerGap({
      batches, inH, inW, inC, outH, outW, outC, kH, kW, strideH: o.strideH, strideW: o.strideW,
      dilationH: o.dilationH, dilationW: o.dilationW, padTop, padLeft, gemm, reverse: false,
    });
    if (gap !== undefined) gaps.set(i, gap);
  });
  return gaps;
}
