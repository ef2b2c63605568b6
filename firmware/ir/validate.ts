// Structural and shape checks on a graph IR: tensor indices, op input/output counts, and that
// each op's output shape is what its inputs and options imply (TFLite's Prepare() rules).
// The reader runs it on every model; rewrites (tiling) can run it on what they produce.
import { ModelError, numElements, type Conv2DOptions, type Graph, type Op, type OpKind, type Tensor } from './graph.ts';
import { lastRowShape, rowChainOpGeometry, stageBufferShape, type RowChainStageGeometry } from './row-chain.ts';
import {
  broadcastShapes, constInts, fmtShape, normalizeAxis, sameShape, windowOutSize,
} from './shape.ts';

/** [min, max] input counts per op kind (max Infinity = variadic) and which inputs are optional. */
const INPUT_COUNTS: Record<OpKind, [number, number, number[]?]> = {
  CONV_2D: [2, 3, [2]], DEPTHWISE_CONV_2D: [2, 3, [2]], FULLY_CONNECTED: [2, 3, [2]],
  AVERAGE_POOL_2D: [1, 1], MAX_POOL_2D: [1, 1], ADD: [2, 2], MUL: [2, 2], RESHAPE: [1, 2, [1]],
  SOFTMAX: [1, 1], PAD: [2, 2], CONCATENATION: [1, Infinity], STRIDED_SLICE: [4, 4],
  SLICE: [3, 3], MEAN: [2, 2], QUANTIZE: [1, 1], DEQUANTIZE: [1, 1], LOGISTIC: [1, 1],
  TANH: [1, 1], GATHER: [2, 2], CAST: [1, 1], SQUEEZE: [1, 1],
  PARTIAL_SUM: [1, 3, [1, 2]], PARTIAL_SUM_REQUANTIZE: [1, 2, [1]], RESIDUAL_BLOCK: [5, 7, [2, 4, 6]],
  // [X, filter, bias?] per stage, [weights, bias?] for an FC end: every bias index is even
  ROW_CHAIN: [3, Infinity, Array.from({ length: 128 }, (_, k) => 2 + 2 * k)],
};

/** Output counts of ops with more than one (RESIDUAL_BLOCK: the result and its working rows). */
const OUTPUT_COUNTS: Partial<Record<OpKind, (op: Op) => number>> = {
  RESIDUAL_BLOCK: (op) => ((op as Op<'RESIDUAL_BLOCK'>).options.convS ? 4 : 3),
  // Y, the working rows of every stage but the last, [lastRow, acc] with an end, the driver's state
  ROW_CHAIN: (op) => { const o = (op as Op<'ROW_CHAIN'>).options; return o.stages.length + (o.end ? 2 : 0) + 1; },
};

export function validateGraph(graph: Graph): void {
  const n = graph.tensors.length;
  const checkId = (id: number, what: string, allowAbsent = false): void => {
    if (!Number.isInteger(id) || id >= n || id < (allowAbsent ? -1 : 0)) {
      throw new ModelError(`${what}: tensor index ${id} out of range (graph has ${n} tensors)`, { tensor: id });
    }
  };
  graph.inputs.forEach((id) => checkId(id, 'graph input'));
  graph.outputs.forEach((id) => checkId(id, 'graph output'));

  // Activations must be written before they are read: graph inputs and variables are available
  // from the start, every other activation from the op producing it.
  const ready = new Set<number>(graph.inputs);
  graph.tensors.forEach((t, i) => { if (t.data || t.isVariable) ready.add(i); });

  graph.ops.forEach((op, index) => {
    const fail = (msg: string): never => {
      throw new ModelError(`op ${index} (${op.name}): ${msg}`, { op: index, opKind: op.kind });
    };
    const counts = INPUT_COUNTS[op.kind];
    if (!counts) fail(`unknown op kind ${op.kind}`);
    const [min, max, optional = []] = counts;
    if (op.inputs.length < min || op.inputs.length > max) {
      fail(`has ${op.inputs.length} inputs, ${op.kind} takes ${min === max ? min : `${min}..${max === Infinity ? 'n' : max}`}`);
    }
    const outputs = OUTPUT_COUNTS[op.kind]?.(op) ?? 1;
    if (op.outputs.length !== outputs) fail(`has ${op.outputs.length} outputs, ${op.kind} has ${outputs}`);
    op.inputs.forEach((id, k) => {
      checkId(id, `op ${index} (${op.name}) input ${k}`, optional.includes(k));
      if (id >= 0 && !ready.has(id)) fail(`reads tensor ${id} ("${graph.tensors[id]!.name}") before any op writes it`);
    });
    for (const id of op.outputs) {
      checkId(id, `op ${index} (${op.name}) output`);
      if (graph.tensors[id]!.data) fail(`writes constant tensor ${id} ("${graph.tensors[id]!.name}")`);
      ready.add(id);
    }
    checkShapes(graph, op, fail);
  });
  for (const id of graph.outputs) {
    if (!ready.has(id)) throw new ModelError(`graph output tensor ${id} ("${graph.tensors[id]!.name}") is never written`, { tensor: id });
  }
}

function checkShapes(graph: Graph, op: Op, fail: (msg: string) => never): void {
  const t = (k: number): Tensor | undefined => (op.inputs[k] !== undefined && op.inputs[k]! >= 0 ? graph.tensors[op.inputs[k]!] : undefined);
  const input = t(0)!;
  const output = graph.tensors[op.outputs[0]!]!;
  const expectOut = (shape: number[]): void => {
    if (!sameShape(output.shape, shape)) fail(`output shape ${fmtShape(output.shape)}, expected ${fmtShape(shape)}`);
  };
  const rank = (x: Tensor, r: number, what: string): void => {
    if (x.shape.length !== r) fail(`${what} has shape ${fmtShape(x.shape)}, expected rank ${r}`);
  };
  const positive = (vals: Record<string, number>): void => {
    for (const [k, v] of Object.entries(vals)) if (!(Number.isInteger(v) && v >= 1)) fail(`${k} is ${v}, must be >= 1`);
  };

  checkDtypes(graph, op, fail);
  switch (op.kind) {
    case 'ROW_CHAIN': {
      // Row chain (ir/graph.ts RowChainOptions), working rows sized as firmware/tiling/row-chain.ts makes them.
      const o = (op as Op<'ROW_CHAIN'>).options;
      const n = o.stages.length;
      const fc = o.end?.kind === 'FULLY_CONNECTED';
      if (op.inputs.length !== 1 + 2 * n + (fc ? 2 : 0)) fail(`has ${op.inputs.length} inputs, a chain of ${n} stages${fc ? ' with an FC end' : ''} takes ${1 + 2 * n + (fc ? 2 : 0)}`);
      let geo: RowChainStageGeometry[] = [];
      try { geo = rowChainOpGeometry(graph, op as Op<'ROW_CHAIN'>); } catch (e) { fail((e as Error).message); }
      const last = geo[n - 1]!;
      const outTensor = (k: number) => graph.tensors[op.outputs[k]!]!;
      geo.slice(0, -1).forEach((s, k) => {
        if (!sameShape(outTensor(1 + k).shape, stageBufferShape(s))) fail(`working rows of stage ${k} are ${fmtShape(outTensor(1 + k).shape)}, expected ${fmtShape(stageBufferShape(s))}`);
      });
      const state = outTensor(op.outputs.length - 1);
      if (!sameShape(state.shape, [2 * n])) fail(`driver state is ${fmtShape(state.shape)}, expected [${2 * n}]`);
      if (!o.end) { expectOut([1, last.outH, last.outW, last.outC]); return; }
      if (!sameShape(outTensor(n).shape, lastRowShape(geo, o))) fail(`last row is ${fmtShape(outTensor(n).shape)}, expected ${fmtShape(lastRowShape(geo, o))}`);
      if (o.end.kind === 'AVERAGE_POOL_2D') {
        const p = o.end.options;
        if (p.filterH !== last.outH || p.filterW !== last.outW) fail(`pool window ${p.filterH}x${p.filterW} is not the whole ${last.outH}x${last.outW} map`);
        expectOut([1, 1, 1, last.outC]);
        if (!sameShape(outTensor(n + 1).shape, [last.outC])) fail(`pool sums are ${fmtShape(outTensor(n + 1).shape)}, expected [${last.outC}]`);
        return;
      }
      const wt = t(1 + 2 * n)!;
      const depth = last.outH * last.outW * last.outC;
      if (wt.shape.length !== 2 || wt.shape[1] !== depth) fail(`FC weights ${fmtShape(wt.shape)} do not take the ${depth}-value map`);
      expectOut([1, wt.shape[0]!]);
      if (!sameShape(outTensor(n + 1).shape, [wt.shape[0]!])) fail(`FC accumulators are ${fmtShape(outTensor(n + 1).shape)}, expected [${wt.shape[0]}]`);
      return;
    }
    case 'RESIDUAL_BLOCK': {
      // Row-by-row residual block (ir/graph.ts ResidualBlockOptions), working rows sized as
      // firmware/tiling/residual-rows.ts makes them.
      const o = (op as Op<'RESIDUAL_BLOCK'>).options;
      const fa = t(1)!; const fb = t(3)!; const fs = o.convS ? t(5) : undefined;
      rank(input, 4, 'input'); rank(fa, 4, 'filter A'); rank(fb, 4, 'filter B');
      if (o.convS && !fs) fail('projection block without its filter');
      if (fs) rank(fs, 4, 'filter S');
      if (op.inputs.length !== (o.convS ? 7 : 5)) fail(`has ${op.inputs.length} inputs, ${o.convS ? 'a projection block takes 7' : 'an identity block takes 5'}`);
      const [n, h, w, c] = input.shape as [number, number, number, number];
      const [ca, kha, kwa] = fa.shape as [number, number, number, number];
      const undilated = (co: Conv2DOptions) => co.dilationH === 1 && co.dilationW === 1;
      if (o.convA.padding !== 'SAME' || !undilated(o.convA)) fail('conv A must be SAME and undilated');
      if (o.convB.padding !== 'SAME' || !undilated(o.convB) || o.convB.strideH !== 1 || o.convB.strideW !== 1) fail('conv B must be SAME, stride 1, undilated');
      if (o.convS && !undilated(o.convS)) fail('the projection must be undilated');
      const oh = windowOutSize(h, kha, o.convA.strideH, 1, 'SAME'); const ow = windowOutSize(w, kwa, o.convA.strideW, 1, 'SAME');
      const outC = fb.shape[0]!;
      if (n !== 1 || fa.shape[3] !== c || fb.shape[3] !== ca) fail(`filters ${fmtShape(fa.shape)}, ${fmtShape(fb.shape)} do not chain from ${fmtShape(input.shape)}`);
      if (fs) {
        const so = o.convS!;
        if (fs.shape[3] !== c || fs.shape[0] !== outC || windowOutSize(h, fs.shape[1]!, so.strideH, 1, so.padding) !== oh || windowOutSize(w, fs.shape[2]!, so.strideW, 1, so.padding) !== ow) {
          fail(`projection filter ${fmtShape(fs.shape)} does not map ${fmtShape(input.shape)} to the block output`);
        }
      } else if (oh !== h || ow !== w || outC !== c) {
        fail('an identity block must keep the input shape');
      }
      expectOut([1, oh, ow, outC]);
      const rows = graph.tensors[op.outputs[1]!]!;
      if (!sameShape(rows.shape, [1, fb.shape[1]!, ow, ca])) fail(`working rows ${fmtShape(rows.shape)} do not match the block`);
      for (const k of o.convS ? [2, 3] : [2]) {
        const r = graph.tensors[op.outputs[k]!]!;
        if (!sameShape(r.shape, [1, 1, ow, outC])) fail(`working row ${fmtShape(r.shape)} is not one output row`);
      }
      return;
    }
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': {
      const o = (op as Op<'CONV_2D'>).options;
      positive({ strideW: o.strideW, strideH: o.strideH, dilationW: o.dilationW, dilationH: o.dilationH });
      const filter = t(1)!;
      rank(input, 4, 'input'); rank(filter, 4, 'filter');
      const [, kh, kw, fc] = filter.shape as [number, number, number, number];
      const inC = input.shape[3]!;
      let outC: number;
      if (op.kind === 'CONV_2D') {
        outC = filter.shape[0]!;
        if (fc < 1 || inC % fc !== 0) fail(`filter ${fmtShape(filter.shape)} does not match input channels ${inC}`);
      } else {
        outC = fc;
        if (filter.shape[0] !== 1 || inC < 1 || outC % inC !== 0) fail(`depthwise filter ${fmtShape(filter.shape)} does not match input channels ${inC}`);
      }
      const bias = t(2);
      if (bias && numElements(bias.shape) !== outC) fail(`bias ${fmtShape(bias.shape)} does not match ${outC} output channels`);
      const oh = windowOutSize(input.shape[1]!, kh, o.strideH, o.dilationH, o.padding);
      const ow = windowOutSize(input.shape[2]!, kw, o.strideW, o.dilationW, o.padding);
      expectOut([input.shape[0]!, oh, ow, outC]);
      return;
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const o = (op as Op<'MAX_POOL_2D'>).options;
      positive({ strideW: o.strideW, strideH: o.strideH, filterW: o.filterW, filterH: o.filterH });
      rank(input, 4, 'input');
      const oh = windowOutSize(input.shape[1]!, o.filterH, o.strideH, 1, o.padding);
      const ow = windowOutSize(input.shape[2]!, o.filterW, o.strideW, 1, o.padding);
      expectOut([input.shape[0]!, oh, ow, input.shape[3]!]);
      return;
    }
    case 'FULLY_CONNECTED': {
      const o = (op as Op<'FULLY_CONNECTED'>).options;
      const w = t(1)!;
      rank(w, 2, 'weights');
      const [units, depth] = w.shape as [number, number];
      const inElems = numElements(input.shape);
      if (depth < 1 || inElems % depth !== 0) fail(`input ${fmtShape(input.shape)} is not a whole number of rows of ${depth}`);
      const bias = t(2);
      if (bias && numElements(bias.shape) !== units) fail(`bias ${fmtShape(bias.shape)} does not match ${units} units`);
      const batch = inElems / depth;
      if (o.keepNumDims) expectOut([...input.shape.slice(0, -1), units]);
      else if (numElements(output.shape) !== batch * units || output.shape[output.shape.length - 1] !== units) {
        fail(`output shape ${fmtShape(output.shape)}, expected ${batch * units} elements ending in ${units}`);
      }
      return;
    }
    case 'ADD':
    case 'MUL': {
      const b = broadcastShapes(input.shape, t(1)!.shape);
      if (!b) fail(`input shapes ${fmtShape(input.shape)} and ${fmtShape(t(1)!.shape)} do not broadcast`);
      expectOut(b!);
      return;
    }
    case 'RESHAPE':
      if (numElements(output.shape) !== numElements(input.shape)) {
        fail(`reshapes ${fmtShape(input.shape)} (${numElements(input.shape)} elements) to ${fmtShape(output.shape)}`);
      }
      return;
    case 'SOFTMAX': case 'LOGISTIC': case 'TANH': case 'QUANTIZE': case 'DEQUANTIZE': case 'CAST':
      expectOut(input.shape);
      return;
    case 'PAD': {
      const pads = constInts(t(1));
      if (!pads) return; // runtime paddings: shape known only when run
      if (pads.length !== 2 * input.shape.length) fail(`paddings hold ${pads.length} values for rank ${input.shape.length}`);
      if (pads.some((p) => p < 0)) fail('negative padding');
      expectOut(input.shape.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!));
      return;
    }
    case 'CONCATENATION': {
      const o = (op as Op<'CONCATENATION'>).options;
      const r = input.shape.length;
      const axis = normalizeAxis(o.axis, r);
      if (axis < 0 || axis >= r) fail(`axis ${o.axis} out of range for rank ${r}`);
      const shape = [...input.shape];
      shape[axis] = 0;
      op.inputs.forEach((_, k) => {
        const x = t(k)!;
        if (x.shape.length !== r || x.shape.some((d, i) => i !== axis && d !== input.shape[i])) {
          fail(`input ${k} shape ${fmtShape(x.shape)} does not match ${fmtShape(input.shape)} outside axis ${axis}`);
        }
        shape[axis]! += x.shape[axis]!;
      });
      expectOut(shape);
      return;
    }
    case 'STRIDED_SLICE': {
      const strides = constInts(t(3));
      if (strides?.includes(0)) fail('stride of 0');
      for (const k of [1, 2, 3]) {
        const len = numElements(t(k)!.shape);
        if (t(k)!.shape.length !== 1 || len > input.shape.length) fail(`operand ${k} has shape ${fmtShape(t(k)!.shape)}, expected at most ${input.shape.length} values`);
      }
      const shape = stridedSliceShape(input.shape, constInts(t(1)), constInts(t(2)), strides, (op as Op<'STRIDED_SLICE'>).options);
      if (shape) expectOut(shape);
      return;
    }
    case 'SLICE': {
      const begin = constInts(t(1));
      const size = constInts(t(2));
      if (!begin || !size) return;
      if (begin.length !== input.shape.length || size.length !== input.shape.length) fail(`begin/size length does not match rank ${input.shape.length}`);
      const shape = input.shape.map((d, i) => (size[i] === -1 ? d - begin[i]! : size[i]!));
      if (shape.some((s, i) => s < 0 || begin[i]! < 0 || begin[i]! + s > input.shape[i]!)) fail(`slice begin [${begin}] size [${size}] outside ${fmtShape(input.shape)}`);
      expectOut(shape);
      return;
    }
    case 'MEAN': {
      const axes = constInts(t(1));
      if (!axes) return;
      const r = input.shape.length;
      const reduced = new Set(axes.map((a) => normalizeAxis(a, r)));
      if ([...reduced].some((a) => a < 0 || a >= r)) fail(`reduction axes [${axes}] out of range for rank ${r}`);
      const keep = (op as Op<'MEAN'>).options.keepDims;
      const shape = input.shape.flatMap((d, i) => (reduced.has(i) ? (keep ? [1] : []) : [d]));
      expectOut(shape);
      return;
    }
    case 'GATHER': {
      const o = (op as Op<'GATHER'>).options;
      const indices = t(1)!;
      const axis = normalizeAxis(o.axis, input.shape.length);
      if (axis < 0 || axis >= input.shape.length) fail(`axis ${o.axis} out of range for rank ${input.shape.length}`);
      const bd = o.batchDims < 0 ? o.batchDims + indices.shape.length : o.batchDims;
      if (bd < 0 || bd > axis) fail(`batch_dims ${o.batchDims} invalid for axis ${axis}`);
      expectOut([...input.shape.slice(0, axis), ...indices.shape.slice(bd), ...input.shape.slice(axis + 1)]);
      return;
    }
    case 'SQUEEZE': {
      const dims = (op as Op<'SQUEEZE'>).options.squeezeDims.map((d) => normalizeAxis(d, input.shape.length));
      const shape = input.shape.filter((d, i) => !(d === 1 && (dims.length === 0 || dims.includes(i))));
      expectOut(shape);
      return;
    }
  }
}

/** Bias dtype TFLite expects per input dtype (int16 activations use 64-bit accumulators). */
const BIAS_DTYPE: Record<string, string> = { float32: 'float32', int8: 'int32', uint8: 'int32', int16: 'int64' };

/**
 * Dtype consistency of the ops whose kernels assume it: weights match activations (no hybrid
 * float-activation/int8-weight models), the bias has the accumulator type, and value-preserving
 * ops keep their input's dtype.
 */
function checkDtypes(graph: Graph, op: Op, fail: (msg: string) => never): void {
  const dt = (k: number): string | undefined => {
    const id = op.inputs[k];
    return id === undefined || id < 0 ? undefined : graph.tensors[id]!.dtype;
  };
  const input = dt(0)!;
  const output = graph.tensors[op.outputs[0]!]!.dtype;
  switch (op.kind) {
    case 'CONV_2D': case 'DEPTHWISE_CONV_2D': case 'FULLY_CONNECTED': {
      const weights = dt(1)!;
      const weightsOk = weights === input || (input === 'int16' && weights === 'int8');
      if (!weightsOk) fail(`${input} input with ${weights} weights is not supported (hybrid or mixed-type kernel)`);
      const bias = dt(2);
      if (bias !== undefined && bias !== BIAS_DTYPE[input] && !(input === 'int16' && bias === 'int32')) {
        fail(`bias is ${bias}, expected ${BIAS_DTYPE[input] ?? 'a supported type'} for ${input} input`);
      }
      if (output !== input) fail(`output is ${output}, input is ${input}`);
      return;
    }
    case 'ROW_CHAIN': {
      const n = (op as Op<'ROW_CHAIN'>).options.stages.length;
      const weights = op.inputs.filter((_, k) => k % 2 === 1).map((id) => graph.tensors[id]!.dtype);
      const acts = op.outputs.map((id) => graph.tensors[id]!.dtype);
      const end = acts.length > n + 1;
      const want = (k: number) => (k === acts.length - 1 ? 'int16' : end && k === acts.length - 2 ? 'int32' : 'int8');
      if (input !== 'int8' || weights.some((d) => d !== 'int8') || acts.some((d, k) => d !== want(k))) {
        fail('needs int8 activations and filters (int32 end accumulators, int16 driver state)');
      }
      return;
    }
    case 'RESIDUAL_BLOCK':
      if (input !== 'int8' || dt(1) !== 'int8' || dt(3) !== 'int8' || op.outputs.some((t) => graph.tensors[t]!.dtype !== 'int8')) {
        fail('needs int8 activations and filters');
      }
      return;
    case 'ADD': case 'MUL':
      if (dt(1) !== input || output !== input) fail(`mixed dtypes ${input}, ${dt(1)} -> ${output}`);
      return;
    case 'AVERAGE_POOL_2D': case 'MAX_POOL_2D': case 'RESHAPE': case 'PAD': case 'CONCATENATION':
    case 'STRIDED_SLICE': case 'SLICE': case 'SQUEEZE': case 'GATHER': case 'SOFTMAX':
    case 'LOGISTIC': case 'TANH': case 'MEAN':
      if (output !== input) fail(`output is ${output}, input is ${input}`);
      if (op.kind === 'CONCATENATION' && op.inputs.some((_, k) => dt(k) !== input)) fail('inputs have different dtypes');
      return;
    default:
      return; // QUANTIZE, DEQUANTIZE, CAST change dtype by definition
  }
}

/**
 * Output shape of STRIDED_SLICE with constant begin/end/strides (TFLite semantics, including the
 * begin/end/shrink masks and `offset`); undefined when operands are not constant or the
 * ellipsis/new-axis masks are used (not needed by tinyrack's models or rewrites).
 */
export function stridedSliceShape(
  shape: readonly number[], begin: number[] | undefined, end: number[] | undefined, strides: number[] | undefined,
  o: { beginMask: number; endMask: number; ellipsisMask: number; newAxisMask: number; shrinkAxisMask: number; offset: boolean },
): number[] | undefined {
  if (!begin || !end || !strides || o.ellipsisMask || o.newAxisMask) return undefined;
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const dim = shape[i]!;
    if (i >= begin.length) { out.push(dim); continue; }
    const s = i < strides.length ? strides[i]! : 1;
    if (s === 0) throw new ModelError('STRIDED_SLICE stride of 0');
    const clamp = (x: number): number => (s > 0 ? Math.min(Math.max(x, 0), dim) : Math.min(Math.max(x, -1), dim - 1));
    const norm = (x: number): number => clamp(x < 0 ? x + dim : x);
    const b = o.beginMask & (1 << i) ? (s > 0 ? 0 : dim - 1) : norm(begin[i]!);
    let e: number;
    if (o.shrinkAxisMask & (1 << i)) e = b + 1;
    else if (o.endMask & (1 << i)) e = s > 0 ? dim : -1;
    else if (o.offset) e = clamp(b + end[i]!);
    else e = norm(end[i]!);
    const size = s > 0 ? Math.max(0, Math.ceil((e - b) / s)) : Math.max(0, Math.ceil((b - e) / -s));
    if (!(o.shrinkAxisMask & (1 << i))) out.push(size);
  }
  return out;
}
