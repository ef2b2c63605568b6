// A job's metrics from a protocol run (MLPerf Tiny harness: no TR1 report): counts, latency and
// outputs come from the protocol answers. The latency keeps the exact median of the counts even
// when an even number of them has a median between two whole counts (the count is rounded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boardDefinition } from '../../agents/boards.ts';
import { jobMetrics } from '../../agents/pipeline/job-metrics.ts';
import type { BoardSlot, BuiltFirmware, RunCapture } from '../../agents/pipeline/types.ts';
import { assembleReport } from '../../wire/report.ts';

test('protocol-run metrics: median latency unrounded, count rounded, outputs judged by the one comparator', async () => {
  const def = await boardDefinition('qemu-mps2-an386');
  const slot: BoardSlot = { boardId: 'b0', kind: 'qemu-mps2-an386', def, virtual: true, present: true };
  const fw: BuiltFirmware = {
    elfPath: '/dev/null', firmwareHash: 'f', romBytes: 1000, ramBytes: 2000, arenaBytes: 768, arithmetic: 'reference',
    expectedOutputs: [{ dtype: 'int8', hex: '0a0b' }],
  };
  const run = (hex: string): RunCapture => ({
    capture: { records: [], report: assembleReport([]), stats: { records: 0, noiseLines: 0, corruptLines: 0, missingRecords: 0 }, corruptReasons: [] },
    protocol: { counter: 'us-lap', hz: 1_000_000, counts: [8838, 8839], stackBytes: 0, heapBytes: 0, outputs: [{ o: 0, dtype: 'int8', hex }], latencyEstimated: true },
  });
  const m = jobMetrics(run('0a0b'), fw, slot);
  assert.deepEqual([m.counter, m.count, m.counts, m.latencyUs, m.latencyEstimated, m.outputsMatch], ['us-lap', 8839, [8838, 8839], 8838.5, true, true]);
  // No instruction-based energy estimate from someone else's microseconds.
  assert.equal(m.energyUj, undefined);
  assert.equal(jobMetrics(run('0a0c'), fw, slot).outputsMatch, false);
});
