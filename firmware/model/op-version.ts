// The OperatorCode version to write for an op: the lowest kernel version that supports its dtypes
// and options, following the rules of TFLite's op_version.cc for the cases tinyrack produces.
// Runtimes resolve kernels by (code, version), so a version too low could select a kernel that
// lacks a feature; too high could be rejected by an older runtime.
import type { Graph, Op } from '../ir/graph.ts';

export function opVersion(graph: Graph, op: Op): number {
  const dtype = op.inputs[0] !== undefined && op.inputs[0] >= 0 ? graph.tensors[op.inputs[0]]!.dtype : 'float32';
  const int8 = dtype === 'int8';
  const int16 = dtype === 'int16';
  switch (op.kind) {
    case 'CONV_2D': {
      const o = (op as Op<'CONV_2D'>).options;
      if (int16) return 4;
      if (int8) return 3;
      return o.dilationW !== 1 || o.dilationH !== 1 ? 2 : 1;
    }
    case 'DEPTHWISE_CONV_2D': {
      const o = (op as Op<'DEPTHWISE_CONV_2D'>).options;
      if (int8) return 3;
      return o.dilationW !== 1 || o.dilationH !== 1 ? 2 : 1;
    }
    case 'FULLY_CONNECTED': {
      const o = (op as Op<'FULLY_CONNECTED'>).options;
      if (o.keepNumDims) return 5;
      return int8 ? 4 : 1;
    }
    case 'AVERAGE_POOL_2D': case 'MAX_POOL_2D': case 'ADD': case 'MUL': case 'SOFTMAX':
    case 'CONCATENATION': case 'LOGISTIC': case 'TANH':
      return int16 ? 3 : int8 ? 2 : 1;
    case 'PAD': case 'STRIDED_SLICE': case 'SLICE': case 'MEAN': case 'GATHER': case 'DEQUANTIZE':
      return int8 ? 2 : 1;
    case 'QUANTIZE':
      // Re-quantizing int8 -> int8 needs version 2.
      return int8 ? 2 : 1;
    default:
      return 1;
  }
}
