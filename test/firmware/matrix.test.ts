// The wide matrix: model-set models x virtual QEMU boards x tiling none/fdt/auto, built with the
// AoT backend and run on QEMU. Small models run the whole matrix; the large ones run once each
// on qemu-mps2-an386 (test budget). Each configuration either is refused before building
// because the board is too small (checked against the board's RAM), or runs to a complete
// report whose outputs equal the reference (the interpreter in TFLite's fixed-point reference
// arithmetic on the golden input, int8 exact; float32 within 1e-4) and whose arena
// is the planned one. Builds are cached, runs go in parallel (bounded by the cores).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listBoards } from '../../boards/index.ts';
import { runMany, type RunConfig } from '../../firmware/runner/index.ts';
import type { TilingMode } from '../../firmware/build/index.ts';

const SMALL = ['sine_model', 'micro_speech', 'magic_wand', 'toycar'];
const LARGE = ['aww', 'vww', 'resnet', 'cifar10'];
const TILINGS: TilingMode[] = ['none', 'fdt', 'auto'];

const qemuBoards = (await listBoards()).filter((b) => b.virtual && b.qemu).map((b) => b.id);
const ramOf = new Map((await listBoards()).map((b) => [b.id, b.memory.ram.size]));

const configs: RunConfig[] = [
  ...SMALL.flatMap((model) => qemuBoards.flatMap((board) => TILINGS.map((tiling) => ({ model, board, tiling, backend: 'aot' as const, reps: 1, warmup: 0 })))),
  ...LARGE.map((model) => ({ model, board: 'qemu-mps2-an386', tiling: 'none' as const, backend: 'aot' as const, reps: 1, warmup: 0 })),
];

test(`model x virtual board x tiling matrix (${configs.length} configurations)`, async (t) => {
  const rows = await runMany(configs, { timeoutMs: 300_000 });
  for (const row of rows) {
    const name = `${row.model} on ${row.board}, tiling ${row.tiling}`;
    const fit = /does not fit board (\S+): RAM: .* = (\d+) bytes > (\d+) bytes/.exec(row.error ?? '');
    if (fit) {
      await t.test(`${name}: refused, does not fit`, () => {
        assert.equal(fit[1], row.board);
        assert.ok(Number(fit[2]) > Number(fit[3]));
        assert.equal(Number(fit[3]), ramOf.get(row.board));
      });
      continue;
    }
    await t.test(name, () => {
      assert.equal(row.error, undefined);
      assert.equal(row.ok, true);
      assert.equal(row.outputsMatch, true);
      assert.ok((row.count ?? 0) > 0);
      assert.equal(row.counter, 'instructions');
      // The firmware's arena is the memory plan's peak, rounded up to the 16-byte alignment.
      const planned = row.plannedArenaBytes ?? NaN;
      assert.equal(row.arenaBytes, Math.max(16, Math.ceil(planned / 16) * 16));
      assert.ok((row.ramBytes ?? 0) >= (row.arenaBytes ?? 0), 'RAM holds the arena');
    });
  }
  // The 16 KiB board must refuse the models that cannot fit and run those that can.
  assert.ok(rows.some((r) => r.board === 'qemu-sifive-e' && r.ok), 'something runs on qemu-sifive-e');
});
