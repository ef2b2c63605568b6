// stlink's st-flash: writes a raw binary at the flash base; it reads back and compares by itself
// ("Flash written and verified"), then --reset starts the new firmware.
import type { Flasher, FlashTarget } from './flasher.ts';
import { ensureBin, runTool } from './flasher.ts';

export function stFlashArgs(target: FlashTarget, binPath: string): string[] {
  const args = ['--reset'];
  if (target.serialNumber) args.push('--serial', target.serialNumber);
  args.push('write', binPath, `0x${(target.def.flashAddress ?? 0x08000000).toString(16)}`);
  return args;
}

export const stFlashFlasher: Flasher = {
  kind: 'st-flash',
  async flash(target, image, opts) {
    const bin = await ensureBin(target.boardId, image, opts);
    const r = await runTool(target.boardId, 'st-flash', stFlashArgs(target, bin), opts);
    return { tool: 'st-flash', verified: /verified/i.test(r.all), runImage: bin, durationMs: r.durationMs };
  },
};
