import { qemuRv32imac } from '../qemu-machines.ts';
import type { BoardDefinition } from '../types.ts';

// QEMU's generic riscv32 'virt' machine, no firmware (-bios none): the ELF is loaded into DRAM
// at 0x80000000, split here into 4 MiB for code + weights and 4 MiB for data + arena + stack.
// NS16550A UART0 at 0x10000000. minstret = exact guest instruction count (-icount shift=0).
// The machine has no defined core clock; 100 MHz is a nominal figure for latencyUs only.
export const board: BoardDefinition = {
  id: 'qemu-riscv32-virt',
  name: 'QEMU riscv32 virt (RV32IMAC)',
  ...qemuRv32imac('virt/uart.c'),
  clockHz: 100_000_000,
  memory: {
    flash: { origin: 0x8000_0000, size: 4 * 1024 * 1024 },
    ram: { origin: 0x8040_0000, size: 4 * 1024 * 1024 },
  },
  stackBytes: 32 * 1024,
  qemu: { binary: 'qemu-system-riscv32', machineArgs: ['-M', 'virt', '-bios', 'none', '-m', '128M'] },
};
