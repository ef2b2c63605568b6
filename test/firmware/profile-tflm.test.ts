// The TFLite-Micro backend's per-op profile (firmware/codegen/tflm/profiler.ts: TFLM's own
// MicroProfilerInterface hook). Generation is checked always; the run needs a TFLM source tree
// and is skipped, with the build's reason, where there is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateTflm } from '../../firmware/codegen/tflm/index.ts';
import { opMacs } from '../../firmware/ir/macs.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import { runMany } from '../../firmware/runner/index.ts';

test('a profiled TFLM build hands the interpreter a profiler and carries the profile source; an unprofiled one does not', () => {
  const graph = loadModel(modelPath('toycar'));
  const gen = (profileOps: boolean) => generateTflm(graph, planGraph(graph, {}), { modelName: 'toycar', ...(profileOps ? { profileOps } : {}) } as Parameters<typeof generateTflm>[2]);
  const plain = gen(false);
  assert.deepEqual(Object.keys(plain.files).sort(), ['tr_model_data.cc', 'tr_model_tflm.cc']);
  assert.match(plain.files['tr_model_tflm.cc']!, /MicroInterpreter\(model, \*resolver, tr_arena, kArenaBytes\);/);
  const prof = gen(true);
  assert.match(prof.files['tr_model_tflm.cc']!, /MicroInterpreter\(model, \*resolver, tr_arena, kArenaBytes, nullptr, tr_tflm_profiler\(\)\);/);
  assert.deepEqual(Object.keys(prof.files).sort(), ['tr_model_data.cc', 'tr_model_tflm.cc']);
  assert.match(prof.files['tr_model_tflm.cc']!, /constexpr uint32_t kOps = 10u;/);
  assert.doesNotMatch(plain.files['tr_model_tflm.cc']!, /tr_tflm_profiler|tr_model_profile/);
});

test('toycar under tflm with --profile on mps2-an386: every op with its kind, summing to the count', async (t) => {
  const [row] = await runMany([{ model: 'toycar', board: 'qemu-mps2-an386', backend: 'tflm', tiling: 'none', reps: 1, warmup: 0, profile: true }], { parallel: 1, timeoutMs: 300_000 });
  if (!row!.ok && /source tree|TFLM_DIR|fetch-tflm|not available/i.test(row!.error ?? '')) return t.skip(`no TFLM tree: ${row!.error}`);
  assert.ok(row!.ok, row!.error);
  const p = row!.profile!;
  const graph = loadModel(modelPath('toycar'));
  assert.deepEqual(p.ops.map((o) => [o.op, o.kind, o.macs]), graph.ops.map((op, i) => [i, op.kind, opMacs(graph, op)]));
  // The op loop is Invoke minus its entry and exit; each side quantized to 40 instructions.
  const rest = row!.count! - p.total;
  assert.ok(rest >= -80 && rest < 0.01 * row!.count!, `count ${row!.count} - per-op sum ${p.total} = ${rest}`);
});
