// Espressif's esptool: flashes through the console / USB-JTAG port; --verify reads back. The
// board's settings: its chip (`--chip`), and `load_ram` for a RAM image (loaded and started at
// once, nothing to verify or keep: the ESP32 boards' images are RAM images, boards/README.md);
// a flash image goes at offset 0 of the SPI flash unless the board says otherwise. A reset is
// the console's RTS line (EN pin), as esptool does.
import type { Flasher, FlashTarget } from './flasher.ts';
import { ensureBin, hexAddress, runTool, settingAfter } from './flasher.ts';

export function esptoolArgs(target: FlashTarget, binPath: string): string[] {
  if (!target.port) throw new Error(`board ${target.boardId}: esptool needs the board's serial port`);
  const link = ['--chip', settingAfter(target, '--chip') ?? 'auto', '--port', target.port, '--baud', '460800'];
  if (target.flasher.args.includes('load_ram')) return [...link, 'load_ram', binPath];
  return [...link, '--after', 'hard_reset', 'write_flash', '--verify', hexAddress(target.flasher.flashAddress ?? 0), binPath];
}

export const esptoolFlasher: Flasher = {
  kind: 'esptool',
  async flash(target, image, opts) {
    const bin = await ensureBin(target.boardId, image, { ...opts, objcopy: 'riscv64-unknown-elf-objcopy' });
    const r = await runTool(target.boardId, 'esptool.py', esptoolArgs(target, bin), opts);
    return { tool: 'esptool', verified: /Hash of data verified|verification successful/i.test(r.all), runImage: bin, durationMs: r.durationMs };
  },
  async reset(_target, ctx) {
    await ctx.console.resetByRts();
  },
};

export { esptoolFlasher as flasher };
