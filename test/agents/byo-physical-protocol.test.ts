// The physical-board protocol path: the agent opens the board's serial console, starts the PPK2,
// resets the board and drives the MLPerf Tiny protocol over the console; energy comes from the
// timestamp pin on the probe's digital input. The "board" is real firmware on QEMU whose UART is
// wired to the console pty (-chardev serial on one end of a socat pair), started by the reset;
// the PPK2 is the simulated instrument (it cannot exist here) playing one timestamp window per
// timed loop. Only the flasher is a stand-in (QEMU loads the ELF itself).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { startMosquitto, type TestBroker } from '../../tools/mosquitto.ts';
import { Agent } from '../../agents/agent.ts';
import { defaultSteps } from '../../agents/pipeline/default-steps.ts';
import { recordedEnumerator } from '../../agents/discovery/enumerate.ts';
import { Ppk2Simulator, SIM_CALIBRATION, timestampProfile } from '../../agents/power/ppk2-sim.ts';
import { sampleCurrent } from '../../agents/power/ppk2-protocol.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { topics, type JobResult } from '../../wire/mqtt.ts';
import { job, rackConfig, recorder } from './agent-harness.ts';
import { ptyPair } from './pty-pair.ts';

let broker: TestBroker;
before(async () => { broker = await startMosquitto(); });
after(async () => { await broker.dispose(); });

test('physical-board protocol run: console, reset, MLPerf Tiny protocol, energy from the timestamp pin on the PPK2', { timeout: 180_000 }, async () => {
  const fw = await buildFirmware({ model: 'toycar', board: 'qemu-mps2-an386', protocol: 'mlperf-tiny' });
  const elf = readFileSync(fw.elfPath);
  const consolePair = await ptyPair();
  const probePair = await ptyPair();
  // Two timed loops (reps 2): 2 ms at 9 mA each, the pin high for each (performance mode).
  const sim = await Ppk2Simulator.open(probePair.b, timestampProfile([{ durationUs: 2000, currentA: 9e-3 }, { durationUs: 2000, currentA: 9e-3 }], { mode: 'level' }));
  const cfg = rackConfig(broker.url, 'pp1', { runTimeoutS: 60 });
  cfg.virtual = [];
  cfg.boards = [{ id: 'f446-p', kind: 'nucleo-f446re', port: consolePair.a, probe: { kind: 'ppk2', port: probePair.a, voltageMv: 3300 } }];
  let qemu: ReturnType<typeof execa> | undefined;
  const real = defaultSteps({
    resetBoard: async () => {
      qemu = execa('qemu-system-arm', ['-M', 'mps2-an386', '-display', 'none', '-chardev', `serial,id=c0,path=${consolePair.b}`, '-serial', 'chardev:c0',
        '-icount', 'shift=0', '-semihosting-config', 'enable=on,target=native', '-kernel', fw.elfPath], { reject: false, timeout: 120_000 });
    },
  });
  const steps = { ...real, flash: async (_s: unknown, f: { elfPath: string }) => ({ tool: 'stand-in', verified: true, runImage: f.elfPath, durationMs: 0 }) };
  const agent = new Agent(cfg, { steps, enumerator: recordedEnumerator({ usb: [], serial: [{ path: consolePair.a }] }), log: () => {} });
  const rec = await recorder(broker.url, 'rec-pp1');
  await agent.start();
  try {
    const sha256 = createHash('sha256').update(elf).digest('hex');
    await rec.client.publishAsync(topics.agentJobs('pp1'), JSON.stringify(job('pp-1', {
      boardKind: 'nucleo-f446re', model: { name: 'toycar' }, reps: 2, protocol: 'mlperf-tiny', submittedBy: 'acme',
      firmware: { name: 'acme-toycar', elfBase64: elf.toString('base64'), sha256 },
    })), { qos: 1 });
    const r = (await rec.waitFor((m) => m.topic === topics.agentResults('pp1'), 120_000)).payload as unknown as JobResult;
    assert.equal(r.ok, true, r.error);
    assert.equal(r.source, 'byo');
    assert.equal(r.submittedBy, 'acme');
    assert.equal(r.firmwareSha256, sha256);
    assert.equal(r.metrics?.counter, 'us-lap');
    assert.equal(r.metrics?.counts.length, 2);
    assert.equal(r.metrics?.outputsMatch, true);
    // Physical path: the firmware's microseconds are taken as measured.
    assert.equal(r.metrics?.latencyEstimated, false);
    assert.equal(r.metrics?.energyEstimated, false);
    const { range, adc } = Ppk2Simulator.encodeCurrent(9e-3);
    const want = sampleCurrent(SIM_CALIBRATION, { adc, range, counter: 0, logic: 0 }, 3300) * 3.3 * 2e-3 * 1e6;
    assert.ok(Math.abs(r.metrics!.energyUj! - want) < 1e-9 * want, `${r.metrics!.energyUj} vs ${want}`);
  } finally {
    await agent.stop();
    await rec.close();
    qemu?.kill('SIGKILL');
    await qemu?.catch(() => {});
    await sim.close();
    await consolePair.close();
    await probePair.close();
  }
});
