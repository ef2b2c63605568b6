import { esp32Clock, esp32ClockDefines } from '../esp32/clock-esp32.ts';
import { xtensaEsp32 } from '../toolchains.ts';
import type { BoardDefinition } from '../types.ts';

// Espressif ESP32-DevKitC: ESP32 (dual Xtensa LX6, 520 KiB SRAM), console on UART0 through a
// CP2102 bridge. Built with Espressif's xtensa-esp32-elf-gcc (installed by provisioning on lab
// machines). A RAM image loaded with `esptool.py load_ram`: code in IRAM (0x40080000, 128 KiB),
// data/arena/stack in DRAM (0x3FFB0000, 176 KiB, below the ROM's reserved top). CCOUNT cycles.
// Clock: 240 MHz from the 480 MHz BBPLL (esp32/clock-esp32.{ts,c}), measured as CCOUNT cycles
// over a window the RTC calibration unit counts in crystal cycles.
// Still missing: flash-resident image (boot loader + cache MMU) for weights beyond SRAM, a
// power-mark GPIO; untested on silicon.
export const board: BoardDefinition = {
  id: 'esp32-devkitc',
  name: 'Espressif ESP32-DevKitC (Xtensa LX6)',
  virtual: false,
  arch: 'xtensa',
  core: 'xtensa-lx6',
  clockHz: esp32Clock.cpuHz,
  memory: {
    flash: { origin: 0x4008_0000, size: 128 * 1024 },
    ram: { origin: 0x3ffb_0000, size: 176 * 1024 },
  },
  stackBytes: 8 * 1024,
  toolchain: xtensaEsp32,
  linkerScript: 'esp32/esp32.ld',
  sources: ['esp32/startup.c', 'esp32/port.c', 'esp32/uart.c', 'esp32/clock-esp32.c'],
  defines: { ...esp32ClockDefines() },
  flasher: { tool: 'esptool', args: ['--chip', 'esp32', 'load_ram'] },
  serial: { baud: 115200 },
  usb: [{ vid: '10c4', pid: 'ea60', what: 'CP210x USB-UART bridge (console, esptool)' }],
  counter: { method: 'ccount', kind: 'cycles' },
  features: { dsp: false, fpu: true },
  exit: 'halt',
  power: { currentMaPerMhz: 0.2, volts: 3.3, source: 'approximate ESP32 datasheet active-mode figure (estimate)' },
  notes: ['RAM image via esptool load_ram; weights must fit in SRAM',
    'clock set-up written from the TRM and checked on a register model only: verify on a DevKitC'],
};
