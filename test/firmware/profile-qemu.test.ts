// `run --profile` on the two QEMU boards the speed goals are stated for: the per-op counts
// cover every op of the compiled graph with its kind and MACs, add up to the unprofiled
// inference within the counter's resolution, and profiling changes no output.
//
// Why the tolerances: each count is a difference of two counter reads, exact on RV32 (minstret)
// and quantized to 40 instructions on mps2-an386 (SysTick at 25 MHz, one tick per 40 guest
// instructions). Two independent whole counts (profiled sum, unprofiled INF) so 2 x resolution,
// plus what lies outside every op (the call into tr_model_invoke and back, <= 64) and code
// placement (the profile's static arrays move data and RV32 linker relaxation near gp changes
// a few instructions, measured at most 105 on aww): 128 in all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opMacs } from '../../firmware/ir/macs.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { runMany, type RunConfig } from '../../firmware/runner/index.ts';

const MODEL = 'aww';
const RESOLUTION: Record<string, number> = { 'qemu-mps2-an386': 40, 'qemu-riscv32-virt': 1 };

for (const board of Object.keys(RESOLUTION)) {
  test(`${MODEL} on ${board}: per-op profile is complete, sums to the inference, outputs unchanged`, async () => {
    const base: RunConfig = { model: MODEL, board, backend: 'aot', tiling: 'none', reps: 1, warmup: 0 };
    const [plain, prof] = await runMany([base, { ...base, profile: true }], { parallel: 2, timeoutMs: 300_000 });
    assert.ok(plain!.ok, plain!.error);
    assert.ok(prof!.ok, prof!.error);
    assert.equal(plain!.outputsMatch, true);
    assert.equal(prof!.outputsMatch, true, 'profiling changed the outputs');
    assert.equal(plain!.profile, undefined, 'an unprofiled build printed a profile');
    const p = prof!.profile!;
    assert.ok(p, 'no profile in the row');
    assert.equal(p.resolution, RESOLUTION[board]);
    assert.equal(p.counter, 'instructions');

    // Every op of the graph exactly once, with its kind and MACs (counted here independently).
    const graph = loadModel(modelPath(MODEL));
    assert.deepEqual(p.ops.map((r) => r.op).sort((a, b) => a - b), graph.ops.map((_, i) => i));
    for (const r of p.ops) {
      const op = graph.ops[r.op]!;
      assert.equal(r.kind, op.kind, `op ${r.op}`);
      assert.equal(r.macs, opMacs(graph, op), `op ${r.op} MACs`);
      assert.ok(r.count > 0, `op ${r.op} (${r.kind}) counted ${r.count}`);
    }
    assert.equal(p.macs, plain!.macs);
    const conv = p.ops.filter((r) => r.kind === 'CONV_2D');
    assert.equal(p.byClass.conv.count, conv.reduce((a, r) => a + r.count, 0));
    assert.equal(p.byClass.conv.ops + p.byClass.depthwise.ops + p.byClass.fully_connected.ops + p.byClass.other.ops, graph.ops.length);
    assert.ok(Math.abs(p.ops.reduce((a, r) => a + r.share, 0) - 1) < 1e-4);

    // The sum against the unprofiled build's own count.
    const res = RESOLUTION[board]!;
    const diff = p.total - plain!.count!;
    assert.ok(Math.abs(diff) <= 2 * res + 128, `per-op sum ${p.total} vs unprofiled ${plain!.count}: ${diff}`);
    // And against the profiled build's count: that one also holds the counter reads themselves.
    const outside = prof!.count! - (p.total + p.ops.length * p.readCost);
    assert.ok(outside >= -2 * res && outside <= 64 + 2 * res, `profiled inference minus per-op counts and reads: ${outside}`);
  });
}
