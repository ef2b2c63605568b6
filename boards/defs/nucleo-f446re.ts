import { f446ClockDefines, f446ClockHz } from '../stm32f4/clock-f446.ts';
import { cortexM4F } from '../toolchains.ts';
import type { BoardDefinition } from '../types.ts';

// ST NUCLEO-F446RE: STM32F446RE (Cortex-M4F, 512 KiB flash, 128 KiB SRAM), on-board
// ST-LINK/V2-1 with the USART2 virtual COM port (PA2/PA3). Cycle counts from DWT CYCCNT.
// Clock: 180 MHz from the PLL (ST-LINK 8 MHz MCO as HSE bypass, else HSI), over-drive, 5 wait
// states, ART prefetch + caches (stm32f4/clock-f446.{ts,c}); measured against the LSE crystal.
export const board: BoardDefinition = {
  id: 'nucleo-f446re',
  name: 'ST NUCLEO-F446RE (STM32F446RE, Cortex-M4F)',
  virtual: false,
  arch: 'arm',
  core: 'cortex-m4',
  clockHz: f446ClockHz,
  memory: {
    flash: { origin: 0x0800_0000, size: 512 * 1024 },
    ram: { origin: 0x2000_0000, size: 128 * 1024 },
  },
  stackBytes: 8 * 1024,
  toolchain: cortexM4F,
  linkerScript: 'cortex-m/cortex-m.ld',
  sources: ['cortex-m/startup.c', 'cortex-m/port.c', 'stm32f4/uart.c', 'stm32f4/clock-f446.c'],
  defines: { TR_COUNTER_DWT: '', TR_STM32_USART: '2', TR_MARK_GPIO_A: '5', ...f446ClockDefines() },
  flasher: { tool: 'openocd', args: ['-f', 'board/st_nucleo_f4.cfg'] },
  serial: { baud: 115200 },
  usb: [{ vid: '0483', pid: '374b', what: 'ST-LINK/V2-1 (debugger + virtual COM port)' }],
  counter: { method: 'dwt', kind: 'cycles' },
  features: { dsp: true, fpu: true },
  exit: 'halt',
  power: { currentMaPerMhz: 0.2, volts: 3.3, source: 'approximate STM32F446 run-mode figure (estimate; check the datasheet)' },
  notes: ['first boot after power-up waits up to 3 s for the LSE crystal (the clock measurement\'s time base)',
    'alternative flasher: st-flash --reset write {bin} 0x08000000'],
};
