import { hostGcc } from '../toolchains.ts';
import type { BoardDefinition } from '../types.ts';

// The machine tinyrack runs on: the firmware is built with the native gcc and run as a
// process; the report goes to stdout. Counts are wall-clock nanoseconds (CLOCK_MONOTONIC), so
// they vary from run to run; the stack is a painted 1 MiB block the harness runs on.
export const board: BoardDefinition = {
  id: 'host',
  name: 'Host (native process)',
  virtual: true,
  arch: 'host',
  core: 'native',
  clockHz: 1_000_000_000,
  memory: {
    flash: { origin: 0, size: 1024 * 1024 * 1024 },
    ram: { origin: 0, size: 1024 * 1024 * 1024 },
  },
  stackBytes: 1024 * 1024,
  toolchain: hostGcc,
  linkerScript: '',
  sources: ['host/port.c'],
  defines: { TR_HARNESS_MAIN: 'tr_harness_main' },
  flasher: { tool: 'host', args: ['{elf}'] },
  serial: { baud: 0 },
  usb: [],
  counter: { method: 'host-clock', kind: 'ns' },
  features: { dsp: false, fpu: true },
  exit: 'process',
};
