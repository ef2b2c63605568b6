import { cortexM4F } from '../toolchains.ts';
import type { BoardDefinition } from '../types.ts';

// STM32F405 as QEMU's netduinoplus2 machine: 1 MiB flash at 0x08000000 (aliased at 0), 128 KiB
// SRAM at 0x20000000 (+64 KiB CCM at 0x10000000, not used by the build), 168 MHz SYSCLK.
// QEMU's first serial port is USART1. QEMU has no DWT; SysTick runs on the 168 MHz processor
// clock (one tick per 125/21 guest instructions), but QEMU clocks the STM32F4 timers at 1 GHz,
// so TIM2 (32-bit, extended to 64 bits in software) counts exactly one tick per guest
// instruction with -icount shift=0: exact instruction counts (measured: a 6-instruction loop
// of 1000 iterations reads 6007).
export const board: BoardDefinition = {
  id: 'qemu-stm32f405',
  name: 'QEMU netduinoplus2 (STM32F405, Cortex-M4F)',
  virtual: true,
  arch: 'arm',
  core: 'cortex-m4',
  clockHz: 168_000_000,
  memory: {
    flash: { origin: 0x0800_0000, size: 1024 * 1024 },
    ram: { origin: 0x2000_0000, size: 128 * 1024 },
    extraRam: { name: 'CCM', origin: 0x1000_0000, size: 64 * 1024 },
  },
  stackBytes: 8 * 1024,
  toolchain: cortexM4F,
  linkerScript: 'cortex-m/cortex-m.ld',
  sources: ['cortex-m/startup.c', 'cortex-m/port.c', 'stm32f4/uart.c', 'common/clock-fixed.c'],
  defines: {
    TR_CLOCK_MODELLED: '', TR_COUNTER_STM32_TIM2: '',
    TR_STM32_USART: '1', TR_UART_CLOCK_HZ: '84000000u',
  },
  flasher: { tool: 'qemu', args: [] },
  serial: { baud: 115200 },
  usb: [],
  counter: { method: 'timer-instructions', kind: 'instructions' },
  features: { dsp: true, fpu: true },
  qemu: { binary: 'qemu-system-arm', machineArgs: ['-M', 'netduinoplus2'] },
  exit: 'semihosting',
  power: { currentMaPerMhz: 0.238, volts: 3.3, source: 'STM32F405 datasheet, run mode from flash (estimate)' },
};
