import { qemuRv32imac } from '../qemu-machines.ts';
import type { BoardDefinition } from '../types.ts';

// SiFive FE310-like RV32IMAC as QEMU's sifive_e machine: the reset vector jumps to SPI flash
// (XIP) at 0x20400000; only 16 KiB DTIM RAM at 0x80000000 — the board where "does it fit?"
// is a real question. UART0 at 0x10013000. With -icount shift=0 minstret is the exact guest
// instruction count. clockHz is the FE310-G002's rated 320 MHz (latency = instructions /
// clock, i.e. assumes one instruction per cycle).
export const board: BoardDefinition = {
  id: 'qemu-sifive-e',
  name: 'QEMU sifive_e (FE310-like RV32IMAC, 16 KiB RAM)',
  ...qemuRv32imac('sifive/uart.c'),
  clockHz: 320_000_000,
  memory: {
    flash: { origin: 0x2040_0000, size: 4 * 1024 * 1024 },
    ram: { origin: 0x8000_0000, size: 16 * 1024 },
  },
  stackBytes: 2 * 1024,
  qemu: { binary: 'qemu-system-riscv32', machineArgs: ['-M', 'sifive_e'] },
};
