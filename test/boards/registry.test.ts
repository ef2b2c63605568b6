// The board registry loads every definition in boards/defs/; every definition is complete and
// its files exist; every physical board's firmware builds here, except the Xtensa ESP32 whose
// toolchain only lab machines have: that one fails with a clear error naming the toolchain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BOARDS_DIR, getBoard, listBoards } from '../../boards/index.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { hasTool, ToolchainMissingError } from '../../firmware/build/compile.ts';
import { elfSizes } from '../../firmware/build/elf-sizes.ts';
import { TINY_INPUT, tinyModel } from '../firmware/tiny-model.ts';

const boards = await listBoards();

test('the registry loads one board per file in boards/defs/', () => {
  const files = readdirSync(join(BOARDS_DIR, 'defs')).filter((f) => f.endsWith('.ts'));
  assert.equal(boards.length, files.length);
  for (const b of boards) assert.ok(files.includes(`${b.id}.ts`), `${b.id} lives in defs/${b.id}.ts`);
  const ids = boards.map((b) => b.id).sort();
  for (const id of ['qemu-stm32f405', 'qemu-mps2-an386', 'qemu-sifive-e', 'qemu-riscv32-virt', 'host',
    'nucleo-f446re', 'nucleo-l4r5zi', 'esp32-c3-devkitm-1', 'hifive1-revb', 'esp32-devkitc']) {
    assert.ok(ids.includes(id), `board ${id} defined`);
  }
});

test('an unknown board id is a clear error listing the known ones', async () => {
  await assert.rejects(getBoard('nope'), /unknown board "nope" \(have: .*qemu-mps2-an386/);
});

for (const b of boards) {
  test(`board ${b.id}: complete definition, files exist`, () => {
    if (b.linkerScript) assert.ok(existsSync(join(BOARDS_DIR, b.linkerScript)), b.linkerScript);
    for (const s of b.sources) assert.ok(existsSync(join(BOARDS_DIR, s)), s);
    assert.ok(b.clockHz > 0 && b.stackBytes > 0 && b.stackBytes < b.memory.ram.size);
    if (b.virtual) {
      assert.ok(b.arch === 'host' || b.qemu, 'virtual boards run on QEMU or the host');
      assert.ok(b.arch === 'host' || b.counter.kind === 'instructions', 'QEMU counts instructions, not cycles');
    } else {
      assert.equal(b.counter.kind, 'cycles');
      assert.ok(b.usb.length > 0, 'physical boards list their USB ids');
      for (const u of b.usb) assert.match(`${u.vid}:${u.pid}`, /^[0-9a-f]{4}:[0-9a-f]{4}$/);
      assert.ok(['openocd', 'st-flash', 'esptool', 'jlink', 'dfu-util'].includes(b.flasher.tool));
      assert.ok(b.serial.baud > 0);
    }
  });
}

for (const b of boards.filter((x) => !x.virtual)) {
  test(`physical board ${b.id}: firmware builds (or names its missing toolchain)`, async () => {
    const cc = `${b.toolchain.prefix}gcc`;
    const prepared = tinyModel(TINY_INPUT);
    if (!(await hasTool(cc))) {
      await assert.rejects(buildFirmware({ prepared, board: b.id }), (err: unknown) => {
        assert.ok(err instanceof ToolchainMissingError);
        assert.match(err.message, new RegExp(`toolchain ${cc} not found on PATH`));
        return true;
      });
      return;
    }
    const r = await buildFirmware({ prepared, board: b.id });
    const sizes = elfSizes(r.elfPath);
    assert.equal(r.romBytes, sizes.romBytes);
    const inFlash = (a: number) => a >= b.memory.flash.origin && a < b.memory.flash.origin + b.memory.flash.size;
    const inRam = (a: number) => a >= b.memory.ram.origin && a < b.memory.ram.origin + b.memory.ram.size;
    for (const s of sizes.sections) {
      assert.ok(s.ram ? inRam(s.address) : inFlash(s.address) || inRam(s.address), `${s.name} at 0x${s.address.toString(16)} inside the board's memory`);
    }
    const stack = sizes.sections.find((s) => s.name === '.stack');
    assert.equal(stack?.bytes, b.stackBytes);
  });
}

test('the ESP32 (Xtensa) definition is complete even where its toolchain is missing', async () => {
  const b = await getBoard('esp32-devkitc');
  assert.equal(b.toolchain.prefix, 'xtensa-esp32-elf-');
  assert.equal(b.arch, 'xtensa');
  assert.ok(b.toolchain.installHint.includes('provisioning'));
});

for (const b of boards.filter((x) => !x.virtual)) {
  test(`physical board ${b.id}: a model-set model (micro_speech, AoT) builds and fits`, async (t) => {
    if (!(await hasTool(`${b.toolchain.prefix}gcc`))) { t.skip(`${b.toolchain.prefix}gcc not installed here (lab machines only)`); return; }
    const r = await buildFirmware({ model: 'micro_speech', board: b.id });
    assert.ok(r.ramBytes >= r.arenaBytes + b.stackBytes, 'RAM holds arena and stack');
    assert.ok(r.ramBytes <= b.memory.ram.size && r.romBytes <= b.memory.flash.size);
    assert.equal(r.arenaBytes, r.fit.arenaBytes);
  });
}
