// Window arithmetic: for random chains of axis geometries, the per-op tiles of any output split
// read only inside the tensor, pad exactly what lies outside it, and tile outputs partition
// each op's needed range; and every output row's receptive field is inside the tile's window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backPropagate, inputRange, sameOrValid, type AxisGeometry } from '../../firmware/tiling/windows.ts';
import { splitRange } from '../../firmware/tiling/graph-edit.ts';

const axisOp = fc.record({ k: fc.integer({ min: 1, max: 5 }), stride: fc.integer({ min: 1, max: 3 }), dilation: fc.integer({ min: 1, max: 2 }), same: fc.boolean() });
type AxisOp = typeof axisOp extends fc.Arbitrary<infer T> ? T : never;

function chainOf(inSize: number, ops: AxisOp[]): AxisGeometry[] | undefined {
  const out: AxisGeometry[] = [];
  let size = inSize;
  for (const o of ops) {
    const { outSize, padBefore } = sameOrValid(o.same ? 'SAME' : 'VALID', size, o.k, o.stride, o.dilation);
    if (outSize < 1) return undefined;
    out.push({ inSize: size, outSize, extent: (o.k - 1) * o.dilation + 1, stride: o.stride, padBefore });
    size = outSize;
  }
  return out;
}

test('splitRange partitions exactly, sizes differ by at most one', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 50 }), (total, parts) => {
    fc.pre(parts <= total);
    const r = splitRange(total, parts);
    assert.equal(r.length, parts);
    assert.equal(r[0]![0], 0); assert.equal(r[parts - 1]![1], total);
    for (let i = 1; i < parts; i++) assert.equal(r[i]![0], r[i - 1]![1]);
    const sizes = r.map(([a, b]) => b - a);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  }), { seed: 1, numRuns: 300 });
});

test('back-propagated tiles read inside the tensor and cover each output row\'s receptive field', () => {
  let checked = 0;
  fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.array(axisOp, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 8 }), (inSize, ops, tiles) => {
    const chain = chainOf(inSize, ops);
    if (!chain) return;
    const outSize = chain[chain.length - 1]!.outSize;
    if (tiles > outSize) return;
    for (const [a, b] of splitRange(outSize, tiles)) {
      const t = backPropagate(chain, a, b);
      assert.deepEqual(t[t.length - 1]!.out, [a, b]);
      t.forEach((tile, i) => {
        const g = chain[i]!;
        assert.ok(tile.read[0] >= 0 && tile.read[1] <= g.inSize, 'reads inside');
        const [lo, hi] = inputRange(g, tile.out[0], tile.out[1]);
        assert.equal(tile.read[0] - tile.pad[0], lo);
        assert.equal(tile.read[1] + tile.pad[1], hi);
        assert.ok(tile.pad[0] >= 0 && tile.pad[1] >= 0);
        // VALID on the padded window yields exactly the tile's output rows.
        const padded = hi - lo;
        assert.equal(Math.floor((padded - g.extent) / g.stride) + 1, tile.out[1] - tile.out[0]);
        if (i > 0) assert.deepEqual(chain[i - 1] && t[i - 1]!.out, tile.read);
      });
      checked++;
    }
  }), { seed: 2, numRuns: 400 });
  assert.ok(checked > 200);
});
