// Energy windows from the timestamp pin on the PPK2's digital input, through the real driver
// against the simulated instrument on a pty (the instrument cannot exist here; the simulator
// speaks its wire protocol): both pin conventions give the exact integral of the samples the
// driver decoded between the edges, divided by the inferences each loop held; a missed edge or
// a window count that differs from the loops the host ran gives no figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ppk2 } from '../../agents/power/ppk2.ts';
import { Ppk2Simulator, SIM_CALIBRATION, timestampProfile, type TimedLoop } from '../../agents/power/ppk2-sim.ts';
import { sampleCurrent, SAMPLE_PERIOD_S } from '../../agents/power/ppk2-protocol.ts';
import { energyFromTimestamps, timestampWindows } from '../../agents/power/timestamp-windows.ts';
import type { PowerSample } from '../../agents/power/energy.ts';
import { ptyPair } from './pty-pair.ts';

/** What the instrument reports for a current: the simulator's ADC code through the calibration. */
function reported(currentA: number): number {
  const { range, adc } = Ppk2Simulator.encodeCurrent(currentA);
  return sampleCurrent(SIM_CALIBRATION, { adc, range, counter: 0, logic: 0 }, 3300);
}

// Two `infer` commands: 3 inferences in 3 ms at 8 mA, then 1 inference in 2 ms at 300 µA.
const LOOPS: TimedLoop[] = [{ durationUs: 3000, currentA: 8e-3 }, { durationUs: 2000, currentA: 300e-6 }];
const INFERENCES = [3, 1];

for (const mode of ['level', 'pulses'] as const) {
  test(`timestamp pin (${mode}) on PPK2 digital input D2: exact energy per inference through the driver`, async () => {
    const profile = timestampProfile(LOOPS, { mode, bit: 2, pulseUs: 20 });
    const total = profile.reduce((n, s) => n + Math.round((s.durationUs * 1e-6) / SAMPLE_PERIOD_S), 0);
    const pair = await ptyPair();
    // After the profile the instrument keeps streaming idle samples, the pin at its idle level.
    const sim = await Ppk2Simulator.open(pair.b, profile, { durationUs: 0, currentA: 5e-6, logic: mode === 'pulses' ? 1 << 2 : 0 });
    const ppk = await Ppk2.open(pair.a, 3300);
    try {
      await ppk.init();
      await ppk.start();
      const until = Date.now() + 20_000;
      while (ppk.sampleCount < total + 100 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const m = await ppk.stop();
      assert.equal(m.droppedSamples, 0);
      const w = timestampWindows(m.samples, mode, 2);
      // Each window spans exactly the loop's samples (10 µs each).
      assert.deepEqual(w.map((x) => x.end - x.start), LOOPS.map((l) => l.durationUs / 10));
      const e = energyFromTimestamps(m.samples, m.periodS, m.supplyV, mode, INFERENCES, 2);
      // Every sample of a window draws the loop's current (the start pulse too; the end pulse
      // is the next window's boundary and not part of this one).
      const want = LOOPS.map((l, i) => ((l.durationUs / 10) * reported(l.currentA) * 3.3 * 10e-6 * 1e6) / INFERENCES[i]!);
      e.perInferenceUj.forEach((x, i) => assert.ok(Math.abs(x - want[i]!) <= 1e-9 * want[i]!, `window ${i}: ${x} vs ${want[i]}`));
      assert.equal(e.energyEstimated, false);
      // The host ran three loops but the pin shows two: no figure.
      assert.throws(() => energyFromTimestamps(m.samples, m.periodS, m.supplyV, mode, [1, 1, 1], 2), /2 windows on digital input D2, but the host ran 3 timed loops/);
      // The other digital inputs saw nothing.
      assert.deepEqual(timestampWindows(m.samples, 'level', 0), []);
    } finally {
      await ppk.close();
      await sim.close();
      await pair.close();
    }
  });
}

test('pulses: a missed timestamp (odd falling edges) gives no figure; a capture starting mid-pulse invents none', () => {
  const s = (logic: number): PowerSample => ({ currentA: 1e-3, logic });
  const seq = [0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1].map(s);
  // Starts low: the first low stretch is not a timestamp. Falling edges at 4, 8, 11.
  assert.deepEqual(timestampWindows(seq, 'pulses').map((w) => [w.start, w.end]), [[4, 8], [11, -1]]);
  assert.throws(() => energyFromTimestamps(seq, 1e-5, 3.3, 'pulses', [1, 1]), /odd number of falling edges \(3\)/);
  assert.throws(() => energyFromTimestamps([s(0), s(0)], 1e-5, 3.3, 'level', []), /no timed loop/);
});
