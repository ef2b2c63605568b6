// What the agent needs to know about a board definition: how to flash it, how to find it on USB,
// how fast its console talks, its clock and its datasheet current. The board registry
// (boards/index.ts) is the source of truth; the built-in table below only adds physical boards the
// registry does not define yet, and tool details (OpenOCD target, flash base) it does not carry.
import { listBoards } from '../boards/index.ts';
import type { BoardDefinition } from '../boards/types.ts';
import type { Counter } from '../wire/vocabulary.ts';

export interface UsbId { vid: number; pid: number }

export interface AgentBoardDef {
  id: string;
  virtual: boolean;
  /** Flasher driver kind (agents/drivers/flashers/registry.ts). */
  flasher: string;
  /** OpenOCD board script from the board definition (replaces interface + target scripts). */
  flasherConfig?: string;
  /** The host board counts wall-clock nanoseconds, not instructions or cycles. */
  countsAreNanoseconds?: boolean;
  /** Probe USB ids the board shows up as. */
  usb: UsbId[];
  baud: number;
  clockHz: number;
  /** Datasheet run current in microamps per MHz, for energy estimates on virtual boards. */
  currentUaPerMHz?: number;
  supplyVolts: number;
  counter: Counter;
  /** Tool-specific settings, e.g. OpenOCD target config, J-Link device name, esptool chip. */
  openocdTarget?: string;
  openocdInterface?: string;
  jlinkDevice?: string;
  esptoolChip?: string;
  flashAddress?: number;
}

const ST = 0x0483;
/** Built-in definitions used until (or where) boards/index.ts has none. Figures from datasheets. */
const BUILT_IN: AgentBoardDef[] = [
  // STM32F446RE: 100 µA/MHz run mode (datasheet DS10693, table 21, all peripherals off, flash on).
  { id: 'nucleo-f446re', virtual: false, flasher: 'openocd', usb: [{ vid: ST, pid: 0x374b }], baud: 115200, clockHz: 180_000_000, currentUaPerMHz: 100, supplyVolts: 3.3, counter: 'cycles', openocdInterface: 'interface/stlink.cfg', openocdTarget: 'target/stm32f4x.cfg', jlinkDevice: 'STM32F446RE', flashAddress: 0x08000000 },
  { id: 'esp32-c3-devkitm-1', virtual: false, flasher: 'esptool', usb: [{ vid: 0x303a, pid: 0x1001 }, { vid: 0x10c4, pid: 0xea60 }], baud: 115200, clockHz: 160_000_000, currentUaPerMHz: 145, supplyVolts: 3.3, counter: 'cycles', esptoolChip: 'esp32c3', flashAddress: 0 },
];

let cache: Map<string, AgentBoardDef> | undefined;

const argAfter = (args: string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 && i + 1 < args.length && !args[i + 1]!.includes('{') ? args[i + 1] : undefined;
};

const hexId = (s: string): number => parseInt(s.replace(/^0x/i, ''), 16);

/** The agent's view of a board registry definition. */
export function fromRegistry(b: BoardDefinition): AgentBoardDef {
  const builtIn = BUILT_IN.find((x) => x.id === b.id);
  const counter = b.counter.kind;
  return {
    ...builtIn,
    id: b.id,
    virtual: b.virtual,
    flasher: b.flasher.tool,
    // The drivers build the tool's arguments themselves (they add the probe serial and the
    // verification); from the registry's argument list they take only the chip/device names.
    flasherConfig: b.flasher.tool === 'openocd' ? b.flasher.config : undefined,
    jlinkDevice: argAfter(b.flasher.args, '-device') ?? builtIn?.jlinkDevice,
    esptoolChip: argAfter(b.flasher.args, '--chip') ?? builtIn?.esptoolChip,
    usb: b.usb.length ? b.usb.map((u) => ({ vid: hexId(u.vid), pid: hexId(u.pid) })) : builtIn?.usb ?? [],
    baud: b.serial.baud || builtIn?.baud || 115200,
    clockHz: b.clockHz,
    // The registry gives mA/MHz; the agent works in µA/MHz.
    currentUaPerMHz: b.power ? b.power.currentMaPerMhz * 1000 : builtIn?.currentUaPerMHz,
    supplyVolts: b.power?.volts ?? builtIn?.supplyVolts ?? 3.3,
    counter,
    countsAreNanoseconds: b.counter.kind === 'ns',
    flashAddress: builtIn?.flashAddress ?? (b.virtual ? undefined : b.memory.flash.origin),
  };
}

/** All board definitions known to the agent, by id: the registry's, then built-in extras. */
export async function boardDefinitions(): Promise<Map<string, AgentBoardDef>> {
  if (cache) return cache;
  const defs = new Map(BUILT_IN.map((b) => [b.id, b]));
  for (const b of await listBoards()) defs.set(b.id, fromRegistry(b));
  cache = defs;
  return defs;
}

export async function boardDefinition(kind: string): Promise<AgentBoardDef> {
  const defs = await boardDefinitions();
  const def = defs.get(kind);
  if (!def) throw new Error(`unknown board kind "${kind}" (known: ${[...defs.keys()].sort().join(', ')})`);
  return def;
}
