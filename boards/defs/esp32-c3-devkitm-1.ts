import { esp32c3ClockDefines, esp32c3ClockHz } from '../esp32c3/clock-esp32c3.ts';
import { rv32 } from '../toolchains.ts';
import type { BoardDefinition } from '../types.ts';

// Espressif ESP32-C3-DevKitM-1: ESP32-C3 (RV32IMC, 400 KiB SRAM, 4 MiB flash), console on
// UART0 through the CP2102N bridge; the chip's own USB-Serial-JTAG is 303a:1001.
// A minimal bare-metal RAM image built with riscv64-unknown-elf-gcc (rv32imc, using the rv32im
// libraries), loaded with `esptool.py load_ram` (after `esptool.py elf2image`): code in IRAM
// at 0x40380000 (the "flash" region here), data/arena/stack in DRAM from 0x3FCA0000 (the same
// SRAM seen on the data bus, offset past the code window). Cycle counter: the vendor counter
// mpccr (CSR 0x7e2, 32 bits), not the standard mcycle. Clock: 160 MHz from the 480 MHz BBPLL
// (esp32c3/clock-esp32c3.{ts,c}), measured as mpccr cycles over systimer ticks.
// Still missing: weights in flash through the MMU/cache (weights must fit in SRAM for now),
// the second-stage boot loader for a flash-resident image, checking that .rodata in IRAM is readable for byte loads (may need moving to DRAM).
export const board: BoardDefinition = {
  id: 'esp32-c3-devkitm-1',
  name: 'Espressif ESP32-C3-DevKitM-1 (RV32IMC)',
  virtual: false,
  arch: 'riscv',
  core: 'rv32imc',
  clockHz: esp32c3ClockHz,
  memory: {
    flash: { origin: 0x4038_0000, size: 128 * 1024 },
    ram: { origin: 0x3fca_0000, size: 192 * 1024 },
  },
  stackBytes: 8 * 1024,
  toolchain: rv32('rv32imc'),
  linkerScript: 'riscv/riscv.ld',
  sources: ['riscv/startup.S', 'riscv/port.c', 'esp32c3/uart.c', 'esp32c3/clock-esp32c3.c'],
  defines: { TR_COUNTER_CSR_32: '0x7e2', ...esp32c3ClockDefines() },
  flasher: { tool: 'esptool', args: ['--chip', 'esp32c3', 'load_ram'] },
  serial: { baud: 115200 },
  usb: [
    { vid: '10c4', pid: 'ea60', what: 'CP210x USB-UART bridge (console, esptool)' },
    { vid: '303a', pid: '1001', what: 'ESP32-C3 USB-Serial-JTAG' },
  ],
  counter: { method: 'mcycle', kind: 'cycles' },
  features: { dsp: false, fpu: false },
  exit: 'halt',
  power: { currentMaPerMhz: 0.15, volts: 3.3, source: 'approximate ESP32-C3 datasheet active-mode figure (estimate)' },
  notes: ['RAM image via esptool load_ram; weights must fit in SRAM (no flash MMU mapping yet)',
    'mpccr is 32 bits: an inference longer than 2^32 cycles (26.8 s at 160 MHz) wraps'],
};
