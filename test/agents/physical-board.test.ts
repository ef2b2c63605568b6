// The physical-board path with stand-ins only for the hardware: the console is a pty the test
// writes the report into when the agent resets the "board", and the PPK2 is the simulated
// instrument on a second pty. Serial capture, PPK2 driver, energy between MARKs and metrics are
// the real code; the energy is measured (energyEstimated: false).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent } from '../../agents/agent.ts';
import { defaultSteps } from '../../agents/pipeline/default-steps.ts';
import { recordedEnumerator } from '../../agents/discovery/enumerate.ts';
import { Ppk2Simulator, SIM_CALIBRATION, type ProfileSegment } from '../../agents/power/ppk2-sim.ts';
import { sampleCurrent } from '../../agents/power/ppk2-protocol.ts';
import { formatRecord, type SerialRecord } from '../../wire/serial.ts';
import { topics, type JobResult } from '../../wire/mqtt.ts';
import { job, rackConfig, recorder, standInSteps } from './agent-harness.ts';
import { ptyPair, type PtyPair } from './pty-pair.ts';

let broker: TestBroker;
before(async () => { broker = await startMosquitto(); });
after(async () => { await broker.dispose(); });

function report(counts: number[]): string {
  const recs: Array<Omit<SerialRecord, 'seq'>> = [
    { type: 'BOOT', fields: { fw: 'f446fw', board: 'nucleo-f446re', counter: 'cycles', hz: '16000000' } },
    { type: 'MODEL', fields: { name: 'toycar', backend: 'aot', arena: '128', warmup: '1', reps: String(counts.length) } },
    ...counts.flatMap((c, i): Array<Omit<SerialRecord, 'seq'>> => [
      { type: 'MARK', fields: { what: 'start', i: String(i) } },
      { type: 'MARK', fields: { what: 'stop', i: String(i) } },
      { type: 'INF', fields: { i: String(i), count: String(c), stack: '612', heap: '0' } },
    ]),
    { type: 'OUT', fields: { o: '0', dtype: 'int8', hex: '7f' } },
    { type: 'END', fields: { status: '0' } },
  ];
  return recs.map((r, seq) => `${formatRecord({ seq, ...r })}\r\n`).join('');
}

test('a physical board: console capture after reset, PPK2 energy per inference between the marks', { timeout: 60_000 }, async () => {
  const consolePair: PtyPair = await ptyPair();
  const probePair: PtyPair = await ptyPair();
  // Three inferences of 1.5 ms at 12 mA with the mark GPIO high, idle at 20 µA between them.
  const profile: ProfileSegment[] = [
    { durationUs: 300, currentA: 20e-6, logic: 0 },
    ...[0, 1, 2].flatMap((): ProfileSegment[] => [{ durationUs: 1500, currentA: 12e-3, logic: 1 }, { durationUs: 300, currentA: 20e-6, logic: 0 }]),
  ];
  const sim = await Ppk2Simulator.open(probePair.b, profile);
  const cfg = rackConfig(broker.url, 'p1');
  cfg.virtual = [];
  cfg.boards = [{ id: 'f446-a', kind: 'nucleo-f446re', port: consolePair.a, probe: { kind: 'ppk2', port: probePair.a, voltageMv: 3300 } }];
  const enumerator = recordedEnumerator({ usb: [], serial: [{ path: consolePair.a }] });
  const boardFd = openSync(consolePair.b, 'w');
  let resets = 0;
  const real = defaultSteps({
    resetBoard: async () => { resets++; writeSync(boardFd, `\x00garbage after reset\r\n${report([24000, 24100, 24050])}`); },
  });
  const stand = standInSteps({ script: () => ({ lines: [] }), builds: [], runs: [] });
  const steps = { ...real, build: stand.build, flash: stand.flash };
  const agent = new Agent(cfg, { steps, enumerator, log: () => {} });
  const rec = await recorder(broker.url, 'rec-p1');
  await agent.start();
  try {
    await rec.client.publishAsync(topics.agentJobs('p1'), JSON.stringify(job('phys-1', { boardKind: 'nucleo-f446re', model: { name: 'toycar' } })), { qos: 1 });
    const r = (await rec.waitFor((m) => m.topic === topics.agentResults('p1'), 20_000)).payload as unknown as JobResult;
    assert.equal(r.ok, true, r.error);
    assert.equal(resets, 1);
    assert.equal(r.boardId, 'f446-a');
    assert.deepEqual(r.metrics?.counts, [24000, 24100, 24050]);
    assert.equal(r.metrics?.counter, 'cycles');
    assert.equal(r.metrics?.latencyUs, 24050 / 16e6 * 1e6);
    assert.deepEqual(r.serial, { records: 13, noiseLines: 1, corruptLines: 0 });
    assert.equal(r.metrics?.energyEstimated, false);
    // Reference: I·V·t of one 1.5 ms inference at the current the instrument's ADC represents.
    const { range, adc } = Ppk2Simulator.encodeCurrent(12e-3);
    const expected = sampleCurrent(SIM_CALIBRATION, { adc, range, counter: 0, logic: 0 }, 3300) * 3.3 * 1.5e-3 * 1e6;
    assert.ok(Math.abs(r.metrics!.energyUj! - expected) < 1e-9 * expected, `${r.metrics!.energyUj} vs ${expected}`);
    assert.ok(Math.abs(expected - 59.4) < 0.005 * 59.4);
    assert.equal(sim.mode, 2);
    assert.equal(sim.voltageMv, 3300);
  } finally {
    await agent.stop();
    await rec.close();
    closeSync(boardFd);
    await sim.close();
    await consolePair.close();
    await probePair.close();
  }
});
