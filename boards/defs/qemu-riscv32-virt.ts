import { rv32 } from '../toolchains.ts';
import type { BoardDefinition } from '../types.ts';

// QEMU's generic riscv32 'virt' machine, no firmware (-bios none): the ELF is loaded into DRAM
// at 0x80000000, split here into 4 MiB for code + weights and 4 MiB for data + arena + stack.
// NS16550A UART0 at 0x10000000. minstret = exact guest instruction count (-icount shift=0).
// The machine has no defined core clock; 100 MHz is a nominal figure for latencyUs only.
export const board: BoardDefinition = {
  id: 'qemu-riscv32-virt',
  name: 'QEMU riscv32 virt (RV32IMAC)',
  virtual: true,
  arch: 'riscv',
  core: 'rv32imac',
  clockHz: 100_000_000,
  memory: {
    flash: { origin: 0x8000_0000, size: 4 * 1024 * 1024 },
    ram: { origin: 0x8040_0000, size: 4 * 1024 * 1024 },
  },
  stackBytes: 32 * 1024,
  toolchain: rv32('rv32imac'),
  linkerScript: 'riscv/riscv.ld',
  sources: ['riscv/startup.S', 'riscv/port.c', 'virt/uart.c', 'common/clock-fixed.c'],
  defines: { TR_CLOCK_MODELLED: '' },
  flasher: { tool: 'qemu', args: [] },
  serial: { baud: 115200 },
  usb: [],
  counter: { method: 'minstret', kind: 'instructions' },
  features: { dsp: false, fpu: false },
  qemu: { binary: 'qemu-system-riscv32', machineArgs: ['-M', 'virt', '-bios', 'none', '-m', '128M'] },
  exit: 'semihosting',
};
