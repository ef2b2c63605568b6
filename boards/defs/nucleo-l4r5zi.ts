import { l4r5ClockDefines, l4r5ClockHz } from '../stm32l4/clock-l4r5.ts';
import { cortexM4F } from '../toolchains.ts';
import type { BoardDefinition } from '../types.ts';

// ST NUCLEO-L4R5ZI: STM32L4R5ZI (Cortex-M4F, 2 MiB flash, 640 KiB contiguous SRAM1-3 at
// 0x20000000), on-board ST-LINK/V2-1. On this Nucleo-144 the virtual COM port is LPUART1 on
// PG7/PG8 (not USART2 as on the Nucleo-64 boards). Cycle counts from DWT CYCCNT.
// Clock: 120 MHz from the PLL in range 1 boost, 5 wait states, ICache/DCache + prefetch
// (stm32l4/clock-l4r5.{ts,c}); measured against the LSE crystal.
export const board: BoardDefinition = {
  id: 'nucleo-l4r5zi',
  name: 'ST NUCLEO-L4R5ZI (STM32L4R5ZI, Cortex-M4F)',
  virtual: false,
  arch: 'arm',
  core: 'cortex-m4',
  clockHz: l4r5ClockHz,
  memory: {
    flash: { origin: 0x0800_0000, size: 2 * 1024 * 1024 },
    ram: { origin: 0x2000_0000, size: 640 * 1024 },
  },
  stackBytes: 16 * 1024,
  toolchain: cortexM4F,
  linkerScript: 'cortex-m/cortex-m.ld',
  sources: ['cortex-m/startup.c', 'cortex-m/port.c', 'stm32l4/uart.c', 'stm32l4/clock-l4r5.c'],
  defines: { TR_COUNTER_DWT: '', ...l4r5ClockDefines() },
  flasher: { tool: 'openocd', args: ['-f', 'interface/stlink.cfg', '-f', 'target/stm32l4x.cfg'] },
  serial: { baud: 115200 },
  usb: [
    { vid: '0483', pid: '374b', what: 'ST-LINK/V2-1 (debugger + virtual COM port)' },
    { vid: '0483', pid: '374e', what: 'STLINK-V3 (later board revisions)' },
  ],
  counter: { method: 'dwt', kind: 'cycles' },
  features: { dsp: true, fpu: true },
  exit: 'halt',
  power: { currentMaPerMhz: 0.11, volts: 3.3, source: 'STM32L4R5 product summary, run mode (estimate)' },
  notes: ['first boot after power-up waits up to 3 s for the LSE crystal (the clock measurement\'s time base)',
    'alternative flasher: st-flash --reset write {bin} 0x08000000'],
};
