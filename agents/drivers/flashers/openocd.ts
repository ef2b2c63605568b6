// OpenOCD: program, verify and reset in one session, picking the probe by its USB serial number.
// The board's settings are its OpenOCD scripts (`-f` in its flasher arguments): a board script,
// or an interface script and a target script.
import type { Flasher, FlashImage, FlashTarget } from './flasher.ts';
import { runTool } from './flasher.ts';

/** The board's scripts, with the adapter serial chosen before the first script that
 * initialises the adapter (a board or target script; an interface script only names it). */
function scripts(target: FlashTarget): string[] {
  const files = target.flasher.args.flatMap((a, i, all) => (a === '-f' && i + 1 < all.length ? [all[i + 1]!] : []));
  if (!files.length) throw new Error(`board kind ${target.kind} has no OpenOCD board or target config`);
  const serial = target.serialNumber ? ['-c', `adapter serial ${target.serialNumber}`] : [];
  const args: string[] = [];
  let chosen = false;
  for (const f of files) {
    if (!chosen && !f.startsWith('interface/')) { args.push(...serial); chosen = true; }
    args.push('-f', f);
  }
  return args;
}

export function openocdArgs(target: FlashTarget, image: FlashImage): string[] {
  // OpenOCD's command language treats braces as quoting: paths with spaces stay one word.
  return [...scripts(target), '-c', `program {${image.elfPath}} verify reset exit`];
}

export function openocdResetArgs(target: FlashTarget): string[] {
  return [...scripts(target), '-c', 'init', '-c', 'reset run', '-c', 'shutdown'];
}

export const openocdFlasher: Flasher = {
  kind: 'openocd',
  async flash(target, image, opts) {
    const r = await runTool(target.boardId, 'openocd', openocdArgs(target, image), opts);
    return { tool: 'openocd', verified: /Verified OK|verified \d+ bytes/i.test(r.all), runImage: image.elfPath, durationMs: r.durationMs };
  },
  async reset(target, ctx) {
    await runTool(target.boardId, 'openocd', openocdResetArgs(target), ctx);
  },
};

export { openocdFlasher as flasher };
