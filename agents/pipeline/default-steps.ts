// The real job steps: build with firmware/build, flash with the board's flasher driver, run and
// capture the report (boards/virtual/ for QEMU boards and the host board, the serial console for
// physical boards, with the power probe the rack file names measuring).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFirmware, type PreparedModel } from '../../firmware/build/index.ts';
import { getBoard } from '../../boards/index.ts';
import { arithmeticOf, type JobSpec } from '../../wire/mqtt.ts';
import { virtualBoard, type VirtualBoard } from '../../boards/virtual/index.ts';
import { flasherFor } from '../drivers/flashers/registry.ts';
import { flashTarget, type FlashOutcome } from '../drivers/flashers/flasher.ts';
import { captureReport, type CaptureOptions, type LineSource } from '../serial/capture.ts';
import { SerialConsole } from '../serial/serial-console.ts';
import { powerSwitchFor } from '../health/power-switch.ts';
import { startBoardProbe } from '../power/registry.ts';
import type { PowerProbe } from '../power/probe.ts';
import { byoBuild, protocolReference, runProtocolPhysical, runProtocolQemu } from './protocol-run.ts';
import { BuildStepError, type BoardSlot, type BuiltFirmware, type JobSteps, type RunCapture, type StepContext } from './types.ts';

export interface DefaultStepsOptions {
  /** Models given as ready C sources by name (tests: a firmware that hangs, a tiny smoke model). */
  prepared?: Record<string, PreparedModel>;
  /** Limit for the first console output after start (default: 15 s or the run limit). */
  firstOutputMs?: number;
  /** How a physical board's firmware is restarted (default: by its flasher tool, or a power
   * cycle). Tests put a pseudo-terminal "board" here. */
  resetBoard?: (slot: BoardSlot, console: SerialConsole, ctx: StepContext) => Promise<void>;
}

function captureOptions(ctx: StepContext, o: DefaultStepsOptions): CaptureOptions {
  return { firstOutputMs: Math.min(o.firstOutputMs ?? 15_000, ctx.timeoutMs), totalMs: ctx.timeoutMs, signal: ctx.signal };
}

/** A virtual board's console as a LineSource (the drivers yield lines with their endings). */
function consoleLines(b: VirtualBoard, what: string): LineSource {
  return {
    subscribe(onLine, onEnd) {
      let stopped = false;
      void (async () => {
        for await (const l of b.lines()) { if (stopped) return; onLine(l.replace(/\r?\n$/, '')); }
        if (stopped) return;
        // Say why the run ended before the report did (a fault, a bad ELF): its status and stderr.
        const e = await b.wait().catch(() => undefined);
        const why = e?.stderr.trim().split('\n').slice(-3).join(' | ');
        onEnd(`${what} exited (status ${e?.exitCode ?? 'unknown'})${why ? `: ${why}` : ''}`);
      })();
      return () => { stopped = true; };
    },
  };
}

async function runVirtualBoard(slot: BoardSlot, elf: string, ctx: StepContext, o: DefaultStepsOptions): Promise<RunCapture> {
  const def = await getBoard(slot.kind);
  // The driver's own limit is a backstop; the capture's limits decide first and give the diagnosis.
  const b = virtualBoard(def, { timeoutMs: ctx.timeoutMs + 5000 });
  try {
    const source = consoleLines(b, def.arch === 'host' ? 'host firmware' : 'QEMU');
    const capture = captureReport(source, { ...captureOptions(ctx, o), onListening: () => b.start(elf) });
    return { capture: await capture };
  } finally {
    await b.stop().catch(() => {});
  }
}

/** Restarts a physical board's firmware so its report starts after we listen: by its flasher
 * tool where the tool can, else by a power cycle. */
async function resetPhysical(slot: BoardSlot, console: SerialConsole, ctx: StepContext): Promise<void> {
  const flasher = flasherFor(slot.def.board.flasher.tool);
  if (flasher.reset) {
    await flasher.reset(flashTarget(slot.boardId, slot.def.board, slot), { timeoutMs: Math.min(ctx.timeoutMs, 30_000), signal: ctx.signal, console });
    return;
  }
  const sw = powerSwitchFor(slot.boardId, slot.config?.power);
  if (!sw) throw new Error(`board ${slot.boardId}: no way to reset it (flasher ${flasher.kind} cannot, no power switch configured)`);
  await sw.cycle();
}

async function runPhysical(slot: BoardSlot, ctx: StepContext, o: DefaultStepsOptions): Promise<RunCapture> {
  if (!slot.port) throw new Error(`board ${slot.boardId}: no console port found (set port in the rack file?)`);
  const console = await SerialConsole.open(slot.port, slot.def.baud);
  let probe: PowerProbe | undefined;
  try {
    probe = await startBoardProbe(slot.boardId, slot.config?.probe, slot.probePort);
    await console.flushInput();
    const reset = o.resetBoard ?? resetPhysical;
    const capture = await captureReport(console, { ...captureOptions(ctx, o), onListening: () => reset(slot, console, ctx) });
    if (probe) {
      const p = await probe.stop();
      return { capture, power: { samples: p.samples, periodS: p.periodS, supplyV: p.supplyV } };
    }
    return { capture };
  } finally {
    await probe?.close();
    await console.close();
  }
}

export function defaultSteps(o: DefaultStepsOptions = {}): JobSteps {
  return {
    async build(spec: JobSpec, slot: BoardSlot, ctx: StepContext): Promise<BuiltFirmware> {
      if (spec.firmware) return byoBuild(spec, ctx);
      let model: string | undefined = spec.model.name;
      const prepared = o.prepared?.[spec.model.name];
      if ('tfliteBase64' in spec.model && spec.model.tfliteBase64) {
        const bytes = Buffer.from(spec.model.tfliteBase64, 'base64');
        const sha = createHash('sha256').update(bytes).digest('hex');
        if (spec.model.sha256 && spec.model.sha256 !== sha) throw new BuildStepError(`uploaded model ${spec.model.name}: sha256 mismatch (got ${sha})`);
        const dir = join(ctx.workDir, 'models', sha.slice(0, 16));
        mkdirSync(dir, { recursive: true });
        model = join(dir, `${spec.model.name}.tflite`);
        writeFileSync(model, bytes);
      }
      try {
        const r = await buildFirmware({
          ...(spec.profile ? { profile: true } : {}),
          ...(prepared ? { prepared } : { model }), board: slot.kind, backend: spec.backend, tiling: spec.tiling,
          arithmetic: arithmeticOf(spec), reps: spec.reps, ...(spec.protocol ? { protocol: spec.protocol } : {}),
        });
        return {
          ...(spec.profile && r.ops ? { profile: { ops: r.ops, board: await getBoard(slot.kind) } } : {}),
          elfPath: r.elfPath, firmwareHash: r.firmwareHash, romBytes: r.romBytes, ramBytes: r.ramBytes, arenaBytes: r.arenaBytes,
          expectedOutputs: r.expectedOutputs, arithmetic: r.arithmetic,
          ...(spec.protocol === 'mlperf-tiny' ? { protocol: spec.protocol, hostInput: (await protocolReference(r.model)).input, hostReps: spec.reps, ...(spec.validateAllSamples ? { validateModel: r.model } : {}) } : {}),
        };
      } catch (e) {
        throw new BuildStepError(`build failed: ${(e as Error).message}`);
      }
    },

    async flash(slot: BoardSlot, fw: BuiltFirmware, ctx: StepContext): Promise<FlashOutcome> {
      return flasherFor(slot.def.board.flasher.tool).flash(flashTarget(slot.boardId, slot.def.board, slot),
        { elfPath: fw.elfPath }, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    },

    async run(slot: BoardSlot, flashed: FlashOutcome, fw: BuiltFirmware, ctx: StepContext): Promise<RunCapture> {
      if (fw.protocol === 'mlperf-tiny') {
        if (slot.def.board.arch === 'host') throw new Error(`board ${slot.boardId}: the host board has no console to drive the mlperf-tiny protocol over`);
        if (!slot.virtual) return runProtocolPhysical(slot, fw, ctx, (c) => (o.resetBoard ?? resetPhysical)(slot, c, ctx));
        return runProtocolQemu(slot, flashed.runImage, fw, fw.hostReps ?? 1, ctx);
      }
      if (slot.virtual) return runVirtualBoard(slot, flashed.runImage, ctx, o);
      return runPhysical(slot, ctx, o);
    },

    async recover(slot: BoardSlot): Promise<void> {
      // Virtual boards restart from scratch on every run; physical ones get a power cycle.
      if (slot.virtual) return;
      const sw = powerSwitchFor(slot.boardId, slot.config?.power);
      if (sw) await sw.cycle();
    },
  };
}
