import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { getBoard } from '../../boards/index.ts';
import { openocdArgs, openocdFlasher } from '../../agents/drivers/flashers/openocd.ts';
import { stFlashArgs } from '../../agents/drivers/flashers/st-flash.ts';
import { esptoolArgs } from '../../agents/drivers/flashers/esptool.ts';
import { dfuUtilArgs } from '../../agents/drivers/flashers/dfu-util.ts';
import { jlinkArgs, jlinkCommandFile } from '../../agents/drivers/flashers/jlink.ts';
import { qemuFlasher } from '../../agents/drivers/flashers/qemu.ts';
import { flasherFor } from '../../agents/drivers/flashers/registry.ts';
import { FlashError, flashTarget, runTool, type FlashTarget } from '../../agents/drivers/flashers/flasher.ts';
import { uhubctlArgs } from '../../agents/health/power-switch.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dir = tempDir('tinyrack-flash-');
// Flash targets written out here so the argument lists below do not move when the registry does:
// an STM32F446 with an ST-Link (its OpenOCD interface + target scripts, its J-Link device name)
// and an ESP32-C3 on its console port.
const f446 = { kind: 'nucleo-f446re', flashOrigin: 0x08000000, serialNumber: '066DFF485550755187121826' };
const target: FlashTarget = { boardId: 'f446-a', ...f446, flasher: { tool: 'openocd', args: ['-f', 'interface/stlink.cfg', '-f', 'target/stm32f4x.cfg'] } };
const stFlash: FlashTarget = { ...target, flasher: { tool: 'st-flash', args: [] } };
const dfu: FlashTarget = { ...target, flasher: { tool: 'dfu-util', args: [] } };
const jlink: FlashTarget = { ...target, flasher: { tool: 'jlink', args: ['-device', 'STM32F446RE'] } };
const c3: FlashTarget = { boardId: 'c3-a', kind: 'esp32-c3-devkitm-1', flashOrigin: 0x4038_0000, flasher: { tool: 'esptool', args: ['--chip', 'esp32c3'] } };
const haveOpenocd = (() => { try { execaSync('openocd', ['--version'], { reject: true }); return true; } catch { return false; } })();

test('OpenOCD: probe chosen by serial before the target config; program, verify, reset in one go', () => {
  assert.deepEqual(openocdArgs(target, { elfPath: '/fw/a b.elf' }), [
    '-f', 'interface/stlink.cfg', '-c', 'adapter serial 066DFF485550755187121826', '-f', 'target/stm32f4x.cfg',
    '-c', 'program {/fw/a b.elf} verify reset exit',
  ]);
  assert.deepEqual(openocdArgs({ ...target, flasher: { tool: 'openocd', args: ['-f', 'board/st_nucleo_f4.cfg'] } }, { elfPath: '/fw/x.elf' }), [
    '-c', 'adapter serial 066DFF485550755187121826', '-f', 'board/st_nucleo_f4.cfg', '-c', 'program {/fw/x.elf} verify reset exit',
  ]);
});

test('st-flash, esptool, dfu-util, J-Link argument lists', () => {
  assert.deepEqual(stFlashArgs(stFlash, '/fw/x.bin'), ['--reset', '--serial', '066DFF485550755187121826', 'write', '/fw/x.bin', '0x8000000']);
  assert.deepEqual(esptoolArgs({ ...c3, port: '/dev/ttyACM2' }, '/fw/x.bin'),
    ['--chip', 'esp32c3', '--port', '/dev/ttyACM2', '--baud', '460800', '--after', 'hard_reset', 'write_flash', '--verify', '0x0', '/fw/x.bin']);
  assert.throws(() => esptoolArgs(c3, '/fw/x.bin'), /c3-a: esptool needs the board's serial port/);
  assert.deepEqual(dfuUtilArgs(dfu, '/fw/x.bin'), ['-a', '0', '-s', '0x8000000:leave', '-D', '/fw/x.bin', '-S', '066DFF485550755187121826']);
  assert.deepEqual(jlinkArgs(jlink, '/fw/x.jlink'), ['-device', 'STM32F446RE', '-if', 'SWD', '-speed', '4000', '-autoconnect', '1', '-NoGui', '1', '-ExitOnError', '1', '-SelectEmuBySN', '066DFF485550755187121826', '-CommandFile', '/fw/x.jlink']);
  assert.equal(jlinkCommandFile({ elfPath: '/fw/x.elf', binPath: '/fw/x.bin' }, 0x08000000), 'r\nh\nloadfile /fw/x.elf\nverifybin /fw/x.bin 0x8000000\nr\ng\nexit\n');
  assert.deepEqual(uhubctlArgs({ kind: 'uhubctl', hub: '1-1.4', port: 2 }), ['-l', '1-1.4', '-p', '2', '-a', 'cycle', '-d', '2']);
});

test('the registry\'s nucleo-f446re flashes with its OpenOCD board script, picking the probe by serial', async () => {
  const board = await getBoard('nucleo-f446re');
  assert.deepEqual(openocdArgs(flashTarget('f446-a', board, { serialNumber: f446.serialNumber }), { elfPath: '/fw/x.elf' }), [
    '-c', 'adapter serial 066DFF485550755187121826', '-f', 'board/st_nucleo_f4.cfg', '-c', 'program {/fw/x.elf} verify reset exit',
  ]);
});

test('every flasher kind of the board registry has a driver', async () => {
  for (const k of ['qemu', 'openocd', 'st-flash', 'esptool', 'dfu-util', 'jlink', 'host']) assert.equal(flasherFor(k).kind, k);
  assert.throws(() => flasherFor('pyocd'), /no flasher driver "pyocd"/);
});

test('OpenOCD failing for real: the error names board, tool, exit code and the output tail', { skip: haveOpenocd ? false : 'openocd not installed (apt-get install openocd)' }, async () => {
  const bogus: FlashTarget = { ...target, flasher: { tool: 'openocd', args: ['-f', join(dir, 'no-such-board.cfg')] } };
  await assert.rejects(openocdFlasher.flash(bogus, { elfPath: join(dir, 'fw.elf') }, { timeoutMs: 20_000 }), (e: unknown) => {
    assert.ok(e instanceof FlashError);
    assert.equal(e.boardId, 'f446-a');
    assert.equal(e.tool, 'openocd');
    assert.equal(e.exitCode, 1);
    assert.match(e.outputTail, /no-such-board\.cfg/);
    assert.match(e.message, /^flashing f446-a with openocd failed: tool reported an error \(exit code 1\)\n--- openocd output \(tail\) ---\n/);
    return true;
  });
});

test('a missing tool and a tool that hangs are clear flash errors', async () => {
  await assert.rejects(runTool('b9', 'no-such-flasher-tool', [], { timeoutMs: 5000 }), /flashing b9 with no-such-flasher-tool failed: no-such-flasher-tool is not installed/);
  await assert.rejects(runTool('b9', 'sleep', ['10'], { timeoutMs: 300 }), /flashing b9 with sleep failed: timed out after 300 ms/);
});

test('QEMU "flashing" checks the image is an ELF', async () => {
  const q0 = flashTarget('q0', await getBoard('qemu-mps2-an386'));
  const notElf = join(dir, 'x.elf');
  writeFileSync(notElf, 'hello');
  await assert.rejects(qemuFlasher.flash(q0, { elfPath: notElf }, { timeoutMs: 1000 }), /flashing q0 with qemu failed: .*x\.elf is not an ELF file/);
  await assert.rejects(qemuFlasher.flash(q0, { elfPath: join(dir, 'none.elf') }, { timeoutMs: 1000 }), /firmware image not readable/);
  const elf = join(dir, 'true.elf');
  copyFileSync('/bin/true', elf);
  const r = await qemuFlasher.flash(q0, { elfPath: elf }, { timeoutMs: 1000 });
  assert.deepEqual([r.tool, r.verified, r.runImage], ['qemu', true, elf]);
});
