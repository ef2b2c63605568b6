// The OfflineMemoryAllocation metadata: layout [version 1, subgraph 0, tensor count, offsets],
// -1 for constants, every planned tensor at its planned offset, and malformed buffers rejected
// with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelPath } from '../../firmware/model-set/index.ts';
import { applyFfmt } from '../../firmware/tiling/ffmt.ts';
import { planTiled } from '../../firmware/tiling/plan-tiled.ts';
import { decodeOfflinePlan, encodeOfflinePlan, OFFLINE_PLAN_NAME, withOfflinePlan } from '../../firmware/tiling/offline-plan.ts';

test('encodes every tensor: planned offsets for activations, -1 for constants; in-place plans refused', () => {
  const g = applyFfmt(loadModel(modelPath('magic_wand')), { ops: [0, 1], tilesH: 4, tilesW: 1 })!;
  const inPlacePlan = planTiled(g, { inPlaceConcat: true });
  assert.ok(inPlacePlan.inPlace.size > 0);
  // TFLite-Micro cannot be told that tiles overlap their concat output on purpose.
  assert.throws(() => encodeOfflinePlan(g, inPlacePlan), /concatenation inputs inside their output, which TFLite-Micro cannot express/);
  const plan = planTiled(g, { inPlaceConcat: false });
  assert.equal(plan.inPlace.size, 0);
  const bytes = encodeOfflinePlan(g, plan);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getInt32(0, true), 1);
  assert.equal(view.getInt32(4, true), 0);
  assert.equal(view.getInt32(8, true), g.tensors.length);
  const d = decodeOfflinePlan(bytes);
  g.tensors.forEach((t, id) => {
    if (t.data) assert.equal(d.offsets[id], -1, `constant ${id}`);
    else assert.equal(d.offsets[id], plan.tensorOffsets.get(id), `activation ${id}`);
  });
  // Attaching replaces an older entry instead of adding a second one.
  const twice = withOfflinePlan(withOfflinePlan(g, plan), plan);
  assert.equal(twice.metadata.filter((m) => m.name === OFFLINE_PLAN_NAME).length, 1);
});

test('malformed metadata is rejected with a message naming the problem', () => {
  assert.throws(() => decodeOfflinePlan(new Uint8Array(8)), /OfflineMemoryAllocation: 8 bytes is not an int32 array/);
  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setInt32(8, 5, true);
  assert.throws(() => decodeOfflinePlan(bad), /header says 5 tensors, buffer holds 1/);
});
