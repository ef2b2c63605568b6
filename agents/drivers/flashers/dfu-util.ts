// dfu-util: USB DFU bootloader (STM32 system memory, 0483:df11). DFU cannot verify on download;
// ":leave" makes the bootloader start the new firmware. No reset without reflashing: a board
// flashed this way needs a power switch to restart.
import type { Flasher, FlashTarget } from './flasher.ts';
import { ensureBin, flashAddress, hexAddress, runTool } from './flasher.ts';

export function dfuUtilArgs(target: FlashTarget, binPath: string): string[] {
  const args = ['-a', '0', '-s', `${hexAddress(flashAddress(target))}:leave`, '-D', binPath];
  if (target.serialNumber) args.push('-S', target.serialNumber);
  return args;
}

export const dfuUtilFlasher: Flasher = {
  kind: 'dfu-util',
  async flash(target, image, opts) {
    const bin = await ensureBin(target.boardId, image, opts);
    const r = await runTool(target.boardId, 'dfu-util', dfuUtilArgs(target, bin), opts);
    return { tool: 'dfu-util', verified: false, runImage: bin, durationMs: r.durationMs };
  },
};

export { dfuUtilFlasher as flasher };
