// USB ids of the debug probes and USB-serial bridges boards show up as. A device with one of
// these ids that no rack entry claims is reported as "unknown" (plugged in but not configured).
export interface ProbeType { vid: number; pid: number; name: string; kind: 'debug-probe' | 'usb-serial' | 'bootloader' | 'power-probe' }

export const KNOWN_PROBES: ProbeType[] = [
  { vid: 0x0483, pid: 0x3748, name: 'ST-Link V2', kind: 'debug-probe' },
  { vid: 0x0483, pid: 0x374b, name: 'ST-Link V2-1', kind: 'debug-probe' },
  { vid: 0x0483, pid: 0x374e, name: 'ST-Link V3', kind: 'debug-probe' },
  { vid: 0x0483, pid: 0x374f, name: 'ST-Link V3', kind: 'debug-probe' },
  { vid: 0x0483, pid: 0x3753, name: 'ST-Link V3 (dual VCP)', kind: 'debug-probe' },
  { vid: 0x0483, pid: 0xdf11, name: 'STM32 DFU bootloader', kind: 'bootloader' },
  { vid: 0x303a, pid: 0x1001, name: 'Espressif USB-JTAG/serial', kind: 'debug-probe' },
  { vid: 0x10c4, pid: 0xea60, name: 'Silicon Labs CP210x', kind: 'usb-serial' },
  { vid: 0x1a86, pid: 0x7523, name: 'WCH CH340', kind: 'usb-serial' },
  { vid: 0x1a86, pid: 0x55d4, name: 'WCH CH9102', kind: 'usb-serial' },
  { vid: 0x0403, pid: 0x6001, name: 'FTDI FT232R', kind: 'usb-serial' },
  { vid: 0x0403, pid: 0x6010, name: 'FTDI FT2232', kind: 'usb-serial' },
  { vid: 0x0403, pid: 0x6014, name: 'FTDI FT232H', kind: 'usb-serial' },
  { vid: 0x0403, pid: 0x6015, name: 'FTDI FT-X', kind: 'usb-serial' },
  { vid: 0x1366, pid: 0x0101, name: 'SEGGER J-Link', kind: 'debug-probe' },
  { vid: 0x1366, pid: 0x0105, name: 'SEGGER J-Link', kind: 'debug-probe' },
  { vid: 0x1366, pid: 0x1015, name: 'SEGGER J-Link OB', kind: 'debug-probe' },
  { vid: 0x1366, pid: 0x1051, name: 'SEGGER J-Link OB', kind: 'debug-probe' },
  { vid: 0x0d28, pid: 0x0204, name: 'Arm CMSIS-DAP (DAPLink)', kind: 'debug-probe' },
  { vid: 0x1915, pid: 0xc00a, name: 'Nordic PPK2', kind: 'power-probe' },
];

export function probeType(vid: number, pid: number): ProbeType | undefined {
  return KNOWN_PROBES.find((p) => p.vid === vid && p.pid === pid);
}

export const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
