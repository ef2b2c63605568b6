import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ppk2 } from '../../agents/power/ppk2.ts';
import { Ppk2Simulator, SIM_CALIBRATION, type ProfileSegment } from '../../agents/power/ppk2-sim.ts';
import { decodeFrame, encodeFrame, formatMetadata, parseMetadata, PPK2_CMD, regulatorBytes, sampleCurrent, ADC_MULT } from '../../agents/power/ppk2-protocol.ts';
import { energyBetweenMarks } from '../../agents/power/energy.ts';
import { estimateEnergy } from '../../boards/energy-estimate.ts';
import { formatRecord, parseLine, type SerialRecord } from '../../wire/serial.ts';
import { ptyPair } from './pty-pair.ts';

const marks = (n: number): SerialRecord[] => Array.from({ length: n }, (_, i) => [
  { seq: 2 * i, type: 'MARK' as const, fields: { what: 'start', i: String(i) } },
  { seq: 2 * i + 1, type: 'MARK' as const, fields: { what: 'stop', i: String(i) } },
]).flat();

test('sample frames: 14-bit ADC, 3-bit range, 6-bit counter, 8 logic bits round-trip', () => {
  const s = { adc: 0x2abc, range: 4, counter: 0x2d, logic: 0x81 };
  const w = encodeFrame(s);
  assert.equal(w, (0x2abc | (4 << 14) | (0x2d << 18) | (0x81 << 24)) >>> 0);
  assert.deepEqual(decodeFrame(w), s);
});

test('metadata text parses into per-range calibration; RegulatorSet encodes millivolts', () => {
  const cal = parseMetadata(formatMetadata(SIM_CALIBRATION));
  assert.deepEqual(cal, SIM_CALIBRATION);
  assert.throws(() => parseMetadata('R0: 1000\n'), /metadata incomplete/);
  assert.deepEqual(regulatorBytes(3300), [0x0c, 0xe4]);
  assert.deepEqual(regulatorBytes(800), [0x03, 0x20]);
  assert.throws(() => regulatorBytes(6000), /800\.\.5000 mV/);
  // Current of a sample follows the calibration formula: (adc*4 - O) * ADC_MULT / R (GS=0, GI=1, UG=1).
  const i = sampleCurrent(SIM_CALIBRATION, { adc: 1000, range: 2, counter: 0, logic: 0 }, 3300);
  assert.ok(Math.abs(i - (4000 - SIM_CALIBRATION.o[2]!) * ADC_MULT / SIM_CALIBRATION.r[2]!) < 1e-15);
});

test('PPK2 driver against the simulated instrument on a pty: protocol, calibration, energy per inference', async () => {
  // Three inferences: 2 ms at 8 mA, 2 ms at 8 mA, 3 ms at 300 µA (another range), each with logic bit 0 high,
  // separated by idle stretches at 5 µA with the bit low.
  const profile: ProfileSegment[] = [
    { durationUs: 500, currentA: 5e-6, logic: 0 },
    { durationUs: 2000, currentA: 8e-3, logic: 1 },
    { durationUs: 500, currentA: 5e-6, logic: 0 },
    { durationUs: 2000, currentA: 8e-3, logic: 1 },
    { durationUs: 500, currentA: 5e-6, logic: 0 },
    { durationUs: 3000, currentA: 300e-6, logic: 1 },
    { durationUs: 500, currentA: 5e-6, logic: 0 },
  ];
  const pair = await ptyPair();
  const sim = await Ppk2Simulator.open(pair.b, profile);
  const ppk = await Ppk2.open(pair.a, 3300);
  try {
    await ppk.init();
    assert.equal(ppk.calibration?.calibrated, true);
    assert.deepEqual(ppk.calibration?.r, SIM_CALIBRATION.r);
    await ppk.start();
    await new Promise((r) => setTimeout(r, 400));
    const m = await ppk.stop();
    assert.deepEqual(sim.commands.slice(0, 5), [[PPK2_CMD.GetMetadata], [PPK2_CMD.SetPowerMode, 2], [PPK2_CMD.RegulatorSet, 0x0c, 0xe4], [PPK2_CMD.DeviceRunningSet, 1], [PPK2_CMD.AverageStart]]);
    assert.deepEqual(sim.commands.at(-1), [PPK2_CMD.AverageStop]);
    assert.equal(sim.voltageMv, 3300);
    assert.equal(m.droppedSamples, 0);
    assert.ok(m.samples.length >= 900, `got ${m.samples.length} samples`);
    const e = energyBetweenMarks(m.samples, m.periodS, m.supplyV, marks(3));
    // Reference: E = I * V * t per inference, with I as the instrument's ADC can represent it
    // (the simulator quantizes the current to a 14-bit code in the auto-selected range).
    const quantized = (a: number) => { const { range, adc } = Ppk2Simulator.encodeCurrent(a); return sampleCurrent(SIM_CALIBRATION, { adc, range, counter: 0, logic: 0 }, 3300); };
    const expectUj = [quantized(8e-3) * 3.3 * 2e-3 * 1e6, quantized(8e-3) * 3.3 * 2e-3 * 1e6, quantized(300e-6) * 3.3 * 3e-3 * 1e6];
    assert.equal(e.perInferenceUj.length, 3);
    e.perInferenceUj.forEach((v, k) => assert.ok(Math.abs(v - expectUj[k]!) < 1e-9 * expectUj[k]!, `inference ${k}: ${v} vs ${expectUj[k]}`));
    // And the quantization is small: within 0.5 % of the nominal 52.8 µJ / 2.97 µJ.
    assert.ok(Math.abs(e.perInferenceUj[0]! - 52.8) < 0.005 * 52.8);
    assert.ok(Math.abs(e.perInferenceUj[2]! - 2.97) < 0.005 * 2.97);
    assert.equal(e.energyUj, e.perInferenceUj[1]);
    assert.equal(e.energyEstimated, false);
  } finally {
    await ppk.close();
    await sim.close();
    await pair.close();
  }
});

test('marks and samples that disagree give no energy figure', () => {
  const s = (on: number, n: number) => Array.from({ length: n }, () => ({ currentA: 1e-3, logic: on }));
  const samples = [...s(0, 5), ...s(1, 10), ...s(0, 5)];
  assert.throws(() => energyBetweenMarks(samples, 1e-5, 3.3, marks(2)), /1 high intervals on the logic input, 2 MARK start records/);
  assert.throws(() => energyBetweenMarks([...s(0, 2), ...s(1, 3)], 1e-5, 3.3, marks(1)), /the last interval never ended/);
  const ok = energyBetweenMarks(samples, 1e-5, 3.3, marks(1));
  assert.ok(Math.abs(ok.energyUj - 1e-3 * 3.3 * 10 * 1e-5 * 1e6) < 1e-12);
  // MARK records as the firmware prints them parse into what energyBetweenMarks expects.
  const r = parseLine(formatRecord({ seq: 3, type: 'MARK', fields: { what: 'start', i: '0' } }));
  assert.equal(r.kind, 'record');
});

test('virtual boards: energy estimated from instructions and datasheet current, flagged as an estimate', () => {
  // 1e6 instructions at 238 µA/MHz, 3.3 V: t = 1e6/f s, I = 238e-6 * f/1e6 A, so E = 238e-6 * 3.3 J = 785.4 µJ for any f.
  const e = estimateEnergy(1_000_000, 238, 3.3);
  assert.equal(e.energyEstimated, true);
  assert.ok(Math.abs(e.energyUj - 785.4) < 1e-9);
});
