// The parts of TFLite's schema.fbs (namespace tflite, file identifier "TFL3") that tinyrack reads
// and writes: enum values, union member numbers and table field slots. Written from the schema's
// field order (slot n = the n-th declared field; a union field takes two slots: type, then value).
import { INTERNAL_OPS, ModelError, type Activation, type DType, type OpKind, type Padding } from '../ir/graph.ts';

export const FILE_IDENTIFIER = 'TFL3';
export const SCHEMA_VERSION = 3;

/** BuiltinOperator codes of the ops tinyrack supports. */
export const BUILTIN_CODE: Record<OpKind, number> = internalKindsThrow({
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6,
  FULLY_CONNECTED: 9, LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RESHAPE: 22, SOFTMAX: 25, TANH: 28,
  PAD: 34, GATHER: 36, MEAN: 40, SQUEEZE: 43, STRIDED_SLICE: 45, CAST: 53, SLICE: 65, QUANTIZE: 114,
});

/**
 * Internal op kinds (PARTIAL_SUM*, see ir/graph.ts) have no builtin code: reading their code
 * (what the writer does) throws a clear error instead of writing a wrong operator. They are not
 * enumerable, so KIND_BY_CODE never maps a file's code to them.
 */
function internalKindsThrow(codes: Record<Exclude<OpKind, typeof INTERNAL_OPS[number]>, number>): Record<OpKind, number> {
  for (const kind of INTERNAL_OPS) {
    Object.defineProperty(codes, kind, {
      enumerable: false,
      get(): never {
        throw new ModelError(`${kind} is an internal tinyrack op with no TFLite builtin; lower the graph first (firmware/tiling/export.ts lowerForExport)`, { opKind: kind });
      },
    });
  }
  return codes as Record<OpKind, number>;
}
export const KIND_BY_CODE: ReadonlyMap<number, OpKind> = new Map(
  (Object.entries(BUILTIN_CODE) as [OpKind, number][]).map(([k, c]) => [c, k]));

/** Builtin codes tinyrack does not support but names in error messages (a few common ones). */
export const OTHER_BUILTIN_NAMES: Record<number, string> = {
  5: 'DEPTH_TO_SPACE', 8: 'FLOOR', 19: 'RELU', 20: 'RELU_N1_TO_1', 21: 'RELU6',
  23: 'RESIZE_BILINEAR', 26: 'SPACE_TO_DEPTH', 27: 'SVDF', 32: 'CUSTOM', 39: 'TRANSPOSE', 41: 'SUB',
  42: 'DIV', 44: 'UNIDIRECTIONAL_SEQUENCE_LSTM', 47: 'EXP', 49: 'SPLIT', 54: 'PRELU', 55: 'MAXIMUM',
  56: 'ARG_MAX', 57: 'MINIMUM', 60: 'PADV2', 67: 'TRANSPOSE_CONV', 70: 'EXPAND_DIMS', 74: 'SUM',
  83: 'PACK', 88: 'UNPACK', 97: 'RESIZE_NEAREST_NEIGHBOR', 98: 'LEAKY_RELU', 117: 'HARD_SWISH',
  126: 'BATCH_MATMUL',
};
export const CUSTOM_CODE = 32;

/** TensorType values for the IR dtypes (FLOAT16, STRING, INT4, ... are not supported). */
export const TENSOR_TYPE: Record<DType, number> = {
  float32: 0, int32: 2, uint8: 3, int64: 4, bool: 6, int16: 7, int8: 9,
};
export const DTYPE_BY_TYPE: ReadonlyMap<number, DType> = new Map(
  (Object.entries(TENSOR_TYPE) as [DType, number][]).map(([d, t]) => [t, d]));

export const PADDING: readonly Padding[] = ['SAME', 'VALID'];
export const ACTIVATION: readonly Activation[] = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];

/** BuiltinOptions union member number per op kind; kinds without an options table map to 0 (NONE). */
export const OPTIONS_TYPE: Record<OpKind, number> = {
  CONV_2D: 1, DEPTHWISE_CONV_2D: 2, AVERAGE_POOL_2D: 5, MAX_POOL_2D: 5, FULLY_CONNECTED: 8,
  SOFTMAX: 9, CONCATENATION: 10, ADD: 11, RESHAPE: 17, MUL: 21, PAD: 22, GATHER: 23, MEAN: 27,
  SQUEEZE: 30, STRIDED_SLICE: 32, CAST: 37, DEQUANTIZE: 38, SLICE: 48, QUANTIZE: 89,
  LOGISTIC: 0, TANH: 0, PARTIAL_SUM: 0, PARTIAL_SUM_REQUANTIZE: 0, RESIDUAL_BLOCK: 0, ROW_CHAIN: 0,
};

// Table field slots.
export const MODEL = { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4, metadataBuffer: 5, metadata: 6, signatureDefs: 7 } as const;
export const OPERATOR_CODE = { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 } as const;
export const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 } as const;
export const TENSOR = { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, isVariable: 5, sparsity: 6, shapeSignature: 7, hasRank: 8 } as const;
export const QUANT = { min: 0, max: 1, scale: 2, zeroPoint: 3, detailsType: 4, details: 5, quantizedDimension: 6 } as const;
export const OPERATOR = { opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptionsType: 3, builtinOptions: 4, customOptions: 5, customOptionsFormat: 6, mutatingVariableInputs: 7, intermediates: 8 } as const;
export const BUFFER = { data: 0, offset: 1, size: 2 } as const;
export const METADATA = { name: 0, buffer: 1 } as const;

/** How one IR option field is stored in its options table. */
export type FieldType = 'int32' | 'bool' | 'float32' | 'padding' | 'activation' | 'int32[]' | 'int32[]?';
export interface OptionField { key: string; slot: number; type: FieldType; def?: number }

/**
 * Option tables by op kind: IR key, table slot, stored type, schema default. 'int32[]?' is a
 * vector that may be absent (kept as undefined in the IR), 'int32[]' defaults to [].
 */
export const OPTION_FIELDS: Partial<Record<OpKind, readonly OptionField[]>> = {
  CONV_2D: [
    { key: 'padding', slot: 0, type: 'padding' }, { key: 'strideW', slot: 1, type: 'int32' },
    { key: 'strideH', slot: 2, type: 'int32' }, { key: 'activation', slot: 3, type: 'activation' },
    { key: 'dilationW', slot: 4, type: 'int32', def: 1 }, { key: 'dilationH', slot: 5, type: 'int32', def: 1 },
  ],
  DEPTHWISE_CONV_2D: [
    { key: 'padding', slot: 0, type: 'padding' }, { key: 'strideW', slot: 1, type: 'int32' },
    { key: 'strideH', slot: 2, type: 'int32' }, { key: 'depthMultiplier', slot: 3, type: 'int32' },
    { key: 'activation', slot: 4, type: 'activation' },
    { key: 'dilationW', slot: 5, type: 'int32', def: 1 }, { key: 'dilationH', slot: 6, type: 'int32', def: 1 },
  ],
  AVERAGE_POOL_2D: poolFields(),
  MAX_POOL_2D: poolFields(),
  FULLY_CONNECTED: [
    { key: 'activation', slot: 0, type: 'activation' }, { key: 'keepNumDims', slot: 2, type: 'bool' },
  ],
  SOFTMAX: [{ key: 'beta', slot: 0, type: 'float32' }],
  CONCATENATION: [{ key: 'axis', slot: 0, type: 'int32' }, { key: 'activation', slot: 1, type: 'activation' }],
  ADD: [{ key: 'activation', slot: 0, type: 'activation' }],
  MUL: [{ key: 'activation', slot: 0, type: 'activation' }],
  RESHAPE: [{ key: 'newShape', slot: 0, type: 'int32[]?' }],
  STRIDED_SLICE: [
    { key: 'beginMask', slot: 0, type: 'int32' }, { key: 'endMask', slot: 1, type: 'int32' },
    { key: 'ellipsisMask', slot: 2, type: 'int32' }, { key: 'newAxisMask', slot: 3, type: 'int32' },
    { key: 'shrinkAxisMask', slot: 4, type: 'int32' }, { key: 'offset', slot: 5, type: 'bool' },
  ],
  MEAN: [{ key: 'keepDims', slot: 0, type: 'bool' }],
  GATHER: [{ key: 'axis', slot: 0, type: 'int32' }, { key: 'batchDims', slot: 1, type: 'int32' }],
  SQUEEZE: [{ key: 'squeezeDims', slot: 0, type: 'int32[]' }],
};

function poolFields(): OptionField[] {
  return [
    { key: 'padding', slot: 0, type: 'padding' }, { key: 'strideW', slot: 1, type: 'int32' },
    { key: 'strideH', slot: 2, type: 'int32' }, { key: 'filterW', slot: 3, type: 'int32' },
    { key: 'filterH', slot: 4, type: 'int32' }, { key: 'activation', slot: 5, type: 'activation' },
  ];
}

export function builtinName(code: number): string {
  return KIND_BY_CODE.get(code) ?? OTHER_BUILTIN_NAMES[code] ?? `builtin code ${code}`;
}
