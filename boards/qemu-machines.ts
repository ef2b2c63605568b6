// What the QEMU boards of one core family have in common, written once for their definitions in
// defs/. Every QEMU board: QEMU itself loads the ELF (no flashing tool), the UART is a
// pseudo-terminal (115200 by convention, nothing to match), no USB identity, the exit code comes
// back through semihosting, and the core clock is the machine's nominal figure, not measured
// (TR_CLOCK_MODELLED; common/clock-fixed.c). Each family adds its core, compiler, linker script,
// startup and port sources; a board adds its memory map, clock, UART and counter.
import { cortexM4F, rv32 } from './toolchains.ts';
import type { BoardDefinition } from './types.ts';

type QemuCommon = Pick<BoardDefinition, 'virtual' | 'arch' | 'core' | 'toolchain' | 'linkerScript' | 'flasher' | 'serial' | 'usb' | 'features' | 'exit'>;

function qemuBoard(): Pick<BoardDefinition, 'virtual' | 'flasher' | 'serial' | 'usb' | 'exit'> {
  return { virtual: true, flasher: { tool: 'qemu', args: [] }, serial: { baud: 115200 }, usb: [], exit: 'semihosting' };
}

/** A Cortex-M4F QEMU machine; `uart` is the board's UART source (e.g. 'mps2/uart.c'). */
export function qemuCortexM4F(uart: string): QemuCommon & Pick<BoardDefinition, 'sources'> {
  return {
    ...qemuBoard(), arch: 'arm', core: 'cortex-m4', toolchain: cortexM4F, linkerScript: 'cortex-m/cortex-m.ld',
    sources: ['cortex-m/startup.c', 'cortex-m/port.c', uart, 'common/clock-fixed.c'],
    features: { dsp: true, fpu: true },
  };
}

/** An RV32IMAC QEMU machine (no FPU, no DSP): minstret is the exact guest instruction count with
 * -icount shift=0. `uart` is the board's UART source (e.g. 'virt/uart.c'). */
export function qemuRv32imac(uart: string): QemuCommon & Pick<BoardDefinition, 'sources' | 'counter' | 'defines'> {
  return {
    ...qemuBoard(), arch: 'riscv', core: 'rv32imac', toolchain: rv32('rv32imac'), linkerScript: 'riscv/riscv.ld',
    sources: ['riscv/startup.S', 'riscv/port.c', uart, 'common/clock-fixed.c'],
    defines: { TR_CLOCK_MODELLED: '' },
    counter: { method: 'minstret', kind: 'instructions' },
    features: { dsp: false, fpu: false },
  };
}
