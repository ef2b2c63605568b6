// TFLite's integer quantization arithmetic, reproduced bit-exactly. This module is the single
// source of quantization math in tinyrack: the reference interpreter calls it per op, and the C
// code generators call it at generation time to precompute multipliers, shifts, clamps and
// lookup tables, so a generated model and the interpreter cannot disagree.
//
// Two arithmetics are reproduced (see Arithmetic below): TFLite's fixed-point reference kernels
// (what the C backends compute) and XNNPACK's float32 requantization (what the
// TensorFlow Lite CPU runtime computes, and what the model-set golden data holds).
//
// Conventions:
// - Scales come from the flatbuffer as float32; a JS number holding such a scale is exact.
//   Where TFLite computes in float32 we round every step with Math.fround; where it computes in
//   double (effective multipliers) we use plain JS numbers.
// - int32 arithmetic wraps like the C implementation on two's-complement targets.
// - Pure functions, no state.

import type { Activation, DType } from './graph.ts';

const TWO_POW_31 = 2147483648;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** C's std::frexp: x = mantissa * 2^exponent with 0.5 <= |mantissa| < 1 (x finite, non-zero). */
export function frexp(x: number): { mantissa: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { mantissa: x, exponent: 0 };
  let exponent = Math.max(-1073, Math.floor(Math.log2(Math.abs(x))) + 1);
  // Scale in two steps so that 2^-exponent cannot overflow for subnormal x.
  const half = Math.trunc(-exponent / 2);
  let mantissa = x * 2 ** half * 2 ** (-exponent - half);
  // log2 can be off by one near powers of two; normalise exactly (multiplying by 2 is exact).
  while (Math.abs(mantissa) < 0.5) { mantissa *= 2; exponent -= 1; }
  while (Math.abs(mantissa) >= 1) { mantissa /= 2; exponent += 1; }
  return { mantissa, exponent };
}

/** std::round / TfLiteRound: halves away from zero (Math.round rounds halves towards +inf). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export interface QuantizedMultiplier {
  /** Q31 significand in [2^30, 2^31) (or 0). */
  multiplier: number;
  /** Power-of-two exponent: positive = left shift, negative = right shift. */
  shift: number;
}

/**
 * TFLite's QuantizeMultiplier: real = multiplier * 2^(shift - 31). Uses frexp, rounds the
 * significand half away from zero, and renormalises when rounding reaches 2^31. Multipliers
 * too small to represent (shift < -31) become 0; too large ones saturate at shift 30.
 */
export function quantizeMultiplier(realMultiplier: number): QuantizedMultiplier {
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  if (!Number.isFinite(realMultiplier)) throw new Error(`cannot quantize multiplier ${realMultiplier}`);
  const { mantissa, exponent } = frexp(realMultiplier);
  let shift = exponent;
  let qFixed = roundHalfAway(mantissa * TWO_POW_31);
  if (qFixed === TWO_POW_31) { qFixed /= 2; shift += 1; }
  if (shift < -31) { shift = 0; qFixed = 0; }
  if (shift > 30) { shift = 30; qFixed = TWO_POW_31 - 1; }
  return { multiplier: qFixed, shift };
}

/** QuantizeMultiplierSmallerThanOneExp: same as quantizeMultiplier, for multipliers < 1. */
export function quantizeMultiplierSmallerThanOne(realMultiplier: number): QuantizedMultiplier {
  if (!(realMultiplier < 1 && realMultiplier > 0)) {
    throw new Error(`multiplier ${realMultiplier} must be in (0, 1)`);
  }
  return quantizeMultiplier(realMultiplier);
}

/**
 * gemmlowp's SaturatingRoundingDoublingHighMul: high 32 bits of 2*a*b, rounded to nearest
 * (nudge, then C division truncating towards zero), saturating the single overflow case.
 * The 62-bit product is built from exact partial products in doubles (no BigInt).
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  // b = bh * 2^16 + bl with bl in [0, 65536): a*bh and a*bl are exact in a double.
  const bl = b & 0xffff;
  const bh = (b - bl) / 65536;
  const p1 = a * bh; // |p1| < 2^46
  const p0 = a * bl; // |p0| < 2^47
  const ab = p1 * 65536 + p0; // only used for its sign (exact sign even if rounded)
  const nudge = ab >= 0 ? 1073741824 : 1 - 1073741824;
  // p1 * 2^16 = q1 * 2^31 + r1 * 2^16 with r1 in [0, 2^15).
  const q1 = Math.floor(p1 / 32768);
  const r1 = p1 - q1 * 32768;
  const s = r1 * 65536 + p0 + nudge; // exact, |s| < 2^48
  const qs = Math.floor(s / TWO_POW_31);
  const rem = s - qs * TWO_POW_31;
  let fl = q1 + qs; // floor((ab + nudge) / 2^31)
  if (fl < 0 && rem !== 0) fl += 1; // C truncates towards zero
  return fl | 0;
}

/** gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = exponent >= 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * TFLite's MultiplyByQuantizedMultiplier (double-rounding variant, the default build):
 * x * multiplier * 2^(shift - 31), rounded as TFLite does. The left shift wraps like int32.
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  const shifted = leftShift > 0 ? Math.imul(x, 1 << leftShift) : x;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), rightShift);
}

/** Per-output-channel requantization of an integer accumulator (conv, depthwise, FC). */
export interface ChannelMultipliers {
  multipliers: Int32Array;
  shifts: Int32Array;
}

/**
 * Effective per-channel multipliers for int8 CONV_2D / DEPTHWISE_CONV_2D (and per-channel FC):
 * input_scale * filter_scale[c] / output_scale, computed in double from the float32 scales as
 * TFLite's PopulateConvolutionQuantizationParams does. A single filter scale is broadcast.
 */
export function perChannelMultipliers(
  inputScale: number, filterScales: readonly number[], outputScale: number, channels: number,
): ChannelMultipliers {
  if (filterScales.length !== 1 && filterScales.length !== channels) {
    throw new Error(`filter has ${filterScales.length} scales, expected 1 or ${channels}`);
  }
  const multipliers = new Int32Array(channels);
  const shifts = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const filterScale = filterScales.length === 1 ? filterScales[0]! : filterScales[c]!;
    const q = quantizeMultiplier(inputScale * filterScale / outputScale);
    multipliers[c] = q.multiplier;
    shifts[c] = q.shift;
  }
  return { multipliers, shifts };
}

/** FULLY_CONNECTED per-tensor multiplier: (double)input_scale * (double)filter_scale / output_scale. */
export function fullyConnectedMultiplier(inputScale: number, filterScale: number, outputScale: number): QuantizedMultiplier {
  return quantizeMultiplier(inputScale * filterScale / outputScale);
}

export function dtypeRange(dtype: DType): { min: number; max: number } {
  switch (dtype) {
    case 'int8': return { min: -128, max: 127 };
    case 'uint8': return { min: 0, max: 255 };
    case 'int16': return { min: -32768, max: 32767 };
    case 'int32': return { min: INT32_MIN, max: INT32_MAX };
    default: throw new Error(`no integer range for dtype ${dtype}`);
  }
}

/**
 * CalculateActivationRangeQuantized: the clamp [min, max] of a fused activation in the output's
 * quantized domain. quantize(f) = zp + round(f / scale) with float32 division, as in TFLite.
 */
export function activationRangeQuantized(
  activation: Activation, outputScale: number, outputZeroPoint: number, dtype: DType,
): { min: number; max: number } {
  const { min: qmin, max: qmax } = dtypeRange(dtype);
  const quantize = (f: number) => outputZeroPoint + roundHalfAway(Math.fround(f / Math.fround(outputScale)));
  switch (activation) {
    case 'NONE': return { min: qmin, max: qmax };
    case 'RELU': return { min: Math.max(qmin, quantize(0)), max: qmax };
    case 'RELU6': return { min: Math.max(qmin, quantize(0)), max: Math.min(qmax, quantize(6)) };
    case 'RELU_N1_TO_1': return { min: Math.max(qmin, quantize(-1)), max: Math.min(qmax, quantize(1)) };
    default: throw new Error(`fused activation ${activation} is not supported on quantized tensors`);
  }
}

/** CalculateActivationRange for float kernels. */
export function activationRangeFloat(activation: Activation): { min: number; max: number } {
  switch (activation) {
    case 'NONE': return { min: -Infinity, max: Infinity };
    case 'RELU': return { min: 0, max: Infinity };
    case 'RELU6': return { min: 0, max: 6 };
    case 'RELU_N1_TO_1': return { min: -1, max: 1 };
    default: throw new Error(`fused activation ${activation} is not supported`);
  }
}

/** Quantized ADD parameters (TFLite's PrepareGeneralSubOp/add.cc for int8, left_shift 20). */
export interface AddParams {
  leftShift: number;
  input1Offset: number; input1Multiplier: number; input1Shift: number;
  input2Offset: number; input2Multiplier: number; input2Shift: number;
  outputOffset: number; outputMultiplier: number; outputShift: number;
}

export function addParams(
  input1Scale: number, input1ZeroPoint: number, input2Scale: number, input2ZeroPoint: number,
  outputScale: number, outputZeroPoint: number, dtype: DType = 'int8',
): AddParams {
  const leftShift = dtype === 'int16' ? 15 : 20;
  // 2 * max(float, float) is a float product (exact); the divisions are in double.
  const twiceMaxInputScale = 2 * Math.max(input1Scale, input2Scale);
  const in1 = quantizeMultiplierSmallerThanOne(input1Scale / twiceMaxInputScale);
  const in2 = quantizeMultiplierSmallerThanOne(input2Scale / twiceMaxInputScale);
  const out = quantizeMultiplierSmallerThanOne(
    twiceMaxInputScale / Math.fround((1 << leftShift) * outputScale));
  return {
    leftShift,
    input1Offset: -input1ZeroPoint, input1Multiplier: in1.multiplier, input1Shift: in1.shift,
    input2Offset: -input2ZeroPoint, input2Multiplier: in2.multiplier, input2Shift: in2.shift,
    outputOffset: outputZeroPoint, outputMultiplier: out.multiplier, outputShift: out.shift,
  };
}

/** One element of quantized ADD (before the activation clamp). */
export function addQuantizedElement(p: AddParams, a: number, b: number): number {
  const shifted1 = Math.imul(a + p.input1Offset, 1 << p.leftShift);
  const shifted2 = Math.imul(b + p.input2Offset, 1 << p.leftShift);
  const scaled1 = multiplyByQuantizedMultiplier(shifted1, p.input1Multiplier, p.input1Shift);
  const scaled2 = multiplyByQuantizedMultiplier(shifted2, p.input2Multiplier, p.input2Shift);
  return multiplyByQuantizedMultiplier((scaled1 + scaled2) | 0, p.outputMultiplier, p.outputShift) + p.outputOffset;
}

/** Quantized MUL: (double)s1 * (double)s2 / (double)s_out. */
export function mulMultiplier(input1Scale: number, input2Scale: number, outputScale: number): QuantizedMultiplier {
  return quantizeMultiplier(input1Scale * input2Scale / outputScale);
}

/** int8 -> int8 (requantizing) QUANTIZE and MEAN: (double)input_scale / (double)output_scale. */
export function requantizeMultiplier(inputScale: number, outputScale: number): QuantizedMultiplier {
  return quantizeMultiplier(inputScale / outputScale);
}

// --- Lookup tables (int8 transcendental ops in TFLite's CPU kernels) -----------------------

/** exp in float32 as the C library's expf would return it (correctly rounded in practice). */
function expf(x: number): number {
  return Math.fround(Math.exp(Math.fround(x)));
}

/**
 * PopulateSoftmaxLookupTable: table[255 - v] = expf(-input_scale * beta * v), v = 0..255.
 * Used by TFLite's CPU kernel for int8/uint8 SOFTMAX (the non-aarch64 float-table path).
 */
export function softmaxLookupTable(inputScale: number, beta: number): Float32Array {
  const table = new Float32Array(256);
  const scale = Math.fround(-Math.fround(inputScale) * Math.fround(beta));
  for (let v = 0; v <= 255; v++) table[255 - v] = expf(Math.fround(scale * v));
  return table;
}

/**
 * TFLite's optimized int8 Softmax over the innermost axis with the float table: per row,
 * sum_exp (float32, in order), inv = 1 / (sum_exp * output_scale), q = round(table * inv) + zp.
 */
export function softmaxInt8Row(
  table: Float32Array, input: Int8Array, inOffset: number, output: Int8Array, outOffset: number,
  depth: number, outputScale: number, outputZeroPoint: number,
): void {
  let maxVal = -128;
  for (let j = 0; j < depth; j++) if (input[inOffset + j]! > maxVal) maxVal = input[inOffset + j]!;
  const base = 255 - maxVal;
  let sumExp = 0;
  for (let j = 0; j < depth; j++) sumExp = Math.fround(sumExp + table[base + input[inOffset + j]!]!);
  const invSumExp = Math.fround(1 / Math.fround(sumExp * Math.fround(outputScale)));
  for (let j = 0; j < depth; j++) {
    const probRescaled = Math.fround(table[base + input[inOffset + j]!]! * invSumExp);
    const q = roundHalfAway(probRescaled) + outputZeroPoint;
    output[outOffset + j] = q > 127 ? 127 : q < -128 ? -128 : q;
  }
}

/**
 * TFLite's LUTPopulate for 8-bit elementwise ops (LOGISTIC, TANH): for every int8 input value,
 * dequantize (float32), apply the transform, requantize with float32 1/output_scale, round half
 * away from zero, clamp. Indexed by the input byte (value & 0xff).
 */
export function int8LookupTable(
  inputScale: number, inputZeroPoint: number, outputScale: number, outputZeroPoint: number,
  transform: (x: number) => number,
): Int8Array {
  const table = new Int8Array(256);
  const inverseScale = Math.fround(1 / Math.fround(outputScale));
  for (let v = -128; v <= 127; v++) {
    const dequantized = Math.fround(Math.fround(inputScale) * (v - inputZeroPoint));
    const transformed = Math.fround(transform(dequantized));
    const rescaled = roundHalfAway(Math.fround(transformed * inverseScale));
    const q = rescaled + outputZeroPoint;
    table[v & 0xff] = q > 127 ? 127 : q < -128 ? -128 : q;
  }
  return table;
}

/** float32 logistic as TFLite's LUT transform computes it: 1 / (1 + expf(-x)). */
export function logisticF32(x: number): number {
  return Math.fround(1 / Math.fround(1 + expf(-x)));
}

/** float32 tanh (std::tanh on a float). */
export function tanhF32(x: number): number {
  return Math.fround(Math.tanh(Math.fround(x)));
}

/** Float -> int8 affine quantization as TFLite's QUANTIZE kernel: round(x / scale) + zp, clamped. */
export function quantizeFloat(x: number, scale: number, zeroPoint: number, min = -128, max = 127): number {
  const q = roundHalfAway(Math.fround(Math.fround(x) / Math.fround(scale))) + zeroPoint;
  return q < min ? min : q > max ? max : q;
}

/** int -> float dequantization: (float)(scale * (q - zp)). */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return Math.fround(scale * (q - zeroPoint));
}

/**
 * MEAN's multiplier with 1/count folded in (TFLite reference QuantizedMeanOrSum): shift the
 * Q31 multiplier left by floor(log2(count)) (at most 32, and at most 31 + shift), divide by
 * count with int64 truncation, and lower the exponent by the same amount.
 */
export function meanMultiplier(multiplier: number, shift: number, count: number): QuantizedMultiplier {
  let s = Math.floor(Math.log2(count));
  while (2 ** (s + 1) <= count) s++;
  while (2 ** s > count) s--;
  s = Math.min(s, 32, 31 + shift);
  const m = Number((BigInt(multiplier) << BigInt(s)) / BigInt(count));
  return { multiplier: m | 0, shift: shift - s };
}

// --- XNNPACK arithmetic (what TensorFlow Lite's default CPU delegate computes) --------------
// TFLite's XNNPACK delegate takes over int8 CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and ADD
// (among others) and requantizes in float32 instead of TFLite's fixed-point multipliers. The
// model-set golden outputs were produced that way, and differ from the integer reference
// kernels (TFLite reference) by one step in rare elements.

/** Round to nearest, ties to even (lrintf / the magic-bias trick in XNNPACK). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return (r - x === 0.5 && r % 2 !== 0) ? r - 1 : r;
}

/** XNNPACK's float32 requantization scale: input_scale * filter_scale / output_scale in float32. */
export function fp32RequantScale(inputScale: number, filterScale: number, outputScale: number): number {
  return Math.fround(Math.fround(inputScale * filterScale) / outputScale);
}

export function fp32RequantScales(inputScale: number, filterScales: readonly number[], outputScale: number, channels: number): Float32Array {
  if (filterScales.length !== 1 && filterScales.length !== channels) {
    throw new Error(`filter has ${filterScales.length} scales, expected 1 or ${channels}`);
  }
  const out = new Float32Array(channels);
  for (let c = 0; c < channels; c++) out[c] = fp32RequantScale(inputScale, filterScales.length === 1 ? filterScales[0]! : filterScales[c]!, outputScale);
  return out;
}

/** XNNPACK fp32 requantization of an int32 accumulator: lrintf((float)acc * scale) + zp. */
export function requantizeFp32(acc: number, scale: number, outputZeroPoint: number): number {
  return roundHalfEven(Math.fround(Math.fround(acc) * scale)) + outputZeroPoint;
}

/**
 * Which integer arithmetic int8 kernels reproduce:
 * - 'xnnpack': TensorFlow Lite's default CPU path, where the XNNPACK delegate runs int8 CONV_2D,
 *   DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL, QUANTIZE and spatial MEAN with float32
 *   requantization. The model-set golden outputs were produced this way (checked bit-exactly,
 *   and against the TFLite runtime of @tensorflow/tfjs-tflite op by op).
 * - 'reference': TFLite's integer reference kernels (fixed-point multipliers, double rounding).
 *   Checked against TensorFlow 2.21's BUILTIN_REF kernels: equal on every op and golden model,
 *   except int8 FULLY_CONNECTED, which that build rounds once instead of twice (a 1-step
 *   difference in rare elements). SOFTMAX, LOGISTIC and TANH int8 use TFLite's lookup tables.
 * - 'tflm': 'reference', except int8 SOFTMAX computed with gemmlowp fixed-point exp and
 *   reciprocal as TFLite-Micro does. Not checked against a TFLite-Micro build (none here); it
 *   differs from the lookup-table softmax by one step in about 1 row in 3000. int8 LOGISTIC,
 *   TANH and MEAN (TFLite-Micro has its own kernels for them) are refused in this mode.
 */
export type Arithmetic = 'xnnpack' | 'reference' | 'tflm';

/**
 * Requantization of an int32 accumulator for output channel c (conv, depthwise, FC), before
 * the activation clamp: the fixed-point reference (per-channel multipliers in double) or
 * XNNPACK's float32 scale with round-half-even.
 */
export function accumulatorRequantizer(
  arithmetic: Arithmetic, inputScale: number, filterScales: readonly number[], outputScale: number,
  outputZeroPoint: number, channels: number,
): (acc: number, channel: number) => number {
  if (arithmetic === 'xnnpack') {
    const scales = fp32RequantScales(inputScale, filterScales, outputScale, channels);
    return (acc, c) => requantizeFp32(acc, scales[c]!, outputZeroPoint);
  }
  const { multipliers, shifts } = perChannelMultipliers(inputScale, filterScales, outputScale, channels);
  return (acc, c) => multiplyByQuantizedMultiplier(acc, multipliers[c]!, shifts[c]!) + outputZeroPoint;
}

/** XNNPACK's quantized ADD parameters (float32 scales turned into ~22-bit integer multipliers). */
export interface XnnAddParams { aMultiplier: number; bMultiplier: number; bias: number; shift: number; outputZeroPoint: number }

function floatBits(x: number): number {
  const f = new Float32Array([x]);
  return new Uint32Array(f.buffer)[0]!;
}
function bitsFloat(b: number): number {
  const u = new Uint32Array([b >>> 0]);
  return new Float32Array(u.buffer)[0]!;
}

export function xnnAddParams(
  aScale: number, aZeroPoint: number, bScale: number, bZeroPoint: number, outputScale: number, outputZeroPoint: number,
): XnnAddParams {
  const aOut = Math.fround(aScale / outputScale);
  const bOut = Math.fround(bScale / outputScale);
  const maxScale = Math.max(Math.abs(aOut), Math.abs(bOut));
  const maxExponent = (floatBits(maxScale) >>> 23) - 127;
  const shift = 20 - maxExponent;
  if (shift < 12 || shift > 30) throw new Error(`ADD input/output scale ratio ${maxScale} is outside XNNPACK's range`);
  // abs_scale * 2^shift, computed by adding shift to the float's exponent field, then lrintf.
  const mult = (s: number) => {
    const m = s === 0 ? 0 : roundHalfEven(bitsFloat(floatBits(Math.abs(s)) + (shift << 23)));
    return s < 0 ? -m : m;
  };
  const aMultiplier = mult(aOut);
  const bMultiplier = mult(bOut);
  const bias = ((1 << (shift - 1)) - Math.imul(aMultiplier, aZeroPoint) - Math.imul(bMultiplier, bZeroPoint)) | 0;
  return { aMultiplier, bMultiplier, bias, shift, outputZeroPoint };
}

/** One element of XNNPACK's quantized ADD (before the activation clamp). */
export function xnnAddElement(p: XnnAddParams, a: number, b: number): number {
  const acc = (p.bias + Math.imul(a, p.aMultiplier) + Math.imul(b, p.bMultiplier)) | 0;
  return (acc >> p.shift) + p.outputZeroPoint;
}

/** XNNPACK float -> int8 conversion: lrintf(x * (1 / scale)) + zp in float32, clamped. */
export function quantizeFloatXnn(x: number, scale: number, zeroPoint: number, min = -128, max = 127): number {
  const inv = Math.fround(1 / Math.fround(scale));
  const q = roundHalfEven(Math.fround(Math.fround(x) * inv)) + zeroPoint;
  return q < min ? min : q > max ? max : q;
}

/**
 * XNNPACK int8 -> int8 requantization (Convert QS8): multiplier = lrintf(256 * s_in / s_out),
 * out = (bias + q * multiplier) >> 8 with bias = (zp_out << 8) - multiplier * zp_in + 128.
 */
export function xnnRequantizeParams(inputScale: number, inputZeroPoint: number, outputScale: number, outputZeroPoint: number): { multiplier: number; bias: number } {
  const ratio = Math.fround(inputScale / outputScale);
  const multiplier = roundHalfEven(Math.fround(256 * ratio));
  return { multiplier, bias: (outputZeroPoint * 256 - multiplier * inputZeroPoint + 128) | 0 };
}

/**
 * XNNPACK global average pooling (int8 MEAN over H and W, or W, of a 4-D tensor):
 * out = lrintf((float)(sum - zp_in * count) * scale) + zp_out, scale = s_in / (s_out * count).
 */
export function xnnMeanScale(inputScale: number, outputScale: number, count: number): number {
  return Math.fround(inputScale / Math.fround(outputScale * count));
}

/**
 * TFLite's float int8 mean (the build behind the golden data, for axes XNNPACK does not take):
 * out = round_half_away(float(sum) / count * s + b) + zp_out, s = s_in / s_out, b = -zp_in * s,
 * all float32. Returns [s, b].
 */
export function tfliteFloatMeanParams(inputScale: number, inputZeroPoint: number, outputScale: number): { scale: number; bias: number } {
  const scale = Math.fround(inputScale / outputScale);
  return { scale, bias: Math.fround(-inputZeroPoint * scale) };
}

// --- gemmlowp fixed-point (TFLite-Micro's int8 SOFTMAX) ------------------------------------
// TFLite-Micro computes int8 SOFTMAX with gemmlowp's fixed-point exp and reciprocal instead of
// the float lookup table of TFLite's CPU kernel. Raw values are int32 with an implied number of
// integer bits (Q<i>.<31-i>); products use saturatingRoundingDoublingHighMul. This is
// reproduced from gemmlowp's documented algorithm; no TFLite-Micro build is available here to
// check it bit-exactly (see the 'tflm' arithmetic).

/** gemmlowp SaturatingRoundingMultiplyByPOT: x * 2^e, saturating (e > 0) or rounding (e < 0). */
export function saturatingRoundingMultiplyByPOT(x: number, e: number): number {
  if (e === 0) return x;
  if (e < 0) return roundingDivideByPOT(x, -e);
  const v = x * 2 ** e;
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
}

/** Q0.31 exp(a) for a in [-1/4, 0) (gemmlowp's Taylor expansion around -1/8). */
function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const constantTerm = 1895147668; // exp(-1/8) in Q0.31
  const oneThird = 715827883; // 1/3 in Q0.31
  const x = (a + (1 << 28)) | 0; // a + 1/8
  const x2 = saturatingRoundingDoublingHighMul(x, x);
  const x3 = saturatingRoundingDoublingHighMul(x2, x);
  const x4 = saturatingRoundingDoublingHighMul(x2, x2);
  const x4Over4 = saturatingRoundingMultiplyByPOT(x4, -2);
  const poly = saturatingRoundingMultiplyByPOT(
    (saturatingRoundingDoublingHighMul((x4Over4 + x3) | 0, oneThird) + x2) | 0, -1);
  return (constantTerm + saturatingRoundingDoublingHighMul(constantTerm, (x + poly) | 0)) | 0;
}

/** gemmlowp exp_on_negative_values: Q(integerBits) input a <= 0, Q0.31 result exp(a). */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 2 ** (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = ((a & mask) - oneQuarter) | 0;
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
    saturatingRoundingMultiplyByPOT(aModQuarterMinusOneQuarter, integerBits));
  const remainder = (aModQuarterMinusOneQuarter - a) | 0;
  // Barrel shifter: multiply by exp(-2^k) for every bit k of the remaining integer part.
  const factors: [number, number][] = [[-2, 1672461947], [-1, 1302514674], [0, 790015084], [1, 290630308], [2, 39332535], [3, 720401], [4, 242]];
  for (const [exponent, multiplier] of factors) {
    if (integerBits > exponent) {
      const shift = fractionalBits + exponent;
      if (shift < 31 && (remainder & (1 << shift)) !== 0) result = saturatingRoundingDoublingHighMul(result, multiplier);
    }
  }
  if (integerBits > 5) {
    const clamp = -(2 ** (36 - integerBits)); // -32 in Q(integerBits)
    if (a < clamp) result = 0;
  }
  return a === 0 ? INT32_MAX : result;
}

/** gemmlowp RoundingHalfSum: (a + b) / 2 rounded half away from zero. */
function roundingHalfSum(a: number, b: number): number {
  const sum = a + b;
  return Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0.31 x in [0, 1) -> Q0.31 1 / (1 + x). */
export function oneOverOnePlusXForXIn0To1(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX); // Q0.31
  // Newton-Raphson in Q2.29, starting from 48/17 - 32/17 * d.
  let x = (1515870810 + saturatingRoundingDoublingHighMul(halfDenominator, -1010580540)) | 0;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = saturatingRoundingDoublingHighMul(halfDenominator, x);
    const oneMinus = ((1 << 29) - halfDenominatorTimesX) | 0;
    x = (x + saturatingRoundingMultiplyByPOT(saturatingRoundingDoublingHighMul(x, oneMinus), 2)) | 0;
  }
  // x / 2 (reinterpreted as Q1.30), rescaled to Q0.31.
  return saturatingRoundingMultiplyByPOT(x, 1);
}

/** TFLite's GetReciprocal: 1 / x for a Q(integerDigits) x > 0, as a Q0.31 value and a shift. */
export function fixedPointReciprocal(x: number, integerDigits: number): { reciprocal: number; numBitsOverUnit: number } {
  const headroomPlusOne = Math.clz32(x);
  const shiftedMinusOne = (((x << headroomPlusOne) >>> 0) - TWO_POW_31) | 0;
  return { reciprocal: oneOverOnePlusXForXIn0To1(shiftedMinusOne), numBitsOverUnit: integerDigits - headroomPlusOne };
}

/** TFLite-Micro int8 SOFTMAX parameters (PreprocessSoftmaxScaling, CalculateInputRadius). */
export interface GemmlowpSoftmaxParams { inputMultiplier: number; inputLeftShift: number; diffMin: number }

export function gemmlowpSoftmaxParams(inputScale: number, beta: number): GemmlowpSoftmaxParams {
  const scaledDiffIntegerBits = 5;
  const real = Math.min(beta * inputScale * 2 ** (31 - scaledDiffIntegerBits), TWO_POW_31 - 1);
  const { multiplier, shift } = quantizeMultiplier(real);
  if (shift < 0) throw new Error(`softmax input scale ${inputScale} x beta ${beta} is too small for the fixed-point kernel`);
  const maxInputRescaled = ((1 << scaledDiffIntegerBits) - 1) * 2 ** (31 - scaledDiffIntegerBits) / 2 ** shift;
  return { inputMultiplier: multiplier, inputLeftShift: shift, diffMin: -Math.floor(maxInputRescaled) };
}

/** TFLite-Micro's int8 -> int8 SOFTMAX of one row (output scale 1/256, zero point -128). */
export function softmaxInt8RowGemmlowp(
  p: GemmlowpSoftmaxParams, input: Int8Array, inOffset: number, output: Int8Array, outOffset: number, depth: number,
): void {
  let maxVal = -128;
  for (let j = 0; j < depth; j++) if (input[inOffset + j]! > maxVal) maxVal = input[inOffset + j]!;
  const expOf = (diff: number) => expOnNegativeValues(
    saturatingRoundingDoublingHighMul(Math.imul(diff, 2 ** p.inputLeftShift | 0), p.inputMultiplier), 5);
  let sumOfExps = 0; // Q12.19
  for (let j = 0; j < depth; j++) {
    const diff = input[inOffset + j]! - maxVal;
    if (diff >= p.diffMin) sumOfExps = (sumOfExps + roundingDivideByPOT(expOf(diff), 12)) | 0;
  }
  const { reciprocal, numBitsOverUnit } = fixedPointReciprocal(sumOfExps, 12);
  for (let j = 0; j < depth; j++) {
    const diff = input[inOffset + j]! - maxVal;
    if (diff >= p.diffMin) {
      const unsat = roundingDivideByPOT(saturatingRoundingDoublingHighMul(reciprocal, expOf(diff)), numBitsOverUnit + 31 - 8);
      const v = unsat - 128;
      output[outOffset + j] = v > 127 ? 127 : v < -128 ? -128 : v;
    } else {
      output[outOffset + j] = -128;
    }
  }
}
