// What the agent needs to know about a board definition, in the units it works in: USB ids as
// numbers for discovery, console speed, clock, counter. The
// board registry (boards/defs/, loaded by boards/index.ts) is the only source; how a board is
// flashed stays in its definition's `flasher` settings, read by the flasher drivers.
import { listBoards } from '../boards/index.ts';
import type { BoardDefinition } from '../boards/types.ts';
import type { Counter } from '../wire/vocabulary.ts';

export interface UsbId { vid: number; pid: number }

export interface AgentBoardDef {
  id: string;
  virtual: boolean;
  /** The registry's definition this is a view of (flasher settings, memory, QEMU machine). */
  board: BoardDefinition;
  /** Probe USB ids the board shows up as. */
  usb: UsbId[];
  baud: number;
  clockHz: number;
  counter: Counter;
}

let cache: Map<string, AgentBoardDef> | undefined;

const hexId = (s: string): number => parseInt(s.replace(/^0x/i, ''), 16);

/** The agent's view of a board registry definition. */
export function fromRegistry(b: BoardDefinition): AgentBoardDef {
  return {
    id: b.id,
    virtual: b.virtual,
    board: b,
    usb: b.usb.map((u) => ({ vid: hexId(u.vid), pid: hexId(u.pid) })),
    baud: b.serial.baud || 115200,
    clockHz: b.clockHz,
    counter: b.counter.kind,
  };
}

/** All board definitions of the registry, by id. */
export async function boardDefinitions(): Promise<Map<string, AgentBoardDef>> {
  if (cache) return cache;
  cache = new Map((await listBoards()).map((b) => [b.id, fromRegistry(b)]));
  return cache;
}

export async function boardDefinition(kind: string): Promise<AgentBoardDef> {
  const defs = await boardDefinitions();
  const def = defs.get(kind);
  if (!def) throw new Error(`unknown board kind "${kind}" (known: ${[...defs.keys()].sort().join(', ')})`);
  return def;
}
