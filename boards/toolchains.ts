// Compiler settings shared by board definitions of one core family.
import type { Toolchain } from './types.ts';

const COMMON_CFLAGS = ['-O2', '-g', '-ffunction-sections', '-fdata-sections', '-fno-common', '-Wall'];

/** Cortex-M4F, single-precision FPU, hard-float ABI; newlib-nano. */
export const cortexM4F: Toolchain = {
  prefix: 'arm-none-eabi-',
  cflags: ['-mcpu=cortex-m4', '-mthumb', '-mfpu=fpv4-sp-d16', '-mfloat-abi=hard', ...COMMON_CFLAGS],
  ldflags: ['-nostartfiles', '--specs=nano.specs', '--specs=nosys.specs', '-Wl,--gc-sections'],
  libs: ['-lm'],
  installHint: 'apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi',
};

/** RV32 with the given -march (rv32imac, rv32imc); picolibc; the 2.2 ISA spec keeps the
 * CSR instructions in the base ISA for this gcc. */
export function rv32(march: string): Toolchain {
  return {
    prefix: 'riscv64-unknown-elf-',
    cflags: [`-march=${march}`, '-misa-spec=2.2', '-mabi=ilp32', '-mcmodel=medany', '--specs=picolibc.specs', ...COMMON_CFLAGS],
    ldflags: ['-nostartfiles', '-Wl,--gc-sections'], // picolibc.specs comes with cflags
    libs: ['-lm'],
    installHint: 'apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf',
  };
}

/** Espressif's Xtensa LX6 toolchain (ESP-IDF crosstool-NG build); provisioning installs it on
 * lab machines (provisioning/install.sh), it is not a Debian package. */
export const xtensaEsp32: Toolchain = {
  prefix: 'xtensa-esp32-elf-',
  cflags: ['-mlongcalls', '-mtext-section-literals', ...COMMON_CFLAGS],
  ldflags: ['-nostartfiles', '-Wl,--gc-sections'],
  libs: ['-lm', '-lc', '-lgcc'],
  installHint: 'xtensa-esp32-elf-gcc from Espressif crosstool-NG (provisioning/install.sh on lab machines)',
};

/** The machine's own gcc: the "host" board runs the firmware as a process. */
export const hostGcc: Toolchain = {
  prefix: '',
  cflags: [...COMMON_CFLAGS],
  // Bind symbols at load: lazy binding runs the resolver (kilobytes of saved vector state) on
  // the harness stack during a timed inference and would inflate the stack figure.
  ldflags: ['-Wl,-z,now'],
  libs: ['-lm'],
  installHint: 'apt-get install gcc',
};
