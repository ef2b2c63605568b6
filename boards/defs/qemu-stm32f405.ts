import { qemuCortexM4F } from '../qemu-machines.ts';
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
  ...qemuCortexM4F('stm32f4/uart.c'),
  clockHz: 168_000_000,
  memory: {
    flash: { origin: 0x0800_0000, size: 1024 * 1024 },
    ram: { origin: 0x2000_0000, size: 128 * 1024 },
    extraRam: { name: 'CCM', origin: 0x1000_0000, size: 64 * 1024 },
  },
  stackBytes: 8 * 1024,
  defines: {
    TR_CLOCK_MODELLED: '', TR_COUNTER_STM32_TIM2: '',
    TR_STM32_USART: '1', TR_UART_CLOCK_HZ: '84000000u',
  },
  counter: { method: 'timer-instructions', kind: 'instructions' },
  qemu: { binary: 'qemu-system-arm', machineArgs: ['-M', 'netduinoplus2'] },
  power: { currentMaPerMhz: 0.238, volts: 3.3, source: 'STM32F405 datasheet, run mode from flash (estimate)' },
};
