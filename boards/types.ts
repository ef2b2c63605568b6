// A board definition: everything tinyrack needs to build for, flash, and read a board. One
// file per board in boards/defs/ (a new board is a new file; boards/index.ts loads them all).
// Source paths (linker script, startup, port, uart) are relative to boards/.

export type Arch = 'arm' | 'riscv' | 'xtensa' | 'host';
/** 'timer-instructions': a QEMU device timer clocked at 1 GHz = 1 tick per instruction (-icount shift=0). */
export type CounterMethod = 'dwt' | 'mcycle' | 'systick-instructions' | 'timer-instructions' | 'minstret' | 'ccount' | 'host-clock';
/** What the reported count means: core cycles on silicon, guest instructions on QEMU,
 * nanoseconds of wall clock on the host. */
import type { Counter as CounterKind } from '../wire/vocabulary.ts';
export type { CounterKind };

export interface MemoryRegion {
  origin: number;
  /** Bytes. */
  size: number;
}

export interface Toolchain {
  /** Prefix of gcc/size/objcopy, e.g. "arm-none-eabi-"; "" for the host compiler. */
  prefix: string;
  /** Flags for compiling every C file (CPU, FPU, ABI, optimisation). */
  cflags: string[];
  /** Flags for linking (specs, -nostartfiles, ...). The linker script is added by the build. */
  ldflags: string[];
  /** Libraries, in link order. */
  libs: string[];
  /** Where the toolchain comes from when it is missing (shown in the error). */
  installHint: string;
}

/** How this board is flashed: `tool` names a flasher driver (agents/drivers/flashers/<tool>.ts,
 * which builds the tool's command line, verifies and resets); the rest are this board's settings
 * that driver reads. */
export interface FlasherSettings {
  tool: string;
  /** The board's own arguments for the tool — the scripts, device or chip it needs (OpenOCD
   * `-f` scripts, J-Link `-device`/`-if`/`-jtagconf`, esptool `--chip`). The driver adds the
   * probe's serial number, the image, verification and reset. */
  args: string[];
  /** Where a raw image goes (st-flash, dfu-util, J-Link verify, esptool); default: the
   * driver's (the flash region's origin; 0 for esptool, an offset in the SPI flash). */
  flashAddress?: number;
}

export interface UsbId {
  vid: string;
  pid: string;
  what: string;
}

export interface QemuMachine {
  binary: 'qemu-system-arm' | 'qemu-system-riscv32';
  /** Machine arguments, e.g. ["-M", "mps2-an386"]. */
  machineArgs: string[];
}

export interface BoardDefinition {
  id: string;
  name: string;
  /** True for QEMU machines and the host: runnable on this machine without hardware. */
  virtual: boolean;
  arch: Arch;
  core: string;
  /** Core clock the firmware runs at, Hz (latency = count / clockHz). */
  clockHz: number;
  memory: {
    flash: MemoryRegion;
    ram: MemoryRegion;
    /** Extra RAM not used by the build yet (e.g. STM32F405 CCM, not DMA-able). */
    extraRam?: MemoryRegion & { name: string };
  };
  /** Stack reserved at the top of RAM (part of RAM use; the fit check counts it). */
  stackBytes: number;
  toolchain: Toolchain;
  /** Linker script, relative to boards/ (includes the generated tr_memory.ld). */
  linkerScript: string;
  /** Startup, port and UART sources, relative to boards/. */
  sources: string[];
  /** Preprocessor defines for the board sources and the harness (name -> value, '' = flag). */
  defines: Record<string, string>;
  flasher: FlasherSettings;
  serial: { baud: number };
  usb: UsbId[];
  counter: { method: CounterMethod; kind: CounterKind };
  features: { dsp: boolean; fpu: boolean };
  qemu?: QemuMachine;
  /** How the firmware ends: semihosting exit (QEMU), process exit (host) or park (silicon). */
  exit: 'semihosting' | 'process' | 'halt';
  /** Datasheet run current per MHz (mA/MHz) and supply volts, for estimated energy. */
  power?: { currentMaPerMhz: number; volts: number; source: string };
  /** What is still missing before this board runs on real hardware (shown by `build`). */
  notes?: string[];
}

/** Estimated code size of the harness + kernels + libc (bytes), for the fit check. */
export const ESTIMATED_CODE_BYTES = 24 * 1024;
/** Estimated RAM of the harness and kernels besides arena and stack (.data/.bss), bytes. */
export const ESTIMATED_STATIC_RAM_BYTES = 256;
