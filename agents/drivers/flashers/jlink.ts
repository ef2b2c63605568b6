// SEGGER J-Link: JLinkExe runs a command file: halt, load, verify against the binary, reset, go.
// The board's settings: its device (`-device`), interface (`-if`, default SWD) and JTAG chain
// (`-jtagconf`, JTAG only). The reset is a command file of its own (reset, go).
import { writeFileSync } from 'node:fs';
import type { Flasher, FlashTarget, ToolOptions } from './flasher.ts';
import { ensureBin, flashAddress, FlashError, hexAddress, runTool, settingAfter } from './flasher.ts';

export function jlinkCommandFile(image: { elfPath: string; binPath: string }, address: number): string {
  return ['r', 'h', `loadfile ${image.elfPath}`, `verifybin ${image.binPath} ${hexAddress(address)}`, 'r', 'g', 'exit', ''].join('\n');
}

export function jlinkArgs(target: FlashTarget, commandFile: string): string[] {
  const device = settingAfter(target, '-device');
  if (!device) throw new Error(`board kind ${target.kind} has no J-Link device name`);
  const jtag = settingAfter(target, '-jtagconf');
  const args = ['-device', device, '-if', settingAfter(target, '-if') ?? 'SWD', '-speed', '4000', ...(jtag ? ['-jtagconf', jtag] : []),
    '-autoconnect', '1', '-NoGui', '1', '-ExitOnError', '1'];
  if (target.serialNumber) args.push('-SelectEmuBySN', target.serialNumber);
  args.push('-CommandFile', commandFile);
  return args;
}

/** Runs a command file; JLinkExe may exit 0 after a failure, so its output is the judge. */
async function runJlink(target: FlashTarget, commandFile: string, opts: ToolOptions) {
  const r = await runTool(target.boardId, 'JLinkExe', jlinkArgs(target, commandFile), opts);
  if (/Verify failed|ERROR|Cannot connect/i.test(r.all)) throw new FlashError(target.boardId, 'JLinkExe', r.exitCode, r.all.split('\n').slice(-12).join('\n'), 'load or verify failed');
  return r;
}

export const jlinkFlasher: Flasher = {
  kind: 'jlink',
  async flash(target, image, opts) {
    const bin = await ensureBin(target.boardId, image, opts);
    const cmdFile = image.elfPath.replace(/\.elf$/, '') + '.jlink';
    writeFileSync(cmdFile, jlinkCommandFile({ elfPath: image.elfPath, binPath: bin }, flashAddress(target)));
    const r = await runJlink(target, cmdFile, opts);
    return { tool: 'jlink', verified: /Verify successful|O\.K\./i.test(r.all), runImage: image.elfPath, durationMs: r.durationMs };
  },
};

export { jlinkFlasher as flasher };
