// stlink's st-flash: writes a raw binary at the flash base; it reads back and compares by itself
// ("Flash written and verified"), then --reset starts the new firmware.
import type { Flasher, FlashTarget } from './flasher.ts';
import { ensureBin, flashAddress, hexAddress, runTool } from './flasher.ts';

const serial = (target: FlashTarget): string[] => (target.serialNumber ? ['--serial', target.serialNumber] : []);

export function stFlashArgs(target: FlashTarget, binPath: string): string[] {
  return ['--reset', ...serial(target), 'write', binPath, hexAddress(flashAddress(target))];
}

export const stFlashFlasher: Flasher = {
  kind: 'st-flash',
  async flash(target, image, opts) {
    const bin = await ensureBin(target.boardId, image, opts);
    const r = await runTool(target.boardId, 'st-flash', stFlashArgs(target, bin), opts);
    return { tool: 'st-flash', verified: /verified/i.test(r.all), runImage: bin, durationMs: r.durationMs };
  },
  async reset(target, ctx) {
    await runTool(target.boardId, 'st-flash', [...serial(target), 'reset'], ctx);
  },
};

export { stFlashFlasher as flasher };
