// protocolReport (agents/pipeline/protocol-run.ts) turns MLPerf Tiny protocol answers into a
// job's figures; the counter units tinyrack firmware may name come from wire/vocabulary.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protocolReport } from '../../agents/pipeline/protocol-run.ts';
import type { BuiltFirmware } from '../../agents/pipeline/types.ts';
import type { InferResult } from '../../agents/protocol/mlperf-tiny.ts';
import { FIRMWARE_COUNTERS } from '../../wire/vocabulary.ts';

const fw: BuiltFirmware = {
  elfPath: '/nonexistent', firmwareHash: 'x', romBytes: 0, ramBytes: 0, arenaBytes: 0,
  expectedOutputs: [{ dtype: 'int8', hex: '7f' }], arithmetic: 'reference',
};
const answer = (kind: string, total: number): InferResult =>
  ({ iterations: 1, warmups: 0, results: [1], count: { kind, total }, outputsHex: ['7f'], lines: [] });

test('tinyrack protocol firmware: every firmware counter of the vocabulary is taken as is', () => {
  for (const kind of FIRMWARE_COUNTERS) {
    const r = protocolReport(fw, [answer(kind, 10), answer(kind, 12)], true, 25_000_000);
    assert.equal(r.counter, kind);
    assert.deepEqual(r.counts, [10, 12]);
    assert.deepEqual(r.outputs, [{ o: 0, dtype: 'int8', hex: '7f' }]);
  }
});

test('tinyrack protocol firmware naming us-lap (a BYO unit) or an unknown unit is refused', () => {
  assert.throws(() => protocolReport(fw, [answer('us-lap', 10)], true, 1), /unknown counter "us-lap" in m-tr-count/);
  assert.throws(() => protocolReport(fw, [answer('ticks', 10)], true, 1), /unknown counter "ticks" in m-tr-count/);
});
