// Row-by-row residual blocks (firmware/tiling/residual-rows.ts, RESIDUAL_BLOCK,
// tr_residual_rows_s8): the AoT engine fuses resnet's three blocks (one identity block, two
// projection blocks with a strided conv and a strided 1x1 skip conv), the plan lets each block
// output take its input's place, and the generated C gives exactly the separate ops' outputs —
// on a block output itself (every element of the map) and at the model output, with the
// reference and optimized kernels and both arithmetics; random blocks (kernel sizes 1..5,
// strides 1..2, maps down to one row, identity or projection, either ADD operand order) likewise;
// resnet built by the pipeline with tiling fdt runs on QEMU mps2-an386 (native DSP) and riscv32
// virt (the register-blocked RV32 kernels per row) bit-exact.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import type { Graph } from '../../firmware/ir/graph.ts';
import { validateGraph } from '../../firmware/ir/validate.ts';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../../firmware/model-set/index.ts';
import { findResidualBlocks, fuseResidualBlocks, lowerForExport, tileGraph } from '../../firmware/tiling/index.ts';
import { codegenPlan, planTiled, verifyTiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './support/host-build.ts';
import { decode, mismatch } from './support/compare.ts';
import { RandomGraph, rng } from './support/random-ops.ts';
import { execa } from 'execa';
import { buildFirmware } from '../../firmware/build/index.ts';
import { outputHex, runQemu } from '../../tools/qemu-aot.ts';

const AOT_ENGINE = { partialSums: true, aliasReshape: true, streaming: true } as const;

/** Runs `graph` (planned by the AoT engine) as C on the host; outputs per sample and output. */
interface COptions {
  kernels?: 'reference' | 'optimized'; arithmetic?: 'reference' | 'xnnpack'; optimize?: 'speed' | 'size';
  /** a target known to lack the DSP extension: the register-blocked RV32 kernels */
  noDsp?: boolean;
  /** receives the generated C */
  source?: (c: string) => void;
}
async function runC(graph: Graph, inputs: Uint8Array[][], { noDsp, source, ...opts }: COptions = {}): Promise<Uint8Array[]> {
  const plan = planTiled(graph, { planner: 'heuristic', aliasReshape: true, streaming: true });
  verifyTiledPlan(graph, plan);
  const out = generateAot(graph, codegenPlan(graph, plan), { modelName: 'residual', ...opts, ...(noDsp ? { boardFeatures: { dsp: false, fpu: false } } : {}) });
  source?.(out.files['tr_model_aot.c']!);
  const exe = await buildHostModel(out.files, ['-DTR_DSP_EMULATE']);
  const raw = await runHostModel(exe, concatBytes(inputs.map((s) => concatBytes(s))), inputs.length);
  const per = raw.byteLength / inputs.length;
  return inputs.map((_, k) => raw.subarray(k * per, (k + 1) * per));
}

describe('row-by-row residual blocks', () => {
  it('resnet: the AoT engine fuses all three blocks and the arena drops to one 16 KB map and a few rows', () => {
    const g = loadModel(modelPath('resnet'));
    const matches = findResidualBlocks(g);
    assert.deepEqual(matches.map((m) => m.convS !== undefined), [false, true, true], 'one identity block, two projection blocks');
    const r = tileGraph(g, { mode: 'fdt', ...AOT_ENGINE });
    const blocks = r.graph.ops.filter((op) => op.kind === 'RESIDUAL_BLOCK');
    assert.equal(blocks.length, 3);
    validateGraph(r.graph);
    verifyTiledPlan(r.graph, r.plan);
    // Before: block input + first conv's output + lag = 33,328 B. A fused block costs its input
    // and a few rows (identity: 16,384 + 3 x 512 + 512; projection: the same plus a skip row).
    assert.equal(r.untiledPeakBytes, 33328);
    assert.ok(r.peakBytes <= 18944, `peak ${r.peakBytes}`);
    for (const b of blocks) {
      const [x] = b.inputs; const [w] = b.outputs;
      const ox = r.plan.tensorOffsets.get(x!)!; const ow = r.plan.tensorOffsets.get(w!)!;
      const xBytes = r.graph.tensors[x!]!.shape.reduce((p, q) => p * q, 1);
      assert.ok(ow < ox + xBytes && ox < ow + r.graph.tensors[w!]!.shape.reduce((p, q) => p * q, 1), `block output at ${ow} overlaps its input [${ox}, +${xBytes})`);
    }
    assert.equal(r.macs, r.untiledMacs, 'nothing is recomputed');
    // Without the AoT engine (TFLite-Micro builds) nothing is fused.
    assert.equal(tileGraph(g, { mode: 'fdt' }).graph.ops.some((op) => op.kind === 'RESIDUAL_BLOCK'), false);
  });

  it('a block whose input or intermediate is read elsewhere is left alone', () => {
    const g = loadModel(modelPath('resnet'));
    const [m1, m2] = findResidualBlocks(g);
    // X of the first block as a model output: it must survive the block, so W cannot overwrite it.
    assert.deepEqual(findResidualBlocks({ ...g, outputs: [...g.outputs, m1!.x] }).map((m) => m.add), [m2!.add, findResidualBlocks(g)[2]!.add]);
    // conv A's output of the second block read by one more op.
    const extra: Graph = { ...g, ops: [...g.ops, { kind: 'ADD', inputs: [m2!.y, m2!.y], outputs: [g.outputs[0]!], options: { activation: 'NONE' }, name: 'extra' }] };
    assert.ok(!findResidualBlocks(extra).some((m) => m.add === m2!.add));
  });

  it('export lowers the block back to CONV_2D, CONV_2D, ADD with the original outputs', () => {
    const g = loadModel(modelPath('resnet'));
    const fused = fuseResidualBlocks(g);
    const lowered = lowerForExport(fused);
    validateGraph(lowered);
    assert.deepEqual(lowered.ops.map((op) => op.kind), g.ops.map((op) => op.kind));
    const s = goldenSamples('resnet')[0]!;
    assert.deepEqual(runGraph(lowered, [s.input], { arithmetic: 'reference' })[0], runGraph(g, [s.input], { arithmetic: 'reference' })[0]);
  });

  for (const variant of [
    { kernels: 'optimized' as const, arithmetic: 'reference' as const, optimize: 'speed' as const },
    { kernels: 'optimized' as const, arithmetic: 'reference' as const, optimize: 'speed' as const, noDsp: true },
    { kernels: 'optimized' as const, arithmetic: 'reference' as const, optimize: 'size' as const },
    { kernels: 'reference' as const, arithmetic: 'reference' as const },
    { kernels: 'optimized' as const, arithmetic: 'xnnpack' as const },
  ]) {
    it(`resnet identity and projection block outputs, every element, ${variant.kernels} kernels${'optimize' in variant ? ` (${variant.optimize}${'noDsp' in variant ? ', no DSP' : ''})` : ''}, ${variant.arithmetic} arithmetic: C equals the separate ops`, async () => {
      const g = loadModel(modelPath('resnet'));
      const [m1, m2] = findResidualBlocks(g);
      const samples = goldenSamples('resnet').slice(0, 2);
      const failures: string[] = [];
      // Cut the model after a block: its output (32x32x16, then 16x16x32) is the model output.
      for (const [m, blocks] of [[m1!, 1], [m2!, 2]] as const) {
        const cut: Graph = { ...g, ops: g.ops.slice(0, m.add + 1), outputs: [g.ops[m.add]!.outputs[0]!] };
        const fused = fuseResidualBlocks(cut);
        assert.equal(fused.ops.filter((op) => op.kind === 'RESIDUAL_BLOCK').length, blocks);
        let c = '';
        const got = await runC(fused, samples.map((s) => [bytesOf(s.input)]), { ...variant, source: (src) => { c = src; } });
        if ('noDsp' in variant) {
          // without DSP every row conv (A, B and the projection) runs the kernel the untiled
          // layer gets (issue 11): resnet's are all quad kernels with tr_requant_rv32.h's form,
          // their row functions (the walker's row form) called by the driver directly (the
          // library signature) with the row's params
          const rowFns = [...c.matchAll(/TR_RVQ_LAYER_FN (op\d+_[abs])_convq\(const tr_conv_s8_params_t \*p, [^{]*\{[^}]*tr_conv_quad_row_rv32_layer\(p, [^;]*TR_RQ_RV32, \1_quads, \1_rq32, [01]\);/g)].map((m) => m[1]!);
          assert.equal(rowFns.length, blocks === 1 ? 2 : 5, `row functions: ${rowFns.join(', ')}`);
          for (const f of rowFns) assert.match(c, new RegExp(`, ${f}_convq, `), `${f}_convq is the driver's kernel`);
          // and the row's params name its window's units (the untiled walker's border quads in
          // row form, rv32-quad-rows.ts): the 3x3 convs' inside rows run an edge unit at the
          // right end (all) and the left end (stride 1: the strided convs A have no left
          // padding), their rows with a padding row run clipped-row quads or edge units there
          for (const f of rowFns.filter((g) => !g.endsWith('_s'))) {
            const units = [...c.matchAll(new RegExp(`static const tr_rvq_row_t ${f}_units_w\\d+ = \\{ (\\w+), \\w+, ([01]), (\\w+), (\\w+) \\};`, 'g'))]
              .map((m) => ({ quads: m[1]!, inside: m[2] === '1', left: m[3]!, right: m[4]! }));
            const strided = f.endsWith('_a') && blocks === 2 && f !== 'op1_a';
            const inside = units.filter((u) => u.inside);
            assert.equal(inside.length, 1, `${f}: ${JSON.stringify(units)}`);
            assert.match(inside[0]!.right, new RegExp(`^${f}_edge_w\\d+_right$`), f);
            assert.equal(inside[0]!.left === 'NULL', strided, `${f} left edge: ${inside[0]!.left}`);
            const padded = units.filter((u) => !u.inside);
            assert.ok(padded.length >= 1 && padded.every((u) => u.quads !== 'NULL' || (u.left !== 'NULL' && u.right !== 'NULL') || (strided && u.right !== 'NULL')), `${f}: ${JSON.stringify(units)}`);
            assert.match(c, new RegExp(`static const tr_rvq_row_params_t ${f}_row\\d+ = \\{ \\{ `), `${f}: the rows' params hold their units`);
          }
          assert.doesNotMatch(c, /_convrv\(/, 'no row runs the pair kernel');
          // and the rows' ADD the untiled ADD's table kernel (tr_add_rv32.h), one per block
          assert.equal([...c.matchAll(/TR_ADD_RV32_LAYER_FN op\d+_add\(const int8_t \*a, const int8_t \*b, int8_t \*out\) \{\n  tr_add_rv32_layer\(&op\d+_add_params, a, b, out, \d+, TR_ADD_RV32_RQ, [01]\);/g)].length, blocks, 'table ADD row functions');
          assert.match(c, /_add_row_params, [01], op\d+_add \};/, 'the driver calls the table ADD');
        }
        const t = fused.tensors[fused.outputs[0]!]!;
        samples.forEach((s, k) => {
          const want = runGraph(cut, [s.input], { arithmetic: variant.arithmetic })[0]!;
          const e = mismatch(t, decode(t, got[k]!), want);
          if (e) failures.push(`block ${blocks}, sample ${k}: ${e}`);
        });
      }
      assert.deepEqual(failures, []);
    });
  }

  it('resnet whole model, fused and planned by the AoT engine: C equals the untiled interpreter', async () => {
    const g = loadModel(modelPath('resnet'));
    const r = tileGraph(g, { mode: 'fdt', ...AOT_ENGINE });
    const samples = goldenSamples('resnet').slice(0, 3);
    const out = generateAot(r.graph, codegenPlan(r.graph, r.plan), { modelName: 'resnet_rows' });
    const exe = await buildHostModel(out.files, ['-DTR_DSP_EMULATE']);
    const raw = await runHostModel(exe, concatBytes(samples.map((s) => bytesOf(s.input))), samples.length);
    const t = r.graph.tensors[r.graph.outputs[0]!]!;
    const per = raw.byteLength / samples.length;
    samples.forEach((s, k) => {
      const want = runGraph(g, [s.input], { arithmetic: 'reference' })[0]!;
      assert.equal(mismatch(t, decode(t, raw.subarray(k * per, (k + 1) * per)), want), undefined, `sample ${k}`);
    });
  });

  it('random blocks (identity or projection, kernels 1..5, strides 1..2, maps of 1..7 rows, either operand order): C equals the separate ops', async () => {
    const rand = rng(20261203);
    const cases: { graph: Graph; fused: Graph; input: Int8Array }[] = [];
    for (let k = 0; k < 16; k++) {
      const r = new RandomGraph(rand);
      const projection = k % 2 === 1;
      const sA = projection ? r.int(1, 2) : 1;
      const h = r.int(1, 7); const w = r.int(1, 6); const c = r.int(1, 6); const cy = r.int(1, 7);
      const co = projection ? r.int(1, 6) : c;
      const ho = Math.ceil(h / sA); const wo = Math.ceil(w / sA);
      const kA = r.pick([1, 3, 3, 5]); const kB = r.pick([1, 3, 3, 5]);
      const xs = r.scale();
      const x = r.input([1, h, w, c], 'int8', r.quant(xs));
      const conv = (inId: number, inC: number, outC: number, kk: number, stride: number, padding: 'SAME' | 'VALID', outScale: number) => {
        const ws = Array.from({ length: outC }, () => Math.fround(0.002 + r.rand() * 0.02));
        const f = r.constant([outC, kk, kk, inC], 'int8', r.int8Values(outC * kk * kk * inC), { scale: ws, zeroPoint: ws.map(() => 0), axis: 0 });
        const b = r.rand() < 0.8 ? r.constant([outC], 'int32', Array.from({ length: outC }, () => r.int(-3000, 3000))) : -1;
        r.graph.tensors.push({ name: `t${r.graph.tensors.length}`, shape: [1, ho, wo, outC], dtype: 'int8', quant: r.quant(outScale) });
        const y = r.graph.tensors.length - 1;
        r.op('CONV_2D', [inId, f, b], [y], { padding, strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, activation: r.activation() });
        return y;
      };
      const y = conv(x, c, cy, kA, sA, 'SAME', Math.fround(xs * 0.01 * Math.sqrt(kA * kA * c) * 150 * (0.5 + r.rand())));
      const z = conv(y, cy, co, kB, 1, 'SAME', Math.fround(xs * (0.5 + r.rand())));
      let skip = x;
      if (projection) {
        const kS = r.pick([1, 1, 3]);
        skip = conv(x, c, co, kS, sA, kS === 1 ? r.pick(['SAME', 'VALID'] as const) : 'SAME', Math.fround(xs * (0.5 + r.rand())));
      }
      const skipFirst = r.rand() < 0.5;
      const out = r.output([1, ho, wo, co], 'int8', r.quant(Math.fround(xs * (0.7 + r.rand()))));
      r.op('ADD', skipFirst ? [skip, z] : [z, skip], [out], { activation: r.activation() });
      // X is a graph input here: feed it through a first op so the block may overwrite it.
      const x0 = r.graph.inputs[0]!;
      r.graph.tensors.push({ ...r.graph.tensors[x0]!, name: 'x_in' });
      const xin = r.graph.tensors.length - 1;
      r.graph.inputs = [xin];
      r.graph.ops.unshift({ kind: 'ADD', inputs: [xin, xin], outputs: [x0], options: { activation: 'NONE' }, name: 'pre' });
      r.graph.tensors[xin]!.quant = r.quant(xs / 2, r.graph.tensors[x0]!.quant!.zeroPoint[0]);
      validateGraph(r.graph);
      const fused = fuseResidualBlocks(r.graph);
      assert.equal(fused.ops.filter((op) => op.kind === 'RESIDUAL_BLOCK').length, 1, `case ${k} is fused`);
      validateGraph(fused);
      cases.push({ graph: r.graph, fused, input: Int8Array.from(r.int8Values(h * w * c)) });
    }
    const failures: string[] = [];
    for (const [k, cs] of cases.entries()) {
      for (const [kernels, optimize, noDsp] of [['optimized', 'speed', false], ['optimized', 'speed', true], ['optimized', 'size', false], ['reference', 'size', false]] as const) {
        const [got] = await runC(cs.fused, [[bytesOf(cs.input)]], { kernels, optimize, noDsp });
        const t = cs.fused.tensors[cs.fused.outputs[0]!]!;
        const want = runGraph(cs.graph, [cs.input], { arithmetic: 'reference' })[0]!;
        const e = mismatch(t, decode(t, got!), want);
        if (e) failures.push(`case ${k} (${kernels} ${optimize}${noDsp ? ' no DSP' : ''}, [${t.shape}]): ${e}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  // The build pipeline (tinyrack build --backend aot --tiling fdt) on the Cortex-M4 with the
  // native DSP instructions: speed kernels (tr_conv_wide_layer per row) and size kernels.
  for (const optimize of ['speed', 'size'] as const) {
    it(`resnet built with tiling fdt (${optimize} kernels) on QEMU mps2-an386: arena 18,944 B, output equals the interpreter's`, async (t) => {
      const have = async (tool: string) => (await execa('which', [tool], { reject: false })).exitCode === 0;
      if (!(await have('arm-none-eabi-gcc')) || !(await have('qemu-system-arm'))) return t.skip('arm-none-eabi-gcc or qemu-system-arm not installed');
      const build = await buildFirmware({ model: 'resnet', board: 'qemu-mps2-an386', backend: 'aot', tiling: 'fdt', optimize, reps: 1, warmup: 0, sample: 0 });
      assert.ok(build.arenaBytes <= 18944, `arena ${build.arenaBytes}`);
      const stdout = await runQemu(build.elfPath, 180_000);
      assert.match(stdout, /END status=0/, stdout.slice(-500));
      const want = runGraph(loadModel(modelPath('resnet')), [goldenSamples('resnet')[0]!.input], { arithmetic: 'reference' })[0]!;
      assert.equal(outputHex(stdout), Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
    });
  }

  // RV32 without DSP: the rows run the register-blocked kernels (tr_conv_rv32.h) per row.
  it('resnet built with tiling fdt (speed kernels) on QEMU riscv32 virt: output equals the interpreter\'s', async (t) => {
    const have = async (tool: string) => (await execa('which', [tool], { reject: false })).exitCode === 0;
    if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
    const build = await buildFirmware({ model: 'resnet', board: 'qemu-riscv32-virt', backend: 'aot', tiling: 'fdt', optimize: 'speed', reps: 1, warmup: 0, sample: 0 });
    assert.ok(build.arenaBytes <= 18944, `arena ${build.arenaBytes}`);
    const stdout = await runQemu(build.elfPath, 180_000, 'qemu-riscv32-virt');
    assert.match(stdout, /END status=0/, stdout.slice(-500));
    const want = runGraph(loadModel(modelPath('resnet')), [goldenSamples('resnet')[0]!.input], { arithmetic: 'reference' })[0]!;
    assert.equal(outputHex(stdout), Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
  });
});
