// Virtual boards: "flashing" is checking the ELF is there and handing it to the QEMU driver,
// which boots it. The ELF's existence and ELF magic are the verification.
import { openSync, readSync, closeSync } from 'node:fs';
import type { Flasher } from './flasher.ts';
import { FlashError } from './flasher.ts';

export const qemuFlasher: Flasher = {
  kind: 'qemu',
  async flash(target, image) {
    const t0 = Date.now();
    const magic = Buffer.alloc(4);
    try {
      const fd = openSync(image.elfPath, 'r');
      try { readSync(fd, magic, 0, 4, 0); } finally { closeSync(fd); }
    } catch (err) {
      throw new FlashError(target.boardId, 'qemu', undefined, '', `firmware image not readable: ${(err as Error).message}`);
    }
    if (!magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
      throw new FlashError(target.boardId, 'qemu', undefined, '', `${image.elfPath} is not an ELF file`);
    }
    return { tool: 'qemu', verified: true, runImage: image.elfPath, durationMs: Date.now() - t0 };
  },
};

export { qemuFlasher as flasher };
