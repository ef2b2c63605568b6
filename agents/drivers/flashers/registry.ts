// Flasher drivers by kind. A new flashing tool is a new file plus one line here.
import type { Flasher } from './flasher.ts';
import { openocdFlasher } from './openocd.ts';
import { stFlashFlasher } from './st-flash.ts';
import { esptoolFlasher } from './esptool.ts';
import { dfuUtilFlasher } from './dfu-util.ts';
import { jlinkFlasher } from './jlink.ts';
import { qemuFlasher } from './qemu.ts';
import { hostFlasher } from './host.ts';

const FLASHERS = new Map<string, Flasher>(
  [openocdFlasher, stFlashFlasher, esptoolFlasher, dfuUtilFlasher, jlinkFlasher, qemuFlasher, hostFlasher].map((f) => [f.kind, f]),
);

export function flasherFor(kind: string): Flasher {
  const f = FLASHERS.get(kind);
  if (!f) throw new Error(`no flasher driver "${kind}" (have: ${[...FLASHERS.keys()].join(', ')})`);
  return f;
}

export function registerFlasher(f: Flasher): void {
  FLASHERS.set(f.kind, f);
}
