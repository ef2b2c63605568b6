// A plain conv under an FDT plan on RV32 (issue 11: FDT-tiled builds within 1 % of untiled):
// the quad walker's border column quads (tr_rvq_borders_t) run before its raster walk, so over
// an output that overlaps its input they need the output below the input by about the bytes
// they write (rv32-quad-walk.ts quadSteps / plan/streaming.ts stepLag), more than the planner's
// 2-pixel lag. The aot build moves such a pair that far apart where the arena has room
// (firmware/build/stream-gaps.ts): resnet's first conv (32x32x3 -> 32x32x16, 3x3) sits beside
// row-by-row residual blocks that set the peak, so it gets its column quads at the same arena.
// Outputs bit for bit against the interpreter, on the host and on QEMU riscv32 virt.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateAot } from '../../firmware/codegen/aot/index.ts';
import { rv32WalkerGaps } from '../../firmware/codegen/aot/rv32-walker-gaps.ts';
import { runGraph, runGraphAll } from '../../firmware/interp/interpreter.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../../firmware/model-set/index.ts';
import { bufferLifetimes } from '../../firmware/plan/lifetimes.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import { tensorBytes, type Graph } from '../../firmware/ir/graph.ts';
import { planForBackend } from '../../firmware/build/prepare.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { getBoard } from '../../boards/index.ts';
import { outputHex, runQemu } from '../../tools/qemu-aot.ts';
import { ARITHMETICS } from '../../wire/vocabulary.ts';
import { assertHostOutputsMatch, assertQemuOutputsMatch, have } from './support/kernel-runs.ts';
import { addConvCase } from './support/kernel-cases.ts';
import { gapPlan } from './support/gap-plan.ts';
import { RandomGraph, randomInput, rng } from './support/random-ops.ts';

const RV32_BOARD = 'qemu-riscv32-virt';
const NO_DSP = { dsp: false, fpu: false } as const;
const SIDES = ['top', 'bottom', 'left', 'right'] as const;

/** The border sides the generated code gives conv op i. */
function sides(src: string, i: number): string[] {
  return SIDES.filter((s) => src.includes(`TR_RVQ_QUADS_CLIP(op${i}_quads_${s},`));
}

describe('RV32 quad walker: border column quads over an overlapping plan', () => {
  // Layers whose column sides save enough for the generator (BORDER_MIN_SAVING): resnet's first
  // layer, 5x5 windows (two columns clipped), a channel count with a partial block and inside
  // rows not a multiple of 4 (single pixels below the column quads), a 2x4 window (no top side).
  const g = new RandomGraph(rng(41));
  for (const c of [
    { h: 32, w: 32, inC: 3, outC: 16, kH: 3, kW: 3 }, { h: 12, w: 24, inC: 8, outC: 14, kH: 5, kW: 5 },
    { h: 14, w: 16, inC: 8, outC: 13, kH: 3, kW: 3 }, { h: 14, w: 21, inC: 12, outC: 15, kH: 2, kW: 4 },
    { h: 20, w: 20, inC: 3, outC: 8, kH: 5, kW: 5 },
  ]) addConvCase(g, c);
  const graph = g.graph;
  const inputs = graph.inputs.map((id) => randomInput(g, graph.tensors[id]!));
  const gaps = rv32WalkerGaps(graph);
  const outBytes = (i: number) => tensorBytes(graph.tensors[graph.ops[i]!.outputs[0]!]!);
  /** The sides each layer gets with its output apart from its input (no streaming). */
  const apart = (arithmetic: typeof ARITHMETICS[number]) => {
    const src = Object.values(generateAot(graph, planGraph(graph), { modelName: 'rv_colq_apart', arithmetic, optimize: 'speed', boardFeatures: NO_DSP }).files).join('\n');
    return graph.ops.map((_, i) => sides(src, i));
  };

  it('the walker\'s gap lies between the planner\'s lag and the output\'s size: the pair still overlaps', () => {
    const { buffers } = bufferLifetimes(graph, graph.ops.map((_, i) => i), { streaming: true });
    assert.equal(gaps.size, graph.ops.length);
    for (const [i, gap] of gaps) {
      const lag = buffers.find((b) => b.tensor === graph.ops[i]!.outputs[0])!.streamsOver!.lag;
      assert.ok(lag < gap && gap < outBytes(i), `op ${i}: planner's lag ${lag}, walker's gap ${gap}, output ${outBytes(i)} B`);
    }
    // resnet's first layer: the right column's last quad ends at output row 28's end
    assert.equal(gaps.get(0), 29 * 32 * 16);
  });

  for (const arithmetic of ARITHMETICS) {
    const want = runGraphAll(graph, inputs, { arithmetic });
    const apartSides = apart(arithmetic);
    it(`${arithmetic}: apart from their inputs every layer has column quads`, () => {
      for (const [i, s] of apartSides.entries()) assert.ok(s.includes('left') && s.includes('right'), `op ${i}: ${s.join(', ')}`);
    });
    for (const [name, short, expected] of [
      ['at the walker\'s gap: the sides it has apart from its input', 0, (s: string[]) => s],
      ['one byte short of it: no column quads, the row ones kept', 1, (s: string[]) => s.filter((x) => x !== 'left' && x !== 'right')],
    ] as const) {
      it(`${arithmetic}, ${name}; outputs exact on the host and on QEMU riscv32 virt`, async (t) => {
        // The output that many bytes below its input (gapPlan: negative = below).
        const plan = gapPlan(graph, (_s, out) => -(gaps.get(graph.ops.findIndex((o) => o.outputs[0] === out))! - short));
        const gen = generateAot(graph, plan, { modelName: `rv_colq_${short}_${arithmetic}`, arithmetic, optimize: 'speed', boardFeatures: NO_DSP });
        const src = Object.values(gen.files).join('\n');
        for (const i of gaps.keys()) {
          assert.match(src, new RegExp(`op${i}_convq\\(`), `op ${i}: the quad walker`);
          assert.deepEqual(sides(src, i), expected(apartSides[i]!), `op ${i}`);
        }
        await assertHostOutputsMatch(graph, gen, [], inputs, want);
        if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
        await assertQemuOutputsMatch(graph, gen, `rv32-colq-${short}-${arithmetic}`, RV32_BOARD, 300_000, inputs, want);
      });
    }
  }
});

describe('resnet --tiling fdt on qemu-riscv32-virt: its first conv as in the untiled build', () => {
  for (const arithmetic of ARITHMETICS) {
    it(`${arithmetic}: op 0 runs the quad walker with all four border sides over its input at the walker's gap, arena 18,944 B; output equals the interpreter's on QEMU`, async (t) => {
      const board = await getBoard(RV32_BOARD);
      const p = await planForBackend(modelPath('resnet'), 'resnet', board, 'aot', 'fdt', arithmetic);
      assert.equal(p.arenaBytes, 18944);
      const src = Object.values(p.generated.files).join('\n');
      assert.deepEqual(sides(src, 0), [...SIDES]);
      const op = p.graph.ops[0]!;
      assert.equal(op.kind, 'CONV_2D');
      const off = new Map(p.plan.buffers.map((b) => [b.tensor!, b.offset]));
      const d = off.get(op.inputs[0]!)! - off.get(op.outputs[0]!)!;
      // still streaming (the output overlaps the input), far enough below it for the column quads
      assert.ok(d >= rv32WalkerGaps(p.graph).get(0)! && d < tensorBytes(p.graph.tensors[op.outputs[0]!]!), `input ${d} B above the output`);
      if (!(await have('riscv64-unknown-elf-gcc')) || !(await have('qemu-system-riscv32'))) return t.skip('riscv64-unknown-elf-gcc or qemu-system-riscv32 not installed');
      const build = await buildFirmware({ model: 'resnet', board: RV32_BOARD, backend: 'aot', tiling: 'fdt', optimize: 'speed', arithmetic, reps: 1, warmup: 0, sample: 0 });
      const stdout = await runQemu(build.elfPath, 180_000, RV32_BOARD);
      assert.match(stdout, /END status=0/, stdout.slice(-500));
      const want = runGraph(loadModel(modelPath('resnet')), [goldenSamples('resnet')[0]!.input], { arithmetic })[0]!;
      assert.equal(outputHex(stdout), Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex'));
    });
  }
});
