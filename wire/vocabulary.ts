// The lab's vocabulary: every list of names that a build, a job, a suite, a CLI flag or an
// InfluxDB tag may carry, and the rules between them. This is the one place each list is
// written; tiling, build, codegen, wire validators, daemon config, dashboards and the CLI import
// it (a new backend or tiling mode is added here and nowhere else).
//
// Only names live here, no behaviour: the compiler core imports this file without reaching into
// the lab, and the lab without reaching into the compiler.

/** Code generators a build can use (each one is a module registered under this name). */
export const BACKENDS = ['aot', 'tflm', 'tflm-cmsis-nn'] as const;
export type Backend = (typeof BACKENDS)[number];
export const DEFAULT_BACKEND: Backend = 'aot';

/** Backends that run TFLite-Micro's interpreter (C++, a TFLite-Micro source tree). */
export const TFLM_BACKENDS: readonly Backend[] = ['tflm', 'tflm-cmsis-nn'];
export function isTflmBackend(b: string): boolean {
  return (TFLM_BACKENDS as readonly string[]).includes(b);
}

/** Graph rewrites before planning: none, Fused Depthwise Tiling, Fused Feature-Map Tiling, or
 * automatic path discovery over both. */
export const TILING_MODES = ['none', 'fdt', 'ffmt', 'auto'] as const;
export type TilingMode = (typeof TILING_MODES)[number];

/** The int8 arithmetic compiled into firmware: 'reference' = TFLite's fixed-point kernels (what
 * TFLite-Micro computes), 'xnnpack' = float32 requantization as TFLite's XNNPACK delegate does
 * (the golden files). Optional on the wire: absent means 'reference'. */
export const ARITHMETICS = ['reference', 'xnnpack'] as const;
export type Arithmetic = (typeof ARITHMETICS)[number];
export const DEFAULT_ARITHMETIC: Arithmetic = 'reference';

/** The arithmetic a payload means: its own, or the default when it predates the field. */
export function arithmeticOf(p: { arithmetic?: Arithmetic }): Arithmetic {
  return p.arithmetic ?? DEFAULT_ARITHMETIC;
}

/** TFLite-Micro builds (reference or CMSIS-NN kernels) compute TFLite-Micro's fixed-point
 * arithmetic only; the AoT backend can compile either. Every place that accepts a backend and an
 * arithmetic asks this (absent arithmetic = the default, always allowed). */
export function arithmeticFitsBackend(backend: string, arithmetic: string | undefined): boolean {
  return !(isTflmBackend(backend) && arithmetic !== undefined && arithmetic !== 'reference');
}
/** Why a refused pair is refused, for error messages: "<backend> computes ... only". */
export function tflmArithmeticNote(backend: string): string {
  return `${backend} computes TFLite-Micro's fixed-point reference arithmetic only`;
}

/** What a performance count counts: guest instructions on QEMU (-icount), cycles on silicon,
 * wall-clock nanoseconds on the host board; 'us-lap': microseconds between a firmware's own
 * MLPerf Tiny m-lap-us stamps (bring-your-own firmware: never comparable with the others). */
export const COUNTERS = ['cycles', 'instructions', 'ns', 'us-lap'] as const;
export type Counter = (typeof COUNTERS)[number];
/** The counters tinyrack's own firmware reports (TR1 BOOT, MLPerf Tiny m-tr-count): all but a
 * bring-your-own firmware's 'us-lap' stamps. */
export const FIRMWARE_COUNTERS = COUNTERS.filter((c): c is Exclude<Counter, 'us-lap'> => c !== 'us-lap');
export type FirmwareCounter = (typeof FIRMWARE_COUNTERS)[number];
export function isFirmwareCounter(s: string): s is FirmwareCounter {
  return (FIRMWARE_COUNTERS as readonly string[]).includes(s);
}

/** Where a run's core clock figure (BOOT hz) comes from: measured by the firmware against an
 * independent time base (a 32.768 kHz crystal), configured (set up and read back, no time base
 * to measure against), or modelled (QEMU: the machine's nominal clock; latency derived from
 * instruction counts is an estimate). */
export const CLOCK_SOURCES = ['measured', 'configured', 'modelled'] as const;
export type ClockSource = (typeof CLOCK_SOURCES)[number];

/** How the host talks to the firmware: tinyrack's own TR1 report, or the MLPerf Tiny (EEMBC)
 * test-harness protocol. */
export const PROTOCOLS = ['tr1', 'mlperf-tiny'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const DEFAULT_PROTOCOL: Protocol = 'tr1';

/** Whose firmware a result measured: tinyrack's own build, or a ready image someone uploaded
 * ("bring your own firmware"). Results of the two are kept apart (regression baselines, the
 * InfluxDB `source` tag). */
export const RESULT_SOURCES = ['tinyrack', 'byo'] as const;
export type ResultSource = (typeof RESULT_SOURCES)[number];

/** What the AoT kernel selection optimizes for: 'speed' lays weights out for the fastest
 * kernels (pre-widened int16 pairs on DSP cores: up to twice the weight ROM), 'size' keeps
 * int8 weights as the model has them. */
export const OPTIMIZE_GOALS = ['speed', 'size'] as const;
export type OptimizeGoal = (typeof OPTIMIZE_GOALS)[number];
export const DEFAULT_OPTIMIZE: OptimizeGoal = 'speed';
