// TFLite-Micro backends compiled and run for real: every model of the set on every virtual
// board, untiled and with automatic tiling, for `tflm` (reference kernels) and `tflm-cmsis-nn`.
// Each run must be bit-exact with the interpreter in TFLM's arithmetic, and where tiling cuts
// the plan, the arena TFLM reports using (arena_used_bytes()) must drop too. A configuration
// that cannot run here skips with its reason: no TFLM tree (provisioning/fetch-tflm.sh), a
// toolchain without C++, a model the board cannot hold. On a lab machine with the trees this
// file is the whole check of both backends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listBoards } from '../../boards/index.ts';
import { getBackend } from '../../firmware/build/index.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { runOne } from '../../firmware/runner/index.ts';
import { TFLM_BACKENDS } from '../../wire/vocabulary.ts';
import { resolverOps } from '../../firmware/codegen/tflm/index.ts';

const boards = (await listBoards()).filter((b) => b.virtual);

for (const backend of TFLM_BACKENDS) {
  describe(`${backend}: compiled against a real TFLite-Micro tree and run`, () => {
    for (const board of boards) {
      for (const model of modelNames()) {
        it(`${model} on ${board.id}: untiled and auto-tiled match the interpreter; tiling cuts the measured arena`, async (t) => {
          const reason = await getBackend(backend).unavailable(board);
          if (reason) return t.skip(reason);
          try { resolverOps(loadModel(modelPath(model))); } catch (e) { return t.skip((e as Error).message); }
          const rows = [];
          for (const tiling of ['none', 'auto'] as const) {
            const row = await runOne({ model, board: board.id, backend, tiling, reps: 1 });
            if (!row.ok && /does not fit/.test(row.error ?? '')) return t.skip(row.error!);
            assert.ok(row.ok, `${tiling}: ${row.error}`);
            assert.equal(row.outputsMatch, true);
            assert.equal(row.reference, 'interpreter:tflm');
            assert.ok(row.arenaUsedBytes! > 0, `${tiling}: arena used reported`);
            // arenaBytes is the 32-bit figure; a 64-bit host reserves more (TFLM's structures hold pointers).
            if (board.arch !== 'host') assert.ok(row.arenaUsedBytes! <= row.arenaBytes!, `${tiling}: arena used ${row.arenaUsedBytes} of ${row.arenaBytes}`);
            rows.push(row);
          }
          const [untiled, tiled] = rows;
          if (tiled!.plannedArenaBytes! < untiled!.plannedArenaBytes!) {
            assert.ok(tiled!.arenaUsedBytes! < untiled!.arenaUsedBytes!,
              `tiling planned ${tiled!.plannedArenaBytes} < ${untiled!.plannedArenaBytes} B but TFLM used ${tiled!.arenaUsedBytes} >= ${untiled!.arenaUsedBytes} B`);
          }
        });
      }
    }
  });
}
