// SEGGER J-Link: JLinkExe runs a command file: halt, load, verify against the binary, reset, go.
import { writeFileSync } from 'node:fs';
import type { Flasher, FlashTarget } from './flasher.ts';
import { ensureBin, FlashError, runTool } from './flasher.ts';

export function jlinkCommandFile(image: { elfPath: string; binPath: string }, flashAddress: number): string {
  return ['r', 'h', `loadfile ${image.elfPath}`, `verifybin ${image.binPath} 0x${flashAddress.toString(16)}`, 'r', 'g', 'exit', ''].join('\n');
}

export function jlinkArgs(target: FlashTarget, commandFile: string): string[] {
  const device = target.def.jlinkDevice;
  if (!device) throw new Error(`board kind ${target.def.id} has no J-Link device name`);
  const args = ['-device', device, '-if', 'SWD', '-speed', '4000', '-autoconnect', '1', '-NoGui', '1', '-ExitOnError', '1'];
  if (target.serialNumber) args.push('-SelectEmuBySN', target.serialNumber);
  args.push('-CommandFile', commandFile);
  return args;
}

export const jlinkFlasher: Flasher = {
  kind: 'jlink',
  async flash(target, image, opts) {
    const bin = await ensureBin(target.boardId, image, opts);
    const cmdFile = image.elfPath.replace(/\.elf$/, '') + '.jlink';
    writeFileSync(cmdFile, jlinkCommandFile({ elfPath: image.elfPath, binPath: bin }, target.def.flashAddress ?? 0x08000000));
    const r = await runTool(target.boardId, 'JLinkExe', jlinkArgs(target, cmdFile), opts);
    // JLinkExe may exit 0 after a failed verify; its output is the judge.
    if (/Verify failed|ERROR|Cannot connect/i.test(r.all)) throw new FlashError(target.boardId, 'JLinkExe', r.exitCode, r.all.split('\n').slice(-12).join('\n'), 'load or verify failed');
    return { tool: 'jlink', verified: /Verify successful|O\.K\./i.test(r.all), runImage: image.elfPath, durationMs: r.durationMs };
  },
};
