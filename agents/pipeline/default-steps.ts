// The real job steps: build with firmware/build, flash with the board's flasher driver, run and
// capture the report (QEMU driver for QEMU boards, a process for the host board, the serial
// console for physical boards, with the PPK2 measuring when the rack file gives one).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildFirmware, type PreparedModel } from '../../firmware/build/index.ts';
import { getBoard } from '../../boards/index.ts';
import { arithmeticOf, type JobSpec } from '../../wire/mqtt.ts';
import { QemuBoard } from '../drivers/qemu.ts';
import { flasherFor } from '../drivers/flashers/registry.ts';
import { runTool, type FlashOutcome } from '../drivers/flashers/flasher.ts';
import { captureReport, type CaptureOptions, type LineSource } from '../serial/capture.ts';
import { LineSplitter } from '../serial/line-splitter.ts';
import { SerialConsole } from '../serial/serial-console.ts';
import { powerSwitchFor } from '../health/power-switch.ts';
import { Ppk2 } from '../power/ppk2.ts';
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

/** A QEMU run's console as a LineSource (QemuBoard yields lines with their endings). */
function qemuLines(q: QemuBoard): LineSource {
  return {
    subscribe(onLine, onEnd) {
      let stopped = false;
      void (async () => {
        for await (const l of q.lines()) { if (stopped) return; onLine(l.replace(/\r?\n$/, '')); }
        if (stopped) return;
        // Say why QEMU ended before the report did (a fault, a bad ELF): its status and stderr.
        const e = await q.wait().catch(() => undefined);
        const why = e?.stderr.trim().split('\n').slice(-3).join(' | ');
        onEnd(`QEMU exited (status ${e?.exitCode ?? 'unknown'})${why ? `: ${why}` : ''}`);
      })();
      return () => { stopped = true; };
    },
  };
}

/** The host board: the firmware is a native process printing its report on stdout. */
async function runHost(elf: string, ctx: StepContext, o: DefaultStepsOptions): Promise<RunCapture> {
  const proc = execa(elf, [], { reject: false, stdin: 'ignore', buffer: false, cancelSignal: ctx.signal, forceKillAfterDelay: 1000 });
  const source: LineSource = {
    subscribe(onLine, onEnd) {
      const split = new LineSplitter(onLine);
      const onData = (d: Buffer) => split.push(d);
      proc.stdout!.on('data', onData);
      void proc.then(() => { split.flush(); onEnd(`host firmware exited`); });
      return () => proc.stdout!.off('data', onData);
    },
  };
  try {
    return { capture: await captureReport(source, captureOptions(ctx, o)) };
  } finally {
    proc.kill('SIGKILL');
    await proc.catch(() => {});
  }
}

async function runQemuBoard(slot: BoardSlot, elf: string, ctx: StepContext, o: DefaultStepsOptions): Promise<RunCapture> {
  const def = await getBoard(slot.kind);
  // QEMU's own limit is a backstop; the capture's limits decide first and give the diagnosis.
  const q = new QemuBoard(def, { timeoutMs: ctx.timeoutMs + 5000 });
  try {
    const source = qemuLines(q);
    const capture = captureReport(source, { ...captureOptions(ctx, o), onListening: () => q.start(elf) });
    return { capture: await capture };
  } finally {
    await q.stop().catch(() => {});
  }
}

/** Restarts a physical board's firmware so its report starts after we listen. */
async function resetPhysical(slot: BoardSlot, console: SerialConsole, ctx: StepContext): Promise<void> {
  const d = slot.def;
  const opts = { timeoutMs: Math.min(ctx.timeoutMs, 30_000), signal: ctx.signal };
  switch (d.flasher) {
    case 'openocd': {
      const serial = slot.serialNumber ? ['-c', `adapter serial ${slot.serialNumber}`] : [];
      const cfg = d.flasherConfig ? ['-f', d.flasherConfig] : ['-f', d.openocdInterface ?? 'interface/stlink.cfg', ...serial, '-f', d.openocdTarget ?? ''];
      await runTool(slot.boardId, 'openocd', [...(d.flasherConfig ? serial : []), ...cfg, '-c', 'init', '-c', 'reset run', '-c', 'shutdown'], opts);
      return;
    }
    case 'st-flash':
      await runTool(slot.boardId, 'st-flash', [...(slot.serialNumber ? ['--serial', slot.serialNumber] : []), 'reset'], opts);
      return;
    case 'esptool':
      await console.resetByRts();
      return;
    default: {
      const sw = powerSwitchFor(slot.boardId, slot.config?.power);
      if (!sw) throw new Error(`board ${slot.boardId}: no way to reset it (flasher ${d.flasher}, no power switch configured)`);
      await sw.cycle();
    }
  }
}

async function runPhysical(slot: BoardSlot, ctx: StepContext, o: DefaultStepsOptions): Promise<RunCapture> {
  if (!slot.port) throw new Error(`board ${slot.boardId}: no console port found (set port in the rack file?)`);
  const console = await SerialConsole.open(slot.port, slot.def.baud);
  let probe: Ppk2 | undefined;
  try {
    const pc = slot.config?.probe;
    if (pc) {
      const port = pc.port ?? slot.probePort;
      if (!port) throw new Error(`board ${slot.boardId}: its PPK2 (serial ${pc.serialNumber}) is not plugged in`);
      probe = await Ppk2.open(port, pc.voltageMv);
      await probe.init();
      await probe.start();
    }
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
          ...(prepared ? { prepared } : { model }), board: slot.kind, backend: spec.backend, tiling: spec.tiling,
          arithmetic: arithmeticOf(spec), reps: spec.reps, ...(spec.protocol ? { protocol: spec.protocol } : {}),
        });
        return {
          elfPath: r.elfPath, firmwareHash: r.firmwareHash, romBytes: r.romBytes, ramBytes: r.ramBytes, arenaBytes: r.arenaBytes,
          expectedOutputs: r.expectedOutputs, arithmetic: r.arithmetic,
          ...(spec.protocol === 'mlperf-tiny' ? { protocol: spec.protocol, hostInput: (await protocolReference(r.model)).input, hostReps: spec.reps, ...(spec.validateAllSamples ? { validateModel: r.model } : {}) } : {}),
        };
      } catch (e) {
        throw new BuildStepError(`build failed: ${(e as Error).message}`);
      }
    },

    async flash(slot: BoardSlot, fw: BuiltFirmware, ctx: StepContext): Promise<FlashOutcome> {
      const flasher = flasherFor(slot.def.flasher);
      return flasher.flash({ boardId: slot.boardId, def: slot.def, serialNumber: slot.serialNumber, port: slot.port },
        { elfPath: fw.elfPath }, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    },

    async run(slot: BoardSlot, flashed: FlashOutcome, fw: BuiltFirmware, ctx: StepContext): Promise<RunCapture> {
      if (fw.protocol === 'mlperf-tiny') {
        if (slot.def.flasher === 'host') throw new Error(`board ${slot.boardId}: the host board has no console to drive the mlperf-tiny protocol over`);
        if (!slot.virtual) return runProtocolPhysical(slot, fw, ctx, (c) => (o.resetBoard ?? resetPhysical)(slot, c, ctx));
        return runProtocolQemu(slot, flashed.runImage, fw, fw.hostReps ?? 1, ctx);
      }
      if (slot.def.flasher === 'host') return runHost(flashed.runImage, ctx, o);
      if (slot.virtual) return runQemuBoard(slot, flashed.runImage, ctx, o);
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
