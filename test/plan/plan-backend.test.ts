// `tinyrack plan --backend`: the arena printed is the one that backend's build reserves,
// computed by the build's own code path (issue 10: plan said 3,936 B for micro_speech with
// --tiling auto --streaming --alias-reshape while the AoT build planned 2,512 B).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getBoard } from '../../boards/index.ts';

import { prepareModel } from '../../firmware/build/prepare.ts';
import { modelPath } from '../../firmware/model-set/index.ts';

const plan = (...args: string[]) => spawnSync(process.execPath, ['bin/tinyrack.mjs', 'plan', ...args], { encoding: 'utf8' });

test('plan --backend prints the arena the build of that backend reserves (aot and tflm, tiled and not)', async () => {
  const board = await getBoard('qemu-mps2-an386');
  for (const [model, backend, tiling] of [['micro_speech', 'aot', 'auto'], ['toycar', 'aot', 'fdt'], ['micro_speech', 'tflm', 'none'], ['aww', 'tflm', 'auto'], ['aww', 'tflm-cmsis-nn', 'none']] as const) {
    const r = plan(model, '--backend', backend, '--tiling', tiling, '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.board, 'qemu-mps2-an386');
    if (backend === 'aot') {
      // The build itself (prepare stage: tiling, plan, generator; no compiling).
      const stage = await prepareModel(modelPath(model), model, board, backend, tiling, 0, 'reference');
      assert.equal(j.arenaBytes, stage.arenaBytes, `${model} ${backend} ${tiling}`);
      assert.equal(j.plannedPeakBytes, stage.plannedArenaBytes);
    } else {
      // No TFLM tree here: the build stops before compiling, but its arena rule is the same code.
      assert.ok(j.arenaBytes >= j.plannedPeakBytes + 256, 'TFLM arena = plan + persistent data');
      assert.match(j.arenaRule, tiling === 'none' ? /TFLM greedy plan, model order/ : /our offline plan/);
    }
  }
  const ms = JSON.parse(plan('micro_speech', '--backend', 'aot', '--tiling', 'auto', '--json').stdout);
  assert.equal(ms.arenaBytes, 2160); // the row chain (firmware/tiling/row-chain.ts); 8 FDT partitions needed 2,512 B
});

test('plan --backend refuses options that would plan differently from the build', () => {
  const r = plan('micro_speech', '--backend', 'aot', '--streaming', '--alias-reshape');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--backend plans exactly as that backend's build does; drop --alias-reshape, --streaming/);
  const b = plan('micro_speech', '--board', 'qemu-mps2-an386');
  assert.match(b.stderr, /--board needs --backend/);
  const u = plan('micro_speech', '--backend', 'tvm');
  assert.match(u.stderr, /--backend must be one of aot\|tflm\|tflm-cmsis-nn, got "tvm"/);
});
