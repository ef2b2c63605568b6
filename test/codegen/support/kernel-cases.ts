// Shape-targeted int8 conv / depthwise / fully-connected cases for the kernel-variant tests:
// where random-ops.ts draws shapes at random, these name the shapes each per-layer kernel
// variant must get right (channel counts not divisible by the register blocking, odd sizes,
// strides, paddings, batches) and draw weights, biases, quantization and activations at random.
import { numElements, type Activation } from '../../../firmware/ir/graph.ts';
import { RandomGraph } from './random-ops.ts';

export interface ConvCase {
  depthwise?: boolean;
  n?: number; h: number; w: number; inC: number; outC: number;
  kH: number; kW: number; strideH?: number; strideW?: number; dilationH?: number; dilationW?: number;
  padding?: 'SAME' | 'VALID';
  /** depthwise only: outC / inC */
  multiplier?: number;
}

function outSize(padding: 'SAME' | 'VALID', inSize: number, filter: number, stride: number, dilation: number): number {
  const eff = (filter - 1) * dilation + 1;
  return padding === 'SAME' ? Math.floor((inSize + stride - 1) / stride) : Math.floor((inSize - eff + stride) / stride);
}

/** One int8 CONV_2D / DEPTHWISE_CONV_2D of the given geometry, random data and quantization. */
export function addConvCase(g: RandomGraph, c: ConvCase): void {
  const n = c.n ?? 1; const sh = c.strideH ?? 1; const sw = c.strideW ?? 1;
  const dh = c.dilationH ?? 1; const dw = c.dilationW ?? 1; const padding = c.padding ?? 'SAME';
  const oh = outSize(padding, c.h, c.kH, sh, dh); const ow = outSize(padding, c.w, c.kW, sw, dw);
  if (oh < 1 || ow < 1) throw new Error(`case ${JSON.stringify(c)} has no output pixel`);
  const outC = c.depthwise ? c.inC * (c.multiplier ?? 1) : c.outC;
  const wShape = c.depthwise ? [1, c.kH, c.kW, outC] : [outC, c.kH, c.kW, c.inC];
  const taps = c.kH * c.kW * (c.depthwise ? 1 : c.inC);
  const activation: Activation = g.activation();
  const xs = g.scale();
  const wScales = Array.from({ length: outC }, () => Math.fround(0.002 + g.rand() * 0.02));
  const x = g.input([n, c.h, c.w, c.inC], 'int8', g.quant(xs));
  const w = g.constant(wShape, 'int8', g.int8Values(numElements(wShape)), { scale: wScales, zeroPoint: wScales.map(() => 0), axis: c.depthwise ? 3 : 0 });
  const b = g.rand() < 0.8 ? g.constant([outC], 'int32', Array.from({ length: outC }, () => g.int(-3000, 3000))) : -1;
  const ys = Math.fround(xs * 0.01 * Math.sqrt(taps) * (0.5 + g.rand()) * 150);
  const y = g.output([n, oh, ow, outC], 'int8', g.quant(ys));
  const opts = { padding, strideH: sh, strideW: sw, dilationH: dh, dilationW: dw, activation };
  if (c.depthwise) g.op('DEPTHWISE_CONV_2D', [x, w, b], [y], { ...opts, depthMultiplier: c.multiplier ?? 1 } as never);
  else g.op('CONV_2D', [x, w, b], [y], opts as never);
}

/** One int8 FULLY_CONNECTED of batches x depth -> outDepth. */
export function addFcCase(g: RandomGraph, batches: number, depth: number, outDepth: number): void {
  const xs = g.scale(); const ws = Math.fround(0.002 + g.rand() * 0.02);
  const x = g.input([batches, depth], 'int8', g.quant(xs));
  const w = g.constant([outDepth, depth], 'int8', g.int8Values(outDepth * depth), { scale: [ws], zeroPoint: [0], axis: 0 });
  const b = g.rand() < 0.8 ? g.constant([outDepth], 'int32', Array.from({ length: outDepth }, () => g.int(-3000, 3000))) : -1;
  const ys = Math.fround(xs * ws * Math.sqrt(depth) * 120 * (0.5 + g.rand()));
  g.op('FULLY_CONNECTED', [x, w, b], [g.output([batches, outDepth], 'int8', g.quant(ys))], { activation: g.activation(), keepNumDims: false });
}

/** The cases every kernel variant is checked on (one graph, one compile per build flavour). */
export function kernelCases(g: RandomGraph): void {
  // 1x1 stride-1 convs (tr_conv1x1_wide.h): K around the groups of 4 (and the loop of 4
  // groups), C around the blocks of 4, odd pixel counts, batches; one output channel with
  // K <= 16 (tr_conv1x1_1ch_scalar.h without DSP: 8 -> 1, 1 -> 1, 12 -> 1)
  for (const [K, C] of [[8, 1], [1, 1], [3, 5], [8, 4], [4, 4], [5, 7], [8, 16], [13, 9], [16, 3], [33, 6], [64, 12], [71, 5], [80, 4]] as const) {
    addConvCase(g, { n: g.int(1, 2), h: g.int(1, 3), w: g.int(1, 5), inC: K, outC: C, kH: 1, kW: 1 });
  }
  // tr_conv1x1_pairs.h (pixels in pairs; the cases above with K <= 256 reach it too): every K
  // from 1 to 16 (groups of 4 and partial groups), deeper ones, its widest K, outputs around its blocks of 2 (odd counts) and below 4
  // (FDT partitions, which the widening kernel cannot take), odd pixel counts (a last pixel alone), batches; one K past
  // it for tr_conv1x1_wide.h
  for (const [K, C] of [[1, 4], [2, 9], [6, 8], [7, 6], [9, 5], [10, 4], [11, 7], [12, 8], [14, 9], [15, 5], [16, 6], [16, 16], [6, 2], [12, 1],
    [36, 4], [256, 5], [300, 16]] as const) {
    addConvCase(g, { n: g.int(1, 2), h: g.int(1, 3), w: g.int(1, 5), inC: K, outC: C, kH: 1, kW: 1 });
  }
  // general windows (tr_conv_wide.h): borders on every side, strides, dilation, window rows
  // that are not whole words, one output channel, windows past 256 values, batches
  const general: ConvCase[] = [
    { h: 5, w: 6, inC: 16, outC: 16, kH: 3, kW: 3 },
    { h: 7, w: 5, inC: 3, outC: 8, kH: 3, kW: 3, strideH: 2, strideW: 2 },
    { n: 2, h: 6, w: 7, inC: 5, outC: 7, kH: 3, kW: 2, strideW: 2, padding: 'VALID' },
    { h: 9, w: 6, inC: 1, outC: 6, kH: 10, kW: 4, strideH: 2, strideW: 2 },
    { h: 6, w: 6, inC: 4, outC: 5, kH: 3, kW: 3, dilationH: 2, dilationW: 2 },
    { h: 5, w: 5, inC: 37, outC: 9, kH: 3, kW: 3 },
    { h: 4, w: 5, inC: 7, outC: 1, kH: 2, kW: 3 },
    { h: 3, w: 3, inC: 2, outC: 3, kH: 1, kW: 1, strideH: 2, strideW: 2 },
  ];
  for (const c of general) addConvCase(g, c);
  // 3x3 depthwise, multiplier 1 (tr_dwconv3x3_wide.h): channels around the groups of 4,
  // strides 1 and 2, SAME / VALID padding, 1-pixel-wide maps (every pixel a border pixel),
  const dw3: ConvCase[] = [
    { h: 5, w: 6, inC: 8, kH: 3, kW: 3, outC: 8 },
    { h: 7, w: 7, inC: 16, kH: 3, kW: 3, outC: 16, strideH: 2, strideW: 2 },
    { n: 2, h: 4, w: 5, inC: 6, kH: 3, kW: 3, outC: 6 },
    { h: 6, w: 5, inC: 13, kH: 3, kW: 3, outC: 13, strideW: 2, padding: 'VALID' },
    { h: 3, w: 1, inC: 4, kH: 3, kW: 3, outC: 4 },
    { h: 8, w: 6, inC: 5, kH: 3, kW: 3, outC: 5, strideH: 2, strideW: 2, padding: 'VALID' },
    // rows of interior pixels in pairs (odd and even counts, a pair per row and none), channels
    // past the groups of 4 after a pair, both strides, batches
    { h: 6, w: 9, inC: 7, kH: 3, kW: 3, outC: 7 },
    { h: 5, w: 10, inC: 12, kH: 3, kW: 3, outC: 12, strideW: 2 },
    { n: 2, h: 4, w: 8, inC: 4, kH: 3, kW: 3, outC: 4, strideH: 2, padding: 'VALID' },
    { h: 7, w: 4, inC: 8, kH: 3, kW: 3, outC: 8, strideH: 2, strideW: 2 },
  ];
  for (const c of dw3) addConvCase(g, { ...c, depthwise: true });
  // fully connected (tr_conv1x1_wide.h tr_fc_wide_layer): depths around the groups of 4 and
  // the loop of 4 groups, outputs around the blocks of 4, batches; one deeper than the
  // widening buffer takes
  for (const [B, D, O] of [[1, 8, 128], [1, 128, 8], [2, 37, 5], [3, 64, 13], [1, 5, 1], [1, 1030, 3]] as const) addFcCase(g, B, D, O);
  // deep inputs or few outputs (tr_fc_deep_wide.h, aot/lower-fc.ts): 1-7 outputs (a block of
  // 4 and tail blocks of 1, 2, 3), depths not divisible by 4, below one group, around the loop
  // of 4 groups, deeper than the widening buffer (micro_speech's 4000 -> 4), batches
  for (const [B, D, O] of [[1, 3, 2], [2, 19, 6], [3, 70, 7], [1, 67, 2], [2, 256, 3], [1, 4001, 4], [2, 2050, 5], [1, 16, 1]] as const) {
    addFcCase(g, B, D, O);
  }
  // the same kernel for 1x1 convs: deeper than the widening buffer, few outputs, batches
  for (const [K, C] of [[1100, 6], [2, 5], [29, 4]] as const) addConvCase(g, { n: g.int(1, 2), h: g.int(1, 2), w: g.int(1, 3), inC: K, outC: C, kH: 1, kW: 1 });
  // a depthwise conv over one input channel runs as a conv (micro_speech's first layer),
  // tr_dwconv1ch_wide.h: channels around the blocks of 4 and below 4 (FDT partitions: the
  // direct path), window widths that are not whole words, windows wider than the input (every
  // pixel a border pixel, words straddling both row ends), strides, batches, VALID padding,
  // dilation (the general conv)
  addConvCase(g, { depthwise: true, h: 13, w: 9, inC: 1, outC: 8, multiplier: 8, kH: 10, kW: 8, strideH: 2, strideW: 2 });
  addConvCase(g, { depthwise: true, h: 5, w: 4, inC: 1, outC: 3, multiplier: 3, kH: 3, kW: 3, padding: 'VALID' });
  const dw1ch: ConvCase[] = [
    { h: 12, w: 11, inC: 1, kH: 10, kW: 8, outC: 1, multiplier: 1, strideH: 2, strideW: 2 },
    { n: 2, h: 9, w: 10, inC: 1, kH: 4, kW: 8, outC: 2, multiplier: 2, strideW: 2 },
    { h: 7, w: 13, inC: 1, kH: 3, kW: 5, outC: 5, multiplier: 5, strideH: 2 },
    { h: 6, w: 3, inC: 1, kH: 3, kW: 6, outC: 4, multiplier: 4 },
    { h: 5, w: 2, inC: 1, kH: 2, kW: 3, outC: 2, multiplier: 2, strideW: 2 },
    { h: 8, w: 9, inC: 1, kH: 5, kW: 7, outC: 9, multiplier: 9, strideH: 3, strideW: 2, padding: 'VALID' },
    { h: 7, w: 7, inC: 1, kH: 3, kW: 3, outC: 6, multiplier: 6, dilationH: 2, dilationW: 2 },
  ];
  for (const c of dw1ch) addConvCase(g, { ...c, depthwise: true });
}
