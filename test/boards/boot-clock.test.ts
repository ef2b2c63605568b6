// What a run's BOOT record says about the core clock (docs/serial-format.md): parsed into
// RunReport.boot.clock, a bad value is a problem, a clock that did not come up or is off its
// target is a warning; and the firmware really prints it: QEMU boards say their clock is
// modelled, the host board that its clock is the configured nanosecond counter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { getBoard } from '../../boards/index.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { runFirmware } from '../../firmware/runner/index.ts';
import { assembleReport } from '../../wire/report.ts';
import type { SerialRecord } from '../../wire/serial.ts';
import { TINY_INPUT, tinyModel } from '../firmware/tiny-model.ts';

function records(boot: Record<string, string>): SerialRecord[] {
  return [
    { seq: 0, type: 'BOOT', fields: { fw: 'f', board: 'nucleo-f446re', counter: 'cycles', ...boot } },
    { seq: 1, type: 'MODEL', fields: { name: 'tiny', backend: 'aot', arena: '32', warmup: '1', reps: '1' } },
    { seq: 2, type: 'INF', fields: { i: '0', count: '1000', stack: '64', heap: '0' } },
    { seq: 3, type: 'END', fields: { status: '0' } },
  ];
}
const MEASURED = { hz: '179998912', hz_target: '180000000', clock_source: 'measured', clock_fault: 'none', clock_osc: 'hse_bypass_pll', clock_ref: 'lse' };

describe('BOOT clock fields in the report', () => {
  it('a measured clock near its target: parsed, complete, no warning', () => {
    const r = assembleReport(records(MEASURED));
    assert.equal(r.complete, true, r.problems.join('; '));
    assert.equal(r.boot?.hz, 179998912);
    assert.deepEqual(r.boot?.clock, { hzTarget: 180e6, source: 'measured', fault: 'none', osc: 'hse_bypass_pll', ref: 'lse' });
    assert.deepEqual(r.warnings, []);
  });

  it('a clock that did not come up is a warning naming the fault, the clock it ran at and the target', () => {
    const r = assembleReport(records({ ...MEASURED, hz: '16000123', clock_fault: 'pll_lock_timeout', clock_osc: 'hsi' }));
    assert.equal(r.complete, true);
    assert.deepEqual(r.warnings, ['clock fault pll_lock_timeout: ran at 16000123 Hz (hsi), target 180000000 Hz']);
  });

  it('a measured clock more than 2 % off its target is a warning', () => {
    const r = assembleReport(records({ ...MEASURED, hz: '170000000' }));
    assert.deepEqual(r.warnings, ['measured clock 170000000 Hz is -5.56 % off the target 180000000 Hz']);
  });

  it('an unknown clock source or a bad target is a problem, not a guess', () => {
    const a = assembleReport(records({ ...MEASURED, clock_source: 'guessed' }));
    assert.equal(a.complete, false);
    assert.match(a.problems.join(';'), /clock_source "guessed" is not one of measured\|configured\|modelled/);
    const b = assembleReport(records({ ...MEASURED, hz_target: 'x' }));
    assert.match(b.problems.join(';'), /hz_target "x" is not a clock/);
    const c = assembleReport(records({ ...MEASURED, hz: '0' }));
    assert.match(c.problems.join(';'), /BOOT hz "0" is not a clock/);
  });

  it('firmware from before the clock fields: no clock block, still complete', () => {
    const r = assembleReport(records({ hz: '25000000' }));
    assert.equal(r.complete, true);
    assert.equal(r.boot?.clock, undefined);
  });
});

async function have(tool: string): Promise<boolean> {
  return (await execa('which', [tool], { reject: false })).exitCode === 0;
}

describe('the firmware prints its clock', () => {
  for (const [id, tools] of [['qemu-mps2-an386', ['arm-none-eabi-gcc', 'qemu-system-arm']], ['qemu-sifive-e', ['riscv64-unknown-elf-gcc', 'qemu-system-riscv32']]] as const) {
    it(`${id}: clock_source=modelled at the machine's nominal clock`, async (t) => {
      for (const tool of tools) if (!(await have(tool))) return t.skip(`${tool} not installed`);
      const board = await getBoard(id);
      const build = await buildFirmware({ prepared: tinyModel(TINY_INPUT), board: id });
      const { report } = await runFirmware(board, build.elfPath);
      assert.equal(report.complete, true, report.problems.join('; '));
      assert.equal(report.boot?.hz, board.clockHz);
      assert.deepEqual(report.boot?.clock, { hzTarget: board.clockHz, source: 'modelled', fault: 'none', osc: 'model', ref: 'none' });
      assert.deepEqual(report.warnings, []);
    });
  }

  it('host: the nanosecond counter, configured', async () => {
    const board = await getBoard('host');
    const build = await buildFirmware({ prepared: tinyModel(TINY_INPUT), board: 'host' });
    const { report } = await runFirmware(board, build.elfPath);
    assert.equal(report.complete, true, report.problems.join('; '));
    assert.deepEqual(report.boot?.clock, { hzTarget: 1e9, source: 'configured', fault: 'none', osc: 'host', ref: 'none' });
  });
});
