// Work counts per op, from shapes alone (works on any IR graph, including tiled ones with
// inserted STRIDED_SLICE / CONCATENATION / PAD / ADD ops).
//
// MACs count multiply-accumulates of the convolution-like ops only:
//   CONV_2D            outH*outW*outC * kH*kW*(filter input channels)   (per batch, times N)
//   DEPTHWISE_CONV_2D  outH*outW*outC * kH*kW
//   FULLY_CONNECTED    output elements * input depth (= batch * units * depth)
// Everything else counts 0 MACs: pooling, elementwise ADD/MUL, softmax, means and data movement
// are not multiply-accumulates. Their arithmetic is reported separately by opOps():
//   pools: output elements * window size (one add or compare per window element)
//   ADD/MUL: output elements; SOFTMAX/LOGISTIC/TANH/QUANTIZE/DEQUANTIZE/CAST: output elements
//   MEAN: input elements (one add each)
//   RESHAPE/SQUEEZE/PAD/CONCATENATION/STRIDED_SLICE/SLICE/GATHER: 0 (pure data movement)
// For MAC ops opOps() is 2 * MACs (a multiply and an add), the usual FLOP/OP convention.
import { numElements, type Graph, type Op } from './graph.ts';
import { rowChainOpGeometry } from './row-chain.ts';

function shapeOf(graph: Graph, id: number | undefined): number[] {
  if (id === undefined || id < 0) return [];
  return graph.tensors[id]?.shape ?? [];
}

export function opMacs(graph: Graph, op: Op): number {
  const out = shapeOf(graph, op.outputs[0]);
  switch (op.kind) {
    case 'CONV_2D': {
      const [, kh = 0, kw = 0, inC = 0] = shapeOf(graph, op.inputs[1]);
      return numElements(out) * kh * kw * inC;
    }
    case 'DEPTHWISE_CONV_2D': {
      const [, kh = 0, kw = 0] = shapeOf(graph, op.inputs[1]);
      return numElements(out) * kh * kw;
    }
    case 'FULLY_CONNECTED': {
      const w = shapeOf(graph, op.inputs[1]);
      return numElements(out) * (w[1] ?? 0);
    }
    case 'PARTIAL_SUM': {
      // A slice of a tiled conv/FC summed over input channels: the same multiply-accumulates
      // its base op would do for that slice (so FDT with partial sums adds no MACs).
      const o = (op as Op<'PARTIAL_SUM'>).options;
      if (o.base === 'AVERAGE_POOL_2D') return 0; // pooling is not a multiply-accumulate
      const w = shapeOf(graph, op.inputs[1]);
      return o.base === 'CONV_2D' ? numElements(out) * (w[1] ?? 0) * (w[2] ?? 0) * (w[3] ?? 0) : numElements(out) * (w[1] ?? 0);
    }
    case 'ROW_CHAIN': {
      // Every stage over its whole map and the FC end (row by row, nothing recomputed).
      const o = (op as Op<'ROW_CHAIN'>).options;
      const geo = rowChainOpGeometry(graph, op as Op<'ROW_CHAIN'>);
      const stages = geo.reduce((sum, s, k) => sum + s.outH * s.outW * s.outC * s.kH * s.kW * (o.stages[k]!.kind === 'CONV_2D' ? s.inC : 1), 0);
      const fc = o.end?.kind === 'FULLY_CONNECTED' ? numElements(shapeOf(graph, op.inputs[op.inputs.length - 2])) : 0;
      return stages + fc;
    }
    case 'RESIDUAL_BLOCK': {
      // Every conv of the block over the whole map (row by row, nothing recomputed).
      const [, h = 0, w = 0, c = 0] = out;
      const [ca = 0, kha = 0, kwa = 0, ia = 0] = shapeOf(graph, op.inputs[1]);
      const [, khb = 0, kwb = 0, ib = 0] = shapeOf(graph, op.inputs[3]);
      const [, khs = 0, kws = 0, is = 0] = shapeOf(graph, op.inputs[5]);
      return h * w * (ca * kha * kwa * ia + c * khb * kwb * ib + c * khs * kws * is);
    }
    default:
      return 0;
  }
}

export function opOps(graph: Graph, op: Op): number {
  const out = numElements(shapeOf(graph, op.outputs[0]));
  switch (op.kind) {
    case 'CONV_2D': case 'DEPTHWISE_CONV_2D': case 'FULLY_CONNECTED':
      return 2 * opMacs(graph, op);
    case 'RESIDUAL_BLOCK':
      return 2 * opMacs(graph, op) + out; // the two convs and the ADD
    case 'ROW_CHAIN':
      return 2 * opMacs(graph, op);
    case 'AVERAGE_POOL_2D': case 'MAX_POOL_2D': {
      const o = (op as Op<'MAX_POOL_2D'>).options;
      return out * o.filterW * o.filterH;
    }
    case 'ADD': case 'MUL': case 'SOFTMAX': case 'LOGISTIC': case 'TANH':
    case 'QUANTIZE': case 'DEQUANTIZE': case 'CAST':
      return out;
    case 'MEAN':
      return numElements(shapeOf(graph, op.inputs[0]));
    default:
      return 0;
  }
}

export function graphMacs(graph: Graph): number {
  return graph.ops.reduce((sum, op) => sum + opMacs(graph, op), 0);
}

export function graphOps(graph: Graph): number {
  return graph.ops.reduce((sum, op) => sum + opOps(graph, op), 0);
}
