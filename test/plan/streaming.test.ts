// Streaming overlaps (firmware/plan/streaming.ts and the planner support for them):
// - windowLag equals a brute-force evaluation of its definition on random geometries;
// - a raster-order kernel simulated on ONE shared array, output `lag` elements below its input,
//   computes exactly what it computes with separate buffers (so the lag suffices), and two
//   elements less corrupts many geometries (so the rule is tight: the one element of slack is
//   the last write of a pixel, which follows that pixel's last read); the same for the
//   backward walk with the output above the input (reverseWindowLag);
// - planners, verifyPlan and lowerBound honour pairs; lifetimes only pair an input at its last
//   read, never a model output or a tensor read later; aww gets the hand-computed lags.
// The C kernels themselves are checked against the rules in test/codegen/aot-streaming.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lowerBound, peakOf } from '../../firmware/plan/bounds.ts';
import { lowestFitInOrder } from '../../firmware/plan/first-fit.ts';
import { bufferLifetimes } from '../../firmware/plan/lifetimes.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import { windowLag, reverseWindowLag, elementwiseLag, walkLag, stepLag, type WindowGeometry } from '../../firmware/plan/streaming.ts';
import { widenGap } from '../../firmware/plan/widen-gap.ts';
import { PlanError, validateRequests, verifyPlan } from '../../firmware/plan/verify.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import type { BufferReq } from '../../firmware/plan/types.ts';

const geometry = fc.record({
  inH: fc.integer({ min: 1, max: 9 }), inW: fc.integer({ min: 1, max: 9 }),
  filterH: fc.integer({ min: 1, max: 4 }), filterW: fc.integer({ min: 1, max: 4 }),
  strideH: fc.integer({ min: 1, max: 3 }), strideW: fc.integer({ min: 1, max: 3 }),
  dilationH: fc.integer({ min: 1, max: 2 }), dilationW: fc.integer({ min: 1, max: 2 }),
  same: fc.boolean(), inC: fc.integer({ min: 1, max: 4 }), outC: fc.integer({ min: 1, max: 4 }),
  unitPixels: fc.integer({ min: 1, max: 2 }),
}).map((r) => {
  const eff = (f: number, d: number) => (f - 1) * d + 1;
  const out = (i: number, f: number, s: number, d: number) => r.same ? Math.ceil(i / s) : Math.floor((i - eff(f, d) + s) / s);
  const outH = out(r.inH, r.filterH, r.strideH, r.dilationH);
  const outW = out(r.inW, r.filterW, r.strideW, r.dilationW);
  const pad = (i: number, f: number, s: number, d: number, o: number) => r.same ? Math.max(0, Math.floor(((o - 1) * s + eff(f, d) - i) / 2)) : 0;
  const g: WindowGeometry = {
    inH: r.inH, inW: r.inW, outH, outW, filterH: r.filterH, filterW: r.filterW, strideH: r.strideH, strideW: r.strideW,
    dilationH: r.dilationH, dilationW: r.dilationW, padTop: pad(r.inH, r.filterH, r.strideH, r.dilationH, outH),
    padLeft: pad(r.inW, r.filterW, r.strideW, r.dilationW, outW), inPixelBytes: r.inC, outPixelBytes: r.outC, unitPixels: r.unitPixels,
  };
  return g;
}).filter((g) => g.outH > 0 && g.outW > 0);

/** Input pixels (flat) the window of output pixel p reads. */
function taps(g: WindowGeometry, p: number): number[] {
  const oy = Math.floor(p / g.outW); const ox = p % g.outW;
  const out: number[] = [];
  for (let ky = 0; ky < g.filterH; ky++) {
    for (let kx = 0; kx < g.filterW; kx++) {
      const iy = oy * g.strideH - g.padTop + ky * g.dilationH;
      const ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
      if (iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW) out.push(iy * g.inW + ix);
    }
  }
  return out;
}

test('windowLag equals its definition evaluated by brute force', () => {
  fc.assert(fc.property(geometry, (g) => {
    const P = g.outH * g.outW;
    let lag = 0;
    for (let p = 0; p < P; p++) {
      let lowest = Infinity;
      for (let q = p; q < P; q++) for (const t of taps(g, q)) lowest = Math.min(lowest, t * g.inPixelBytes);
      if (lowest === Infinity) continue;
      lag = Math.max(lag, Math.min(p + g.unitPixels, P) * g.outPixelBytes - lowest);
    }
    assert.equal(windowLag(g), lag);
  }), { seed: 7, numRuns: 300 });
});

test('reverseWindowLag equals its definition evaluated by brute force', () => {
  fc.assert(fc.property(geometry, (g) => {
    const P = g.outH * g.outW;
    let lag = 0;
    for (let p = 0; p < P; p++) {
      let highest = -Infinity;
      for (let q = 0; q <= Math.min(p + g.unitPixels, P) - 1; q++) for (const t of taps(g, q)) highest = Math.max(highest, (t + 1) * g.inPixelBytes);
      if (highest === -Infinity) continue;
      lag = Math.max(lag, highest - p * g.outPixelBytes);
    }
    assert.equal(reverseWindowLag(g), lag);
  }), { seed: 8, numRuns: 300 });
});

/** Input values for a geometry, from a seed (LCG): distinct enough that any clobbered read shows. */
function pseudoRandomInput(g: WindowGeometry, seed: number): Int32Array {
  let s = seed;
  return Int32Array.from({ length: g.inH * g.inW * g.inPixelBytes }, () => { s = (s * 1103515245 + 12345) | 0; return s; });
}

/**
 * A conv-like kernel in the order the C kernels use (raster pixels; per output channel a pass
 * over the window, then the write), on one array: input at `lag`, output at 0.
 */
function runShared(g: WindowGeometry, input: Int32Array, lag: number): Int32Array {
  const mem = new Int32Array(Math.max(lag + input.length, g.outH * g.outW * g.outPixelBytes));
  mem.set(input, lag);
  const P = g.outH * g.outW;
  for (let p = 0; p < P; p++) {
    for (let oc = 0; oc < g.outPixelBytes; oc++) {
      let acc = 1;
      for (const t of taps(g, p)) for (let ic = 0; ic < g.inPixelBytes; ic++) acc = (acc * 31 + mem[lag + t * g.inPixelBytes + ic]! * (oc + ic + 1)) | 0;
      mem[p * g.outPixelBytes + oc] = acc;
    }
  }
  return mem.slice(0, P * g.outPixelBytes);
}

test('a raster kernel sharing one array with its input at the lag computes the separate-buffer result', () => {
  let corrupted = 0;
  fc.assert(fc.property(geometry, fc.integer({ min: 1, max: 1e9 }), (g0, seed) => {
    const g = { ...g0, unitPixels: 1 };
    const input = pseudoRandomInput(g, seed);
    const n = input.length;
    const apart = runShared(g, input, g.outH * g.outW * g.outPixelBytes); // input entirely above the output
    const lag = windowLag(g);
    assert.deepEqual(runShared(g, input, lag), apart);
    if (lag > 1 && runShared(g, input, lag - 2).some((v, i) => v !== apart[i])) corrupted++;
  }), { seed: 11, numRuns: 300 });
  assert.ok(corrupted > 50, `two elements less than the lag corrupted only ${corrupted} of 300 geometries`);
});

/** The same kernel walking pixels backwards, input at 0 and output `lag` elements above it. */
function runSharedBackwards(g: WindowGeometry, input: Int32Array, lag: number): Int32Array {
  const P = g.outH * g.outW;
  const mem = new Int32Array(Math.max(input.length, lag + P * g.outPixelBytes));
  mem.set(input, 0);
  for (let p = P - 1; p >= 0; p--) {
    for (let oc = 0; oc < g.outPixelBytes; oc++) {
      let acc = 1;
      for (const t of taps(g, p)) for (let ic = 0; ic < g.inPixelBytes; ic++) acc = (acc * 31 + mem[t * g.inPixelBytes + ic]! * (oc + ic + 1)) | 0;
      mem[lag + p * g.outPixelBytes + oc] = acc;
    }
  }
  return mem.slice(lag, lag + P * g.outPixelBytes);
}

test('a backward raster kernel with its output the reverse lag above its input computes the separate-buffer result', () => {
  let corrupted = 0;
  fc.assert(fc.property(geometry, fc.integer({ min: 1, max: 1e9 }), (g0, seed) => {
    const g = { ...g0, unitPixels: 1 };
    const input = pseudoRandomInput(g, seed);
    const n = input.length;
    const apart = runSharedBackwards(g, input, n); // output entirely above the input
    const lag = reverseWindowLag(g);
    assert.deepEqual(runSharedBackwards(g, input, Math.min(lag, n)), apart);
    if (lag > 1 && lag - 2 < n && runSharedBackwards(g, input, lag - 2).some((v, i) => v !== apart[i])) corrupted++;
  }), { seed: 12, numRuns: 300 });
  assert.ok(corrupted > 50, `two elements less than the reverse lag corrupted only ${corrupted} of 300 geometries`);
});

test('elementwise lag: none for same-size elements, the growth for widening conversions', () => {
  assert.equal(elementwiseLag(100, 1, 1), 0);
  assert.equal(elementwiseLag(100, 4, 1), 0);
  assert.equal(elementwiseLag(100, 1, 4), 300);
});

/** Input buffer 0 (live 0..1) and output buffer 1 (live 1..2) streaming over it with `lag`. */
function pair(size: number, lag: number): BufferReq[] {
  return [
    { id: 0, size, firstOp: 0, lastOp: 1, kind: 'activation', tensor: 0 },
    { id: 1, size, firstOp: 1, lastOp: 2, kind: 'activation', tensor: 1, streamsOver: { id: 0, lag } },
  ];
}

test('verifyPlan accepts a streaming pair at or beyond its lag, rejects anything closer or above', () => {
  const b = pair(96, 32);
  verifyPlan(b, [32, 0]);
  verifyPlan(b, [48, 0]);
  verifyPlan(b, [96, 0]); // apart
  verifyPlan(b, [0, 96]); // apart, output above
  assert.throws(() => verifyPlan(b, [16, 0]), PlanError);
  assert.throws(() => verifyPlan(b, [0, 16]), PlanError); // overlapping with the output above its input
  assert.throws(() => verifyPlan(b, [0, 0]), PlanError);
});

test('lowest-fit places the output below its input by the lag; lowerBound counts the pair at its footprint', () => {
  const b = pair(96, 32);
  // input first: it sits at 0, so the output cannot go below it and lands above
  assert.deepEqual(lowestFitInOrder(b, [0, 1]), [0, 96]);
  // output first: the input only has to clear the lag
  assert.deepEqual(lowestFitInOrder(b, [1, 0]), [32, 0]);
  assert.equal(lowerBound(b), 128);
  assert.equal(lowerBound(pair(96, 0)), 96);
  assert.equal(lowerBound([{ ...b[0]! }, { ...b[1]!, streamsOver: undefined }]), 192);
});

test('with a backward kernel the output may also sit above its input by lagAbove', () => {
  const b = pair(96, 32);
  b[1]!.streamsOver = { id: 0, lag: 32, lagAbove: 48 };
  verifyPlan(b, [0, 48]);
  verifyPlan(b, [32, 0]);
  assert.throws(() => verifyPlan(b, [0, 32]), PlanError);
  assert.throws(() => verifyPlan(b, [16, 0]), PlanError);
  // input placed first at 0: the output no longer has to clear it, only the reverse lag
  assert.deepEqual(lowestFitInOrder(b, [0, 1]), [0, 48]);
  assert.equal(lowerBound(b), 128); // min(max(96, 32 + 96), max(96, 48 + 96))
  assert.throws(() => validateRequests([b[0]!, { ...b[1]!, streamsOver: { id: 0, lag: 32, lagAbove: 96 } }]), /lag above/);
});

test('validateRequests rejects malformed streaming pairs', () => {
  assert.throws(() => validateRequests(pair(96, 112)), /invalid streaming lag/);
  assert.throws(() => validateRequests(pair(96, -16)), /invalid streaming lag/);
  const self = pair(96, 16); self[1]!.streamsOver = { id: 1, lag: 16 };
  assert.throws(() => validateRequests(self), /streams over invalid buffer/);
  const mutual = pair(96, 16); mutual[0]!.streamsOver = { id: 1, lag: 16 };
  assert.throws(() => validateRequests(mutual), /stream over each other/);
});

test('aww: every depthwise / pointwise output streams over its input with the hand-computed lag', () => {
  const g = loadModel(modelPath('aww'));
  const { buffers } = bufferLifetimes(g, g.ops.map((_, i) => i), { streaming: true });
  const lags = g.ops.map((op) => {
    const b = buffers.find((x) => x.tensor === op.outputs[0]);
    return b?.streamsOver ? `${op.kind}:${b.streamsOver.lag}` : `${op.kind}:-`;
  });
  // 25x5x64 maps: 3x3 depthwise = one pixel per unit, window from the row above one to the
  // left: 64 x (5 + 2) = 448; 1x1 conv = two pixels per unit: 2 x 64 = 128.
  assert.deepEqual(lags.slice(1, 9), [
    'DEPTHWISE_CONV_2D:448', 'CONV_2D:128', 'DEPTHWISE_CONV_2D:448', 'CONV_2D:128',
    'DEPTHWISE_CONV_2D:448', 'CONV_2D:128', 'DEPTHWISE_CONV_2D:448', 'CONV_2D:128',
  ]);
  // Both kernels of every layer also run backwards, so the layers can alternate below / above
  // their input: one 8000 B map plus the largest lag, the lower bound.
  const plan = planGraph(g, { streaming: true, planner: 'heuristic' });
  assert.equal(plan.peakBytes, 8000 + 448);
  assert.equal(plan.lowerBound, 8000 + 448);
});

test('resnet: no output streams over a tensor the skip connection still needs; model outputs are never streamed over', () => {
  const g = loadModel(modelPath('resnet'));
  const order = g.ops.map((_, i) => i);
  const { buffers } = bufferLifetimes(g, order, { streaming: true });
  for (const b of buffers) {
    if (!b.streamsOver) continue;
    const input = buffers[b.streamsOver.id]!;
    assert.equal(input.lastOp, b.firstOp, `tensor ${b.tensor} streams over tensor ${input.tensor} that lives on`);
    assert.ok(!g.outputs.includes(input.tensor!));
  }
  // the ADDs end the residual blocks: their output may take either input's place
  const adds = order.filter((i) => g.ops[i]!.kind === 'ADD');
  assert.ok(adds.every((i) => buffers.find((b) => b.tensor === g.ops[i]!.outputs[0])?.streamsOver?.lag === 0));
});

// walkLag: the lag of a kernel whose units are listed (the RV32 quad kernel's quads, pairs and
// single pixels, firmware/codegen/aot/rv32-quad-walk.ts).

/** Random unit lengths (1 to 4 pixels) covering P pixels, from a seed. */
function randomUnits(P: number, seed: number): number[] {
  let s = seed; const units: number[] = [];
  for (let p = 0; p < P;) {
    s = (s * 1103515245 + 12345) | 0;
    const n = Math.min(P - p, 1 + ((s >>> 16) % 4));
    units.push(n); p += n;
  }
  return units;
}

test('walkLag equals its definition by brute force, and windowLag for units of one pixel', () => {
  fc.assert(fc.property(geometry, fc.integer({ min: 1, max: 1e9 }), (g, seed) => {
    const P = g.outH * g.outW;
    const units = randomUnits(P, seed);
    let lag = 0; let p = 0;
    for (const n of units) {
      let lowest = Infinity;
      for (let q = p; q < P; q++) for (const t of taps(g, q)) lowest = Math.min(lowest, t * g.inPixelBytes);
      if (lowest !== Infinity) lag = Math.max(lag, (p + n) * g.outPixelBytes - lowest);
      p += n;
    }
    assert.equal(walkLag(g, units), lag);
    assert.equal(walkLag(g, new Array(P).fill(1)), windowLag({ ...g, unitPixels: 1 }));
  }), { seed: 13, numRuns: 300 });
  const g = { inH: 2, inW: 3, outH: 2, outW: 3, filterH: 1, filterW: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0, inPixelBytes: 1, outPixelBytes: 1, unitPixels: 1 };
  assert.throws(() => walkLag(g, [4, 4]), /unit of 4 pixels at pixel 4/);
  assert.throws(() => walkLag(g, [4]), /cover 4 of 6/);
});

/**
 * A kernel computing `units` of pixels one output channel at a time (all the unit's windows
 * read for each channel, then that channel written for every pixel of the unit: the quad
 * kernel's reads of its own inputs after its own writes), on one array: input at `lag`,
 * output at 0.
 */
function runSharedUnits(g: WindowGeometry, input: Int32Array, lag: number, units: readonly number[]): Int32Array {
  const P = g.outH * g.outW;
  const mem = new Int32Array(Math.max(lag + input.length, P * g.outPixelBytes));
  mem.set(input, lag);
  let p0 = 0;
  for (const n of units) {
    for (let oc = 0; oc < g.outPixelBytes; oc++) {
      const acc = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        let a = 1;
        for (const t of taps(g, p0 + j)) for (let ic = 0; ic < g.inPixelBytes; ic++) a = (a * 31 + mem[lag + t * g.inPixelBytes + ic]! * (oc + ic + 1)) | 0;
        acc[j] = a;
      }
      for (let j = 0; j < n; j++) mem[(p0 + j) * g.outPixelBytes + oc] = acc[j]!;
    }
    p0 += n;
  }
  return mem.slice(0, P * g.outPixelBytes);
}

test('a kernel of listed units sharing one array with its input at walkLag computes the separate-buffer result', () => {
  let corrupted = 0;
  fc.assert(fc.property(geometry, fc.integer({ min: 1, max: 1e9 }), (g, seed) => {
    const units = randomUnits(g.outH * g.outW, seed);
    const input = pseudoRandomInput(g, seed);
    const apart = runSharedUnits(g, input, g.outH * g.outW * g.outPixelBytes, units);
    const lag = walkLag(g, units);
    assert.deepEqual(runSharedUnits(g, input, lag, units), apart);
    // as for windowLag: one element of slack (the unit's last write follows its last read)
    if (lag > 1 && runSharedUnits(g, input, lag - 2, units).some((v, i) => v !== apart[i])) corrupted++;
  }), { seed: 14, numRuns: 300 });
  assert.ok(corrupted > 50, `two elements less than the walk's lag corrupted only ${corrupted} of 300 geometries`);
});

// stepLag: calls that compute their pixels in any order (the RV32 quad walker's border column
// quads run first, four rows down a column, then the raster walk skips their pixels).

/** Random calls of 1 to 4 pixels: first some "column" calls of pixels far apart (every outW-th
 * from a random one), then the rest in raster order — the shape of the quad walker's order. */
function randomSteps(g: WindowGeometry, seed: number): number[][] {
  const P = g.outH * g.outW;
  let s = seed;
  const next = () => { s = (s * 1103515245 + 12345) | 0; return s >>> 16; };
  const done = new Uint8Array(P);
  const steps: number[][] = [];
  for (let k = next() % 4; k > 0; k--) {
    const first = next() % P;
    const col = []; for (let q = first; q < P && col.length < 4; q += g.outW) if (!done[q]) { col.push(q); done[q] = 1; }
    if (col.length) steps.push(col);
  }
  for (let p = 0; p < P;) {
    if (done[p]) { p++; continue; }
    const run = []; const n = 1 + (next() % 4);
    while (p < P && run.length < n && !done[p]) { run.push(p); done[p] = 1; p++; }
    steps.push(run);
  }
  return steps;
}

test('stepLag equals its definition by brute force, and walkLag for calls in raster order', () => {
  fc.assert(fc.property(geometry, fc.integer({ min: 1, max: 1e9 }), (g, seed) => {
    const steps = randomSteps(g, seed);
    let lag = 0;
    for (let k = 0; k < steps.length; k++) {
      let lowest = Infinity;
      for (const later of steps.slice(k)) for (const q of later) for (const t of taps(g, q)) lowest = Math.min(lowest, t * g.inPixelBytes);
      if (lowest !== Infinity) lag = Math.max(lag, (Math.max(...steps[k]!) + 1) * g.outPixelBytes - lowest);
    }
    assert.equal(stepLag(g, steps), lag);
    const units = randomUnits(g.outH * g.outW, seed);
    let p = 0;
    assert.equal(stepLag(g, units.map((n) => { const r = Array.from({ length: n }, (_, k) => p + k); p += n; return r; })), walkLag(g, units));
  }), { seed: 15, numRuns: 300 });
  const g = { inH: 2, inW: 3, outH: 2, outW: 3, filterH: 1, filterW: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0, inPixelBytes: 1, outPixelBytes: 1, unitPixels: 1 };
  assert.throws(() => stepLag(g, [[0, 3], [1, 2, 4, 5], [3]]), /pixel 3 of 6 out of range or computed twice/);
  assert.throws(() => stepLag(g, [[0, 1, 2]]), /cover 3 of 6/);
  // a column written first: its last pixel's end runs ahead of every input byte still to read
  assert.equal(stepLag(g, [[2, 5], [0], [1], [3], [4]]), 6);
});

/** The kernel of runSharedUnits over calls of any pixels (reads of all the call's windows per
 * output channel, then that channel's writes), input at `lag`, output at 0. */
function runSharedSteps(g: WindowGeometry, input: Int32Array, lag: number, steps: readonly (readonly number[])[]): Int32Array {
  const P = g.outH * g.outW;
  const mem = new Int32Array(Math.max(lag + input.length, P * g.outPixelBytes));
  mem.set(input, lag);
  for (const pixels of steps) {
    for (let oc = 0; oc < g.outPixelBytes; oc++) {
      const acc = pixels.map((q) => {
        let a = 1;
        for (const t of taps(g, q)) for (let ic = 0; ic < g.inPixelBytes; ic++) a = (a * 31 + mem[lag + t * g.inPixelBytes + ic]! * (oc + ic + 1)) | 0;
        return a;
      });
      pixels.forEach((q, j) => { mem[q * g.outPixelBytes + oc] = acc[j]!; });
    }
  }
  return mem.slice(0, P * g.outPixelBytes);
}

test('a kernel of calls in any order sharing one array with its input at stepLag computes the separate-buffer result', () => {
  let corrupted = 0;
  fc.assert(fc.property(geometry, fc.integer({ min: 1, max: 1e9 }), (g, seed) => {
    const steps = randomSteps(g, seed);
    const input = pseudoRandomInput(g, seed);
    const apart = runSharedSteps(g, input, g.outH * g.outW * g.outPixelBytes, steps);
    const lag = stepLag(g, steps);
    assert.deepEqual(runSharedSteps(g, input, lag, steps), apart);
    if (lag > 1 && runSharedSteps(g, input, lag - 2, steps).some((v, i) => v !== apart[i])) corrupted++;
  }), { seed: 16, numRuns: 300 });
  assert.ok(corrupted > 50, `two elements less than the calls' lag corrupted only ${corrupted} of 300 geometries`);
});

// widenGap: one pair of a finished layout moved apart where the arena has room.

/** x (input, live at 0) read by the op at 0 that writes y (live 0..1, streaming over x at lag
 * 32), z live at 1 only; scratch w live at 0 (optional) in the bytes above. */
function widenCase(withScratch: boolean): { buffers: BufferReq[]; offsets: number[] } {
  const buffers: BufferReq[] = [
    { id: 0, size: 64, firstOp: 0, lastOp: 0, tensor: 0, kind: 'activation' },
    { id: 1, size: 128, firstOp: 0, lastOp: 1, tensor: 1, kind: 'activation', streamsOver: { id: 0, lag: 32 } },
    { id: 2, size: 96, firstOp: 1, lastOp: 1, tensor: 2, kind: 'activation' },
  ];
  const offsets = [32, 0, 128];
  if (withScratch) { buffers.push({ id: 3, size: 16, firstOp: 0, lastOp: 0, kind: 'scratch', op: 0 }); offsets.push(208); }
  verifyPlan(buffers, offsets);
  return { buffers, offsets };
}

test('widenGap moves the input up (or the output down) to the gap asked, inside the peak, or returns undefined', () => {
  const all = () => true;
  const { buffers, offsets } = widenCase(false);
  // peak 224: the input may go up to 160
  const up = widenGap(buffers, offsets, 1, 100, 224, 16, all)!;
  assert.deepEqual(up, [112, 0, 128]);
  verifyPlan(buffers, up);
  assert.equal(peakOf(buffers, up), 224);
  // apart from the output (gap >= its size) is fine too; beyond the peak is not
  assert.deepEqual(widenGap(buffers, offsets, 1, 160, 224, 16, all), [160, 0, 128]);
  assert.equal(widenGap(buffers, offsets, 1, 161, 224, 16, all), undefined);
  // already far enough apart: nothing to do
  assert.equal(widenGap(buffers, offsets, 1, 32, 224, 16, all), undefined);
  // the input may not move: the output may not go below 0 either
  assert.equal(widenGap(buffers, offsets, 1, 100, 224, 16, (id) => id !== 0), undefined);
  // a scratch buffer live with the input at [208, 224): the input stops below it
  const s = widenCase(true);
  assert.deepEqual(widenGap(s.buffers, s.offsets, 1, 100, 224, 16, all), [112, 0, 128, 208]);
  assert.equal(widenGap(s.buffers, s.offsets, 1, 150, 224, 16, all), undefined);
});

test('widenGap never brings another pair of the moved buffer closer', () => {
  // x0 -> (op 0) -> x1 -> (op 1) -> x2: x1 streams over x0, x2 over x1; moving x1 down to widen
  // (x2 over x1) would bring x1 closer to x0
  const buffers: BufferReq[] = [
    { id: 0, size: 64, firstOp: 0, lastOp: 0, tensor: 0, kind: 'activation' },
    { id: 1, size: 64, firstOp: 0, lastOp: 1, tensor: 1, kind: 'activation', streamsOver: { id: 0, lag: 16 } },
    { id: 2, size: 64, firstOp: 1, lastOp: 1, tensor: 2, kind: 'activation', streamsOver: { id: 1, lag: 16 } },
  ];
  const offsets = [64, 32, 0];
  verifyPlan(buffers, offsets);
  // x2 cannot move (say it holds in-place tiles): only x1 could, and only by coming closer to x0
  assert.equal(widenGap(buffers, offsets, 2, 48, 128, 16, (id) => id === 1), undefined);
  // moving x1 up keeps x1 over x0 no closer only past x0 (apart): the peak must allow it
  assert.deepEqual(widenGap(buffers, offsets, 2, 48, 192, 16, (id) => id === 1), [64, 128, 0]);
});
