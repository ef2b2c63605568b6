// What a TFLite-Micro build embeds, checked without a TFLM tree: untiled, the model file byte for
// byte and TFLM's own greedy plan; tiled (auto, with only the rewrites TFLM can run), a standard
// .tflite whose OfflineMemoryAllocation metadata is exactly our plan and whose graph computes the
// same outputs as the original in TFLM's arithmetic — unless the tiled model would reserve more
// (TFLM pays per op), when auto keeps the model file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getBoard } from '../../boards/index.ts';
import { planForBackend } from '../../firmware/build/index.ts';
import { readModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import { decodeOfflinePlan, OFFLINE_PLAN_NAME } from '../../firmware/tiling/offline-plan.ts';

const embedded = (cc: string): Uint8Array => {
  const body = cc.slice(cc.indexOf('tr_model_tflite[] = {') + 21, cc.indexOf('};'));
  return Uint8Array.from(body.split(',').map((x) => x.trim()).filter(Boolean).map((x) => Number(x)));
};

describe('TFLite-Micro builds: the embedded model and its plan', () => {
  for (const model of modelNames()) {
    it(`${model}: untiled = the file and TFLM's plan; auto-tiled = a .tflite carrying our plan, same outputs`, async () => {
      const board = await getBoard('qemu-mps2-an386');
      const file = new Uint8Array(readFileSync(modelPath(model)));
      const untiled = await planForBackend(modelPath(model), model, board, 'tflm', 'none');
      assert.deepEqual(embedded(untiled.generated.files['tr_model_data.cc']!), file, 'untiled embeds the model file');
      assert.match(untiled.generated.arenaNote, /TFLM greedy plan, model order/);

      const untiledCmsis = await planForBackend(modelPath(model), model, board, 'tflm-cmsis-nn', 'none');
      for (const mode of ['auto', 'fdt'] as const) {
        const tiled = await planForBackend(modelPath(model), model, board, 'tflm-cmsis-nn', mode);
        if (mode === 'auto') {
          // auto never reserves more than untiled: where TFLM's per-op data outweighs the saving it keeps the model.
          assert.ok(tiled.arenaBytes <= untiledCmsis.arenaBytes, `auto ${tiled.arenaBytes} B > untiled ${untiledCmsis.arenaBytes} B`);
          if (tiled.untiledByAuto) {
            assert.deepEqual(embedded(tiled.generated.files['tr_model_data.cc']!), file);
            assert.match(tiled.generated.arenaNote, /auto kept the model untiled/);
            continue;
          }
        }
        const bytes = embedded(tiled.generated.files['tr_model_data.cc']!);
        const g = readModel(bytes);
        const meta = g.metadata.find((m) => m.name === OFFLINE_PLAN_NAME);
        assert.ok(meta, `${mode}: tiled model carries OfflineMemoryAllocation`);
        const offsets = decodeOfflinePlan(meta.data).offsets;
        for (const b of tiled.plan.buffers) assert.equal(offsets[b.tensor!], b.offset, `${mode}: tensor ${b.tensor} offset`);
        assert.ok(!g.ops.some((op) => op.kind === 'PARTIAL_SUM' || op.kind === 'PARTIAL_SUM_REQUANTIZE'), 'only ops TFLM has');
        const input = goldenSamples(model)[0]!.input;
        assert.deepEqual(runGraph(g, [input], { arithmetic: 'tflm' }), runGraph(untiled.source, [input], { arithmetic: 'tflm' }), `${mode}: outputs`);
        assert.match(tiled.generated.arenaNote, /our offline plan/);
      }
    });
  }
});
