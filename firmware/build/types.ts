// The build pipeline's request and result shapes.
import type { Arithmetic as AotArithmetic, Backend as BackendName, OptimizeGoal, Protocol, TilingMode } from '../../wire/vocabulary.ts';
import type { SectionSize } from './elf-sizes.ts';
import type { FitFigures } from './fit.ts';
import type { ExpectedOutput, ReferenceKind } from './golden.ts';
import type { OpInfo } from '../ir/op-table.ts';
import type { OutputQuant } from './mlperf-meta.ts';
import type { TimestampMode } from '../../wire/mlperf-tiny.ts';

/** A model given as ready C sources (tests, external generators): skips reader/tiling/codegen. */
export interface PreparedModel {
  name: string;
  /** Relative path -> contents (a tr_model.h implementation). */
  files: Record<string, string>;
  arenaBytes: number;
  /** Constant bytes the model keeps in flash (for the fit check). */
  weightsBytes: number;
  inputs: Uint8Array[];
  expectedOutputs: ExpectedOutput[];
  /** Extra C sources (absolute paths, e.g. the kernel library), include dirs and flags. */
  sources?: string[];
  includeDirs?: string[];
  cFlags?: string[];
}

export interface BuildSpec {
  /** Model-set name or path to a .tflite (or `prepared`). */
  model?: string;
  prepared?: PreparedModel;
  board: string;
  backend?: BackendName;
  tiling?: TilingMode;
  /** Timed inferences (default 3) and untimed warm-up runs before them (default 1). */
  reps?: number;
  warmup?: number;
  /** Golden sample index compiled in (default 0). */
  sample?: number;
  /** AoT int8 arithmetic (default 'reference'); 'xnnpack' is refused for tflm. */
  arithmetic?: AotArithmetic;
  /** Per-op profile compiled in (firmware/runtime/include/tr_profile.h); default off. */
  profile?: boolean;
  /** How the host talks to the firmware (default 'tr1': run once and report; 'mlperf-tiny':
   * wait for the MLPerf Tiny test-harness commands, inputs from the host). */
  protocol?: Protocol;
  /** mlperf-tiny only: 'performance' (default, m-lap-us) or 'energy' (timestamp-pin pulses). */
  timestampMode?: TimestampMode;
  /** AoT kernel selection (default 'speed': weights laid out for the fastest kernels). */
  optimize?: OptimizeGoal;
}

export interface BuildResult {
  elfPath: string;
  /** Content hash of what was compiled (first 16 hex digits); also the firmware id in its BOOT record. */
  firmwareHash: string;
  romBytes: number;
  ramBytes: number;
  sections: SectionSize[];
  arenaBytes: number;
  /** The memory plan's peak (the generator rounds the arena up to its alignment). */
  plannedArenaBytes: number;
  expectedOutputs: ExpectedOutput[];
  /** What the expected outputs are: 'interpreter:<arithmetic>' = firmware/interp in the
   * arithmetic the firmware implements; 'given': a PreparedModel's own. */
  reference: ReferenceKind;
  /** The int8 arithmetic compiled in ('reference' for tflm, which has only TFLite-Micro's). */
  arithmetic: AotArithmetic;
  /** True when the build came from the cache. */
  cached: boolean;
  board: string;
  model: string;
  backend: BackendName;
  tiling: TilingMode;
  reps: number;
  warmup: number;
  /** Multiply-accumulates per inference of the graph that was compiled (after tiling). */
  macs?: number;
  /** Static fit figures checked before building. */
  fit: FitFigures;
  buildDir: string;
  /** Profiled builds: every op of the compiled graph (kind, shapes, MACs) to join with the
   * firmware's per-op counts. */
  ops?: OpInfo[];
  /** The harness protocol compiled in (absent in cache entries from before the field = 'tr1'). */
  protocol?: Protocol;
  /** mlperf-tiny energy-mode builds only (absent = performance). */
  timestampMode?: TimestampMode;
}

/** Everything compiled for one build, before compiling. */
export interface ModelStage {
  name: string;
  files: Record<string, string>;
  arenaBytes: number;
  plannedArenaBytes: number;
  inputs: Uint8Array[];
  expectedOutputs: ExpectedOutput[];
  reference: ReferenceKind;
  extraSources: string[];
  includeDirs: string[];
  /** Flags the generated code and kernels need (from the generator). */
  cFlags: string[];
  /** Extra flags for C++ sources (the TFLM runtime). */
  cxxFlags: string[];
  /** Static libraries linked after the objects, and what they hold (for the cache key). */
  archives: string[];
  archiveKey?: string;
  macs?: number;
  fit: FitFigures;
  ops?: OpInfo[];
  /** Output dequantization for the MLPerf Tiny mode's m-results (absent: scale 1, zero point 0). */
  outputQuant?: OutputQuant[];
}
