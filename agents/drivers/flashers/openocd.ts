// OpenOCD: program, verify and reset in one session, picking the probe by its USB serial number.
import type { Flasher, FlashImage, FlashTarget } from './flasher.ts';
import { runTool } from './flasher.ts';

export function openocdArgs(target: FlashTarget, image: FlashImage): string[] {
  const d = target.def;
  if (!d.flasherConfig && !d.openocdTarget) throw new Error(`board kind ${d.id} has no OpenOCD board or target config`);
  // The adapter serial must be chosen before a board/target script initialises the adapter.
  const serial = target.serialNumber ? ['-c', `adapter serial ${target.serialNumber}`] : [];
  const args = d.flasherConfig
    ? [...serial, '-f', d.flasherConfig]
    : ['-f', d.openocdInterface ?? 'interface/stlink.cfg', ...serial, '-f', d.openocdTarget!];
  // OpenOCD's command language treats braces as quoting: paths with spaces stay one word.
  args.push('-c', `program {${image.elfPath}} verify reset exit`);
  return args;
}

export const openocdFlasher: Flasher = {
  kind: 'openocd',
  async flash(target, image, opts) {
    const r = await runTool(target.boardId, 'openocd', openocdArgs(target, image), opts);
    return { tool: 'openocd', verified: /Verified OK|verified \d+ bytes/i.test(r.all), runImage: image.elfPath, durationMs: r.durationMs };
  },
};
