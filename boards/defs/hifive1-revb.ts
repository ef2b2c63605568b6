import { fe310ClockDefines, fe310ClockHz } from '../sifive/clock-fe310.ts';
import { rv32 } from '../toolchains.ts';
import type { BoardDefinition } from '../types.ts';

// SiFive HiFive1 Rev B: FE310-G002 (RV32IMAC, 16 KiB DTIM at 0x80000000, 4 MiB QSPI flash),
// on-board Segger J-Link OB (debugger + UART0 virtual COM port). The boot loader in the first
// 64 KiB of flash jumps to 0x20010000, where this image goes. Cycle counts from mcycle.
// Clock: 320 MHz from the PLL on the 16 MHz crystal (sifive/clock-fe310.{ts,c}), measured as
// mcycle over mtime (the 32.768 kHz always-on clock).
export const board: BoardDefinition = {
  id: 'hifive1-revb',
  name: 'SiFive HiFive1 Rev B (FE310-G002)',
  virtual: false,
  arch: 'riscv',
  core: 'rv32imac',
  clockHz: fe310ClockHz,
  memory: {
    flash: { origin: 0x2001_0000, size: 4 * 1024 * 1024 - 64 * 1024 },
    ram: { origin: 0x8000_0000, size: 16 * 1024 },
  },
  stackBytes: 2 * 1024,
  toolchain: rv32('rv32imac'),
  linkerScript: 'riscv/riscv.ld',
  sources: ['riscv/startup.S', 'riscv/port.c', 'sifive/uart.c', 'sifive/clock-fe310.c'],
  defines: { TR_COUNTER_MCYCLE: '', TR_MARK_GPIO: '19', ...fe310ClockDefines() },
  flasher: { tool: 'jlink', args: ['-device', 'FE310', '-if', 'JTAG', '-jtagconf', '-1,-1'] },
  serial: { baud: 115200 },
  usb: [{ vid: '1366', pid: '0105', what: 'SEGGER J-Link OB (debugger + virtual COM port)' }],
  counter: { method: 'mcycle', kind: 'cycles' },
  features: { dsp: false, fpu: false },
  exit: 'halt',
  notes: ['alternative flasher: openocd -f board/sifive-hifive1-revb.cfg -c "program {elf} verify reset exit"'],
};
