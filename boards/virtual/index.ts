// Virtual boards: the driver for a board definition (QEMU machine or the host process), and a
// whole run to its end. The one place both `tinyrack run` (firmware/runner) and the lab agent
// (agents/pipeline/default-steps.ts) start a virtual board.
import type { BoardDefinition } from '../types.ts';
import { HostBoard } from './host.ts';
import { QemuBoard } from './qemu.ts';
import type { VirtualBoard, VirtualExit, VirtualRunOptions } from './virtual-board.ts';

export type { VirtualBoard, VirtualExit, VirtualRunOptions } from './virtual-board.ts';

export function virtualBoard(board: BoardDefinition, opts: VirtualRunOptions = {}): VirtualBoard {
  if (!board.virtual) throw new Error(`board ${board.id} is physical: run it through a lab agent`);
  return board.arch === 'host' ? new HostBoard(board, opts) : new QemuBoard(board, opts);
}

/** Runs a firmware to its end and returns every console line (with its ending) and the exit. */
export async function runVirtual(board: BoardDefinition, elfPath: string, opts: VirtualRunOptions = {}): Promise<VirtualExit & { lines: string[] }> {
  const b = virtualBoard(board, opts);
  const lines: string[] = [];
  await b.start(elfPath);
  for await (const l of b.lines()) lines.push(l);
  const e = await b.wait();
  return { ...e, lines };
}
