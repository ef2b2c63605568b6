import { qemuCortexM4F } from '../qemu-machines.ts';
import type { BoardDefinition } from '../types.ts';

// ARM MPS2 with the AN386 FPGA image (Cortex-M4) as QEMU models it: 4 MiB code SSRAM at 0,
// 4 MiB data SSRAM at 0x20000000, CMSDK UART0 at 0x40004000, 25 MHz system clock. QEMU has no
// DWT: SysTick on the processor clock counts one tick per 40 guest instructions
// (-icount shift=0: 1 instruction = 1 ns), so counts are instructions, resolution 40.
export const board: BoardDefinition = {
  id: 'qemu-mps2-an386',
  name: 'QEMU mps2-an386 (Cortex-M4)',
  ...qemuCortexM4F('mps2/uart.c'),
  clockHz: 25_000_000,
  memory: {
    flash: { origin: 0x0000_0000, size: 4 * 1024 * 1024 },
    ram: { origin: 0x2000_0000, size: 4 * 1024 * 1024 },
  },
  stackBytes: 32 * 1024,
  defines: { TR_CLOCK_MODELLED: '', TR_COUNTER_SYSTICK: '', TR_COUNT_NUM: '40u', TR_COUNT_DEN: '1u' },
  counter: { method: 'systick-instructions', kind: 'instructions' },
  qemu: { binary: 'qemu-system-arm', machineArgs: ['-M', 'mps2-an386'] },
  power: { currentMaPerMhz: 0.238, volts: 3.3, source: 'STM32F405 datasheet run-mode figure, as a stand-in for a generic Cortex-M4 (estimate)' },
};
