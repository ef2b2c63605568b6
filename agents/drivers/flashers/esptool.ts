// Espressif's esptool: flashes through the console / USB-JTAG port; --verify reads back.
import type { Flasher, FlashTarget } from './flasher.ts';
import { ensureBin, runTool } from './flasher.ts';

export function esptoolArgs(target: FlashTarget, binPath: string): string[] {
  if (!target.port) throw new Error(`board ${target.boardId}: esptool needs the board's serial port`);
  return ['--chip', target.def.esptoolChip ?? 'auto', '--port', target.port, '--baud', '460800',
    '--after', 'hard_reset', 'write_flash', '--verify', `0x${(target.def.flashAddress ?? 0).toString(16)}`, binPath];
}

export const esptoolFlasher: Flasher = {
  kind: 'esptool',
  async flash(target, image, opts) {
    const bin = await ensureBin(target.boardId, image, { ...opts, objcopy: 'riscv64-unknown-elf-objcopy' });
    const r = await runTool(target.boardId, 'esptool.py', esptoolArgs(target, bin), opts);
    return { tool: 'esptool', verified: /Hash of data verified|verification successful/i.test(r.all), runImage: bin, durationMs: r.durationMs };
  },
};
