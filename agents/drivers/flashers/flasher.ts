// One interface for every way of putting firmware on a board. Each tool is one driver file in
// this folder exporting `flasher` (openocd.ts, st-flash.ts, ...): it declares the tool, builds its
// arguments from the board's settings (boards/defs: FlasherSettings), judges verification and
// knows how to restart the firmware. registry.ts loads every such file: adding a flasher is
// adding a file. Tools run through execa with an argument array (never a shell string) and a
// time limit.
import { execa } from 'execa';
import type { BoardDefinition, FlasherSettings } from '../../../boards/types.ts';

export interface FlashTarget {
  boardId: string;
  /** Board definition id. */
  kind: string;
  /** The board's flasher settings (its `flasher` in boards/defs). */
  flasher: FlasherSettings;
  /** Start of the board's flash region (default flash address of raw-image tools). */
  flashOrigin: number;
  /** USB serial number of the probe, to pick one board among identical ones. */
  serialNumber?: string;
  /** Console / bootloader port (esptool flashes through it). */
  port?: string;
}

/** The flash target of a board definition, and of where discovery found it. */
export function flashTarget(boardId: string, board: BoardDefinition, found: { serialNumber?: string; port?: string } = {}): FlashTarget {
  return {
    boardId, kind: board.id, flasher: board.flasher, flashOrigin: board.memory.flash.origin,
    ...(found.serialNumber !== undefined ? { serialNumber: found.serialNumber } : {}), ...(found.port !== undefined ? { port: found.port } : {}),
  };
}

/** The value after `flag` in the board's flasher arguments. */
export function settingAfter(target: FlashTarget, flag: string): string | undefined {
  const a = target.flasher.args;
  const i = a.indexOf(flag);
  return i >= 0 && i + 1 < a.length ? a[i + 1] : undefined;
}

/** Where a raw image goes: the board's flashAddress, else the flash region's origin. */
export function flashAddress(target: FlashTarget): number {
  return target.flasher.flashAddress ?? target.flashOrigin;
}

export const hexAddress = (a: number): string => `0x${a.toString(16)}`;

export interface FlashImage {
  elfPath: string;
  /** Raw binary image for tools that need one; made from the ELF with objcopy when absent. */
  binPath?: string;
}

export interface FlashOutcome {
  tool: string;
  verified: boolean;
  /** What to hand the run step (for QEMU: the ELF to boot). */
  runImage: string;
  durationMs: number;
}

export interface ToolOptions { timeoutMs: number; signal?: AbortSignal }

/** What a reset may use besides the tool: the board's open console (esptool resets by RTS). */
export interface ResetContext extends ToolOptions {
  console: { resetByRts(): Promise<void> };
}

/** A flasher driver. `kind` is what a board definition's `flasher.tool` names. */
export interface Flasher {
  readonly kind: string;
  /** Writes the image, verifies it where the tool can, and says whether it did. */
  flash(target: FlashTarget, image: FlashImage, opts: ToolOptions): Promise<FlashOutcome>;
  /** Restarts the flashed firmware without writing it again, so its report starts after the
   * agent listens. Absent: the tool cannot, and the board needs a power switch in the rack file. */
  reset?(target: FlashTarget, ctx: ResetContext): Promise<void>;
}

export class FlashError extends Error {
  constructor(readonly boardId: string, readonly tool: string, readonly exitCode: number | undefined, readonly outputTail: string, why: string) {
    super(`flashing ${boardId} with ${tool} failed: ${why}${exitCode === undefined ? '' : ` (exit code ${exitCode})`}${outputTail ? `\n--- ${tool} output (tail) ---\n${outputTail}` : ''}`);
    this.name = 'FlashError';
  }
}

/** Last lines of a tool's output: enough to diagnose, short enough for a job result. */
export function tail(text: string, lines = 12): string {
  return text.split(/\r?\n/).filter((l) => l.trim().length).slice(-lines).join('\n');
}

export interface ToolRun { stdout: string; stderr: string; all: string; exitCode: number; durationMs: number }

/** Runs a flashing tool; any failure (missing tool, exit code, time-out) becomes a FlashError. */
export async function runTool(boardId: string, tool: string, args: string[], opts: { timeoutMs: number; signal?: AbortSignal; cwd?: string }): Promise<ToolRun> {
  const t0 = Date.now();
  try {
    const r = await execa(tool, args, {
      all: true, reject: false, timeout: opts.timeoutMs, cancelSignal: opts.signal, cwd: opts.cwd,
      stdin: 'ignore', forceKillAfterDelay: 2000,
    });
    const all = String(r.all ?? '');
    if (r.failed || r.exitCode !== 0) {
      const why = r.timedOut ? `timed out after ${opts.timeoutMs} ms`
        : r.isCanceled ? 'cancelled'
          : (r as { code?: string }).code === 'ENOENT' ? `${tool} is not installed (not found on PATH)`
            : r.exitCode === undefined ? `killed by ${r.signal ?? 'a signal'}` : 'tool reported an error';
      throw new FlashError(boardId, tool, r.exitCode ?? undefined, tail(all), why);
    }
    return { stdout: String(r.stdout), stderr: String(r.stderr), all, exitCode: 0, durationMs: Date.now() - t0 };
  } catch (err) {
    if (err instanceof FlashError) throw err;
    throw new FlashError(boardId, tool, undefined, '', (err as Error).message);
  }
}

/** Makes a raw binary from the ELF (st-flash, dfu-util, esptool, J-Link verify need one). */
export async function ensureBin(boardId: string, image: FlashImage, opts: { timeoutMs: number; objcopy?: string }): Promise<string> {
  if (image.binPath) return image.binPath;
  const bin = image.elfPath.replace(/\.elf$/, '') + '.bin';
  await runTool(boardId, opts.objcopy ?? 'arm-none-eabi-objcopy', ['-O', 'binary', image.elfPath, bin], opts);
  return bin;
}

