import { cortexM4F } from '../toolchains.ts';
import type { BoardDefinition } from '../types.ts';

// ST NUCLEO-F446RE: STM32F446RE (Cortex-M4F, 512 KiB flash, 128 KiB SRAM), on-board
// ST-LINK/V2-1 with the USART2 virtual COM port (PA2/PA3). Cycle counts from DWT CYCCNT.
// Still missing for full speed: the PLL set-up (the firmware runs on the 16 MHz HSI reset
// clock, which clockHz states); flash wait states/ART are then left at reset values.
export const board: BoardDefinition = {
  id: 'nucleo-f446re',
  name: 'ST NUCLEO-F446RE (STM32F446RE, Cortex-M4F)',
  virtual: false,
  arch: 'arm',
  core: 'cortex-m4',
  clockHz: 16_000_000,
  memory: {
    flash: { origin: 0x0800_0000, size: 512 * 1024 },
    ram: { origin: 0x2000_0000, size: 128 * 1024 },
  },
  stackBytes: 8 * 1024,
  toolchain: cortexM4F,
  linkerScript: 'cortex-m/cortex-m.ld',
  sources: ['cortex-m/startup.c', 'cortex-m/port.c', 'stm32f4/uart.c'],
  defines: { TR_COUNTER_DWT: '', TR_STM32_USART: '2', TR_UART_CLOCK_HZ: '16000000u', TR_MARK_GPIO_A: '5' },
  flasher: { tool: 'openocd', args: ['-f', 'board/st_nucleo_f4.cfg'] },
  serial: { baud: 115200 },
  usb: [{ vid: '0483', pid: '374b', what: 'ST-LINK/V2-1 (debugger + virtual COM port)' }],
  counter: { method: 'dwt', kind: 'cycles' },
  features: { dsp: true, fpu: true },
  exit: 'halt',
  power: { currentMaPerMhz: 0.2, volts: 3.3, source: 'approximate STM32F446 run-mode figure (estimate; check the datasheet)' },
  notes: ['runs on the 16 MHz HSI reset clock: PLL set-up to 180 MHz not done yet',
    'alternative flasher: st-flash --reset write {bin} 0x08000000'],
};
