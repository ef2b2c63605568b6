// The job pipeline's seams: a board slot (one board the agent serves) and the steps that take a
// job from spec to report. The default steps (default-steps.ts) build with firmware/build, flash
// with the board's flasher driver and capture the report from the console; tests swap steps.
import type { ProfileBuildInfo } from './profile.ts';
import type { Arithmetic, JobSpec } from '../../wire/mqtt.ts';
import type { AgentBoardDef } from '../boards.ts';
import type { PhysicalBoardConfig } from '../config/rack-config.ts';
import type { CaptureResult } from '../serial/capture.ts';
import type { ExpectedOutput } from '../../wire/report.ts';
import type { Protocol } from '../../wire/vocabulary.ts';
import type { ByoResultFields } from '../../wire/firmware-image.ts';
import type { ProtocolReport } from './protocol-run.ts';
import type { FlashOutcome } from '../drivers/flashers/flasher.ts';
import type { PowerSample } from '../power/energy.ts';

export interface BoardSlot {
  boardId: string;
  kind: string;
  def: AgentBoardDef;
  virtual: boolean;
  config?: PhysicalBoardConfig;
  /** From discovery (physical boards). */
  port?: string;
  serialNumber?: string;
  /** Serial port of the board's power probe, when it has one and it was found. */
  probePort?: string;
  present: boolean;
}

export interface BuiltFirmware {
  elfPath: string;
  /** Profiled builds (JobSpec.profile): the op table and counter to read PROFOP records with. */
  profile?: ProfileBuildInfo;
  firmwareHash: string;
  romBytes: number;
  ramBytes: number;
  arenaBytes: number;
  expectedOutputs: ExpectedOutput[];
  /** The int8 arithmetic compiled in: the result echoes this, not the request. */
  arithmetic: Arithmetic;
  /** How the agent talks to it (absent = TR1: run and read the report). */
  protocol?: Protocol;
  /** Protocol firmware: the input the host sends (golden sample 0) and the timed inferences it
   * asks for (the job's reps). */
  hostInput?: Uint8Array;
  hostReps?: number;
  /** The model whose golden samples an on-device validation runs (absent: no validation). */
  validateModel?: string;
  /** Bring your own firmware: the labels its results carry. */
  byo?: ByoResultFields;
}

export interface RunCapture {
  capture: CaptureResult;
  /** Set by protocol runs, which have no TR1 records to read (agents/pipeline/protocol-run.ts). */
  protocol?: ProtocolReport;
  /** Protocol runs with a probe: energy from the timestamp pin (agents/power/timestamp-windows.ts),
   * computed when the agent asks, so a failure is reported like any energy failure. */
  energy?: () => { energyUj: number };
  /** On-device validation of every golden sample (protocol runs asked for it). */
  validation?: { samples: number; agreed: number; disagreed?: number[] };
  power?: { samples: PowerSample[]; periodS: number; supplyV: number };
}

export interface StepContext {
  signal: AbortSignal;
  timeoutMs: number;
  workDir: string;
  log: (msg: string) => void;
}

export interface JobSteps {
  build(spec: JobSpec, board: BoardSlot, ctx: StepContext): Promise<BuiltFirmware>;
  flash(board: BoardSlot, fw: BuiltFirmware, ctx: StepContext): Promise<FlashOutcome>;
  run(board: BoardSlot, flashed: FlashOutcome, fw: BuiltFirmware, ctx: StepContext): Promise<RunCapture>;
  /** Power-cycles or otherwise recovers a board after a failed run (optional). */
  recover?(board: BoardSlot, ctx: StepContext): Promise<void>;
}

/** A failure of the build (model, toolchain): not the board's fault, not counted against it. */
export class BuildStepError extends Error {
  constructor(message: string) { super(message); this.name = 'BuildStepError'; }
}
