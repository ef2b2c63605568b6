// Weight layouts the "speed" kernels read, built at generation time from the constant weights
// (the generator knows every one): int8 weights pre-widened to int16 pairs, interleaved in the
// exact order of the kernel's register blocking, so the inner loops never sign-extend a weight.
// One function per layout; each names the C header whose loop it feeds. The C side documents
// the same order; a host test (test/codegen/aot-wide-kernels.test.ts) runs both against the
// reference kernels.

/** A 32-bit word holding two int16 lanes: `lo` in bits 0..15, `hi` in bits 16..31. */
export function pair16(lo: number, hi: number): number {
  return ((lo & 0xffff) | ((hi & 0xffff) << 16)) >>> 0;
}

/**
 * tr_conv1x1_wide.h: weights `w` as C rows of K (OHWI of a 1x1 conv, or an FC's [out][in]).
 * Blocks of 4 output channels (the channels past the last full block one at a time); within a
 * block, per group of 4 input channels k0..k3 (K padded with zero weights to a multiple of 4),
 * per channel: (w[k0], w[k2]), (w[k1], w[k3]) — the lanes SXTB16 / SXTB16 ROR 8 give the input.
 */
export function conv1x1WideLayout(w: ArrayLike<number>, C: number, K: number): number[] {
  return pairBlocks('conv1x1WideLayout', w, C, K, 4, false);
}

/**
 * Rows `w` (C x K) as int16 pair words per channel block: blocks of `size` channels, then the
 * channels left one at a time or (`tailBlock`) as one block; within a block, per group of 4
 * inputs k0..k3 (K padded with zeros), per channel (w[k0], w[k2]), (w[k1], w[k3]).
 */
function pairBlocks(layout: string, w: ArrayLike<number>, C: number, K: number, size: number, tailBlock: boolean): number[] {
  if (w.length !== C * K) throw new Error(`${layout}: ${w.length} weights are not ${C} x ${K}`);
  const at = (c: number, k: number) => (k < K ? w[c * K + k]! : 0);
  const words: number[] = [];
  const block = (c0: number, n: number) => {
    for (let k = 0; k < K; k += 4) {
      for (let c = c0; c < c0 + n; c++) words.push(pair16(at(c, k), at(c, k + 2)), pair16(at(c, k + 1), at(c, k + 3)));
    }
  };
  let c = 0;
  for (; c + size <= C; c += size) block(c, size);
  if (tailBlock && c < C) block(c, C - c);
  else for (; c < C; c++) block(c, 1);
  return words;
}

/**
 * tr_fc_deep_wide.h: weights `w` as C rows of K (an FC's [out][in], or OHWI of a 1x1 conv).
 * Blocks of 4 output channels, then one block of the C % 4 channels left; within a block, per
 * group of 4 inputs k0..k3 (K padded with zero weights to a multiple of 4), per channel:
 * (w[k0], w[k2]), (w[k1], w[k3]) — the lanes SXTB16 / SXTB16 ROR 8 give the input word.
 */
export function fcDeepWideLayout(w: ArrayLike<number>, C: number, K: number): number[] {
  return pairBlocks('fcDeepWideLayout', w, C, K, 4, true);
}

/**
 * tr_conv1x1_pairs.h: weights `w` as C rows of K (OHWI of a 1x1 conv). Blocks of 2 output
 * channels (an odd last channel alone); within a block, per group of 4 inputs k0..k3 (K padded
 * with zero weights to a multiple of 4), per channel: (w[k0], w[k2]), (w[k1], w[k3]).
 */
export function conv1x1PairsLayout(w: ArrayLike<number>, C: number, K: number): number[] {
  return pairBlocks('conv1x1PairsLayout', w, C, K, 2, false);
}

/** A const uint32_t array definition (hex words, 8 per line), word-aligned for LDRD. */
export function wordArray(name: string, words: readonly number[]): string {
  const vals = (words.length ? words : [0]).map((v) => `0x${(v >>> 0).toString(16).padStart(8, '0')}u`);
  const lines: string[] = [];
  for (let i = 0; i < vals.length; i += 8) lines.push(`  ${vals.slice(i, i + 8).join(', ')}`);
  return `static const uint32_t ${name}[${vals.length}] __attribute__((aligned(8))) = {\n${lines.join(',\n')}\n};\n`;
}

/**
 * tr_dwconv3x3_wide.h: a 3x3 depthwise filter `w` ([1, 3, 3, C], tap-major: w[t * C + c]).
 * Per group of 4 channels c0..c3 (C / 4 groups; the channels past them stay in the int8
 * filter), per tap t: (w[t][c0], w[t][c2]), (w[t][c1], w[t][c3]).
 */
export function dw3x3WideLayout(w: ArrayLike<number>, C: number): number[] {
  if (w.length !== 9 * C) throw new Error(`dw3x3WideLayout: ${w.length} weights are not 3 x 3 x ${C}`);
  const words: number[] = [];
  for (let c = 0; c + 4 <= C; c += 4) {
    for (let t = 0; t < 9; t++) {
      const at = (j: number) => w[t * C + c + j]!;
      words.push(pair16(at(0), at(2)), pair16(at(1), at(3)));
    }
  }
  return words;
}

/**
 * tr_gemm_scalar.h: weights `w` as C rows of K. Per block of 4 output channels, per k, the
 * 4 channels' weights side by side (w[c0][k], w[c1][k], w[c2][k], w[c3][k]); the rows of the
 * channels past the last block follow unchanged. int8, the same ROM as the model's.
 */
export function scalarBlockLayout(w: ArrayLike<number>, C: number, K: number): number[] {
  if (w.length !== C * K) throw new Error(`scalarBlockLayout: ${w.length} weights are not ${C} x ${K}`);
  const out: number[] = [];
  let c = 0;
  for (; c + 4 <= C; c += 4) for (let k = 0; k < K; k++) for (let j = 0; j < 4; j++) out.push(w[(c + j) * K + k]!);
  for (; c < C; c++) for (let k = 0; k < K; k++) out.push(w[c * K + k]!);
  return out;
}

/**
 * tr_conv_rv32.h: weights `w` as C rows of K (OHWI rows of any conv, or an FC's [out][in]).
 * Blocks of 8 output channels, then one block of 4 when at least 4 are left, then the
 * remaining rows unchanged; within a block, per k, the block's channels' weights side by side
 * (w[c0][k], ..., w[c7][k]). int8, the same ROM as the model's filter.
 */
export function rv32BlockLayout(w: ArrayLike<number>, C: number, K: number): number[] {
  if (w.length !== C * K) throw new Error(`rv32BlockLayout: ${w.length} weights are not ${C} x ${K}`);
  const out: number[] = [];
  const block = (c0: number, n: number) => {
    for (let k = 0; k < K; k++) for (let j = 0; j < n; j++) out.push(w[(c0 + j) * K + k]!);
  };
  let c = 0;
  for (; c + 8 <= C; c += 8) block(c, 8);
  if (C - c >= 4) { block(c, 4); c += 4; }
  for (; c < C; c++) block(c, 1);
  return out;
}

/**
 * tr_dwconv_rv32.h: a 3x3 depthwise filter `w` ([1, 3, 3, C], tap-major: w[t * C + c]) made
 * channel-major, the 9 taps of each channel together (w[c][t]): the kernel walks channels.
 */
export function rv32DepthwiseLayout(w: ArrayLike<number>, C: number): number[] {
  if (w.length !== 9 * C) throw new Error(`rv32DepthwiseLayout: ${w.length} weights are not 3 x 3 x ${C}`);
  const out: number[] = [];
  for (let c = 0; c < C; c++) for (let t = 0; t < 9; t++) out.push(w[t * C + c]!);
  return out;
}

/**
 * tr_dwconv1ch_wide.h: a depthwise filter over one input channel, given as C rows of KH x KW
 * taps (the OHWI transpose lower-conv.ts makes of [1, KH, KW, C]). Each window row is padded
 * with zero weights to KW4 = KW rounded up to 4 (the kernel reads window rows a word at a time),
 * then laid out like a 1x1 conv of K = KH x KW4 (conv1x1WideLayout).
 */
export function dw1chWideLayout(w: ArrayLike<number>, C: number, KH: number, KW: number): number[] {
  if (w.length !== C * KH * KW) throw new Error(`dw1chWideLayout: ${w.length} weights are not ${C} x ${KH} x ${KW}`);
  const KW4 = Math.ceil(KW / 4) * 4;
  const padded: number[] = [];
  for (let c = 0; c < C; c++) {
    for (let ky = 0; ky < KH; ky++) {
      for (let kx = 0; kx < KW4; kx++) padded.push(kx < KW ? w[(c * KH + ky) * KW + kx]! : 0);
    }
  }
  return conv1x1WideLayout(padded, C, KH * KW4);
}

/**
 * tr_dwconv1in_rv32.h: a depthwise filter over one input channel given as C rows of KH x KW
 * taps (OHWI of one input channel), regrouped into channel groups of 8 (the last holding the
 * C % 8 left over), each group [KH][KW][group]: a tap's weights for the group's channels are
 * consecutive bytes.
 */
export function rv32Dw1inLayout(w: ArrayLike<number>, C: number, KH: number, KW: number): number[] {
  const T = KH * KW;
  if (w.length !== C * T) throw new Error(`rv32Dw1inLayout: ${w.length} weights are not ${C} x ${KH} x ${KW}`);
  const out: number[] = [];
  for (let c0 = 0; c0 < C; c0 += 8) {
    const nb = Math.min(8, C - c0);
    for (let t = 0; t < T; t++) for (let j = 0; j < nb; j++) out.push(w[(c0 + j) * T + t]!);
  }
  return out;
}

/**
 * tr_conv_quad_rv32.h: weights `w` as C rows of K = rows x L (OHWI rows of any conv: `rows`
 * window rows of L = KW x CIN values; rows = 1 for a 1x1 conv or gathered windows). Blocks of 4
 * output channels, the last one padded with zero rows to 4 (the kernel computes and drops
 * them); within a block column-major over the window — per column l, per row ky — the 4
 * channels' weights of index ky * L + l side by side. int8.
 */
export function rv32QuadLayout(w: ArrayLike<number>, C: number, K: number, rows = 1): number[] {
  if (w.length !== C * K) throw new Error(`rv32QuadLayout: ${w.length} weights are not ${C} x ${K}`);
  if (K % rows !== 0) throw new Error(`rv32QuadLayout: ${K} values are not ${rows} rows`);
  const L = K / rows;
  const out: number[] = [];
  for (let c = 0; c < C; c += 4) {
    for (let l = 0; l < L; l++) {
      for (let ky = 0; ky < rows; ky++) for (let j = 0; j < 4; j++) out.push(c + j < C ? w[(c + j) * K + ky * L + l]! : 0);
    }
  }
  return out;
}
