// Jobs whose firmware the agent drives through the MLPerf Tiny test-harness protocol instead of
// reading a TR1 report: tinyrack's own `--protocol mlperf-tiny` builds, and bring-your-own
// firmware (a ready ELF someone uploaded). The board gets the model-set golden input over
// `db`, runs `infer 1 W` once per repetition, and the job's figures come from its answers:
//   - tinyrack firmware: its exact count (m-tr-count, instructions on QEMU / cycles on silicon)
//     and raw output bytes (m-tr-output), compared bit for bit with the reference;
//   - any other firmware: microseconds between its own m-lap-us stamps (counter 'us-lap') and
//     its m-results vector, compared with the reference's dequantized outputs at the firmware's
//     3 decimals. Labelled source 'byo' so no one compares them with tinyrack's counts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenFor } from '../../firmware/build/golden.ts';
import { elfSizes } from '../../firmware/build/elf-sizes.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { getBoard } from '../../boards/index.ts';
import { checkByoFields, firmwareBytes, type ByoResultFields } from '../../wire/firmware-image.ts';
import type { JobSpec } from '../../wire/mqtt.ts';
import { QemuBoard } from '../../boards/virtual/qemu.ts';
import { MlperfTinyClient, type ConsoleTransport, type InferResult } from '../protocol/mlperf-tiny.ts';
import { expectedResults, validateOnDevice } from '../protocol/validate.ts';
import type { CaptureResult } from '../serial/capture.ts';
import { consoleWriter, SerialConsole } from '../serial/serial-console.ts';
import { startBoardProbe } from '../power/registry.ts';
import type { PowerProbe } from '../power/probe.ts';
import type { PowerSample } from '../power/energy.ts';
import { energyFromTimestamps, timestampWindows, type TimestampMode } from '../power/timestamp-windows.ts';
import { assembleReport, type OutputTensor } from '../../wire/report.ts';
import { FIRMWARE_COUNTERS, isFirmwareCounter, type Counter } from '../../wire/vocabulary.ts';
import { BuildStepError, type BoardSlot, type BuiltFirmware, type RunCapture, type StepContext } from './types.ts';

/** Where an agent accepts an image from: the daemon checked it already; the agent checks again
 * before flashing (the job may come from any publisher the broker lets in). */
const AGENT_MAX_FIRMWARE_BYTES = 64 * 1024 * 1024;

/** The input the host sends and what the answers must equal, for a model-set model. */
export async function protocolReference(model: string, sample = 0): Promise<{ input: Uint8Array; outputsHex: string[]; results: number[] }> {
  if (!modelNames().includes(model)) {
    throw new BuildStepError(`model "${model}" is not in the model set: a protocol job needs its golden inputs and reference outputs`);
  }
  const graph = loadModel(modelPath(model));
  const g = await goldenFor(model, graph, sample, 'reference');
  const outputsHex = g.expectedOutputs.map((e) => e.hex);
  return { input: Buffer.concat(g.inputs.map((b) => Buffer.from(b))), outputsHex, results: expectedResults(graph, outputsHex) };
}

/** Build step of a bring-your-own-firmware job: check the image, keep it, read its sizes. */
export async function byoBuild(spec: JobSpec, ctx: StepContext): Promise<BuiltFirmware> {
  const errors = checkByoFields(spec, 'job', AGENT_MAX_FIRMWARE_BYTES);
  if (errors.length || !spec.firmware) throw new BuildStepError(`firmware image refused: ${errors.join('; ') || 'no image'}`);
  const bytes = firmwareBytes(spec.firmware);
  const dir = join(ctx.workDir, 'firmware', spec.firmware.sha256.slice(0, 16));
  mkdirSync(dir, { recursive: true });
  const elfPath = join(dir, 'firmware.elf');
  writeFileSync(elfPath, bytes);
  let sizes: { romBytes: number; ramBytes: number };
  try { sizes = elfSizes(elfPath); } catch (e) { throw new BuildStepError(`firmware image ${spec.firmware.name}: ${(e as Error).message}`); }
  const ref = await protocolReference(spec.model.name);
  ctx.log(`image ${spec.firmware.name} sha256 ${spec.firmware.sha256} from ${spec.submittedBy ?? 'unknown'}`);
  return {
    elfPath, firmwareHash: spec.firmware.sha256.slice(0, 16), romBytes: sizes.romBytes, ramBytes: sizes.ramBytes, arenaBytes: 0,
    // The vector m-results must show, as float32 bytes (compared like any float output).
    expectedOutputs: [{ dtype: 'float32', hex: floatHex(ref.results) }],
    arithmetic: 'reference', protocol: 'mlperf-tiny', hostInput: ref.input, hostReps: spec.reps,
    ...(spec.validateAllSamples ? { validateModel: spec.model.name } : {}),
    byo: { source: 'byo', protocol: 'mlperf-tiny', firmwareSha256: spec.firmware.sha256, firmwareName: spec.firmware.name, ...(spec.submittedBy ? { submittedBy: spec.submittedBy } : {}) },
  };
}

function floatHex(v: number[]): string {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeFloatLE(x, i * 4));
  return b.toString('hex');
}

/** Drives a protocol firmware: name, profile, db load, reps x infer 1 W. */
export async function driveProtocol(console: ConsoleTransport, fw: BuiltFirmware, reps: number, ctx: StepContext): Promise<{ infers: InferResult[]; transcript: string[]; validation?: RunCapture['validation'] }> {
  if (!fw.hostInput) throw new Error('protocol run without a host input');
  const client = new MlperfTinyClient(console, { commandTimeoutMs: Math.min(ctx.timeoutMs, 30_000), inferTimeoutMs: ctx.timeoutMs });
  await client.waitReady();
  const name = await client.name();
  const profile = await client.profile();
  ctx.log(`DUT ${name}, ${profile.profile}, model ${profile.model}`);
  await client.load(fw.hostInput);
  const infers: InferResult[] = [];
  // One warm-up before the first timed inference, as the TR1 harness does.
  for (let i = 0; i < reps; i++) infers.push(await client.infer(1, i === 0 ? 1 : 0));
  if (!fw.validateModel) return { infers, transcript: client.transcript };
  // The same flashed firmware, every golden sample: inputs over db, outputs against the reference.
  const v = await validateOnDevice(client, fw.validateModel, loadModel(modelPath(fw.validateModel)), 'reference');
  const disagreed = v.verdicts.filter((x) => !x.match).map((x) => x.sample);
  ctx.log(`validation: ${v.agreed}/${v.samples} golden samples agree`);
  return { infers, transcript: client.transcript, validation: { samples: v.samples, agreed: v.agreed, ...(disagreed.length ? { disagreed } : {}) } };
}

/** What a protocol run measured: there are no TR1 records, so the protocol answers stand in for
 * the report (agents/pipeline/job-metrics.ts turns them into the job's metrics). */
export interface ProtocolReport {
  counter: Counter;
  /** Counts per second of `counter` (1e6 for us-lap). */
  hz: number;
  /** One count per timed `infer` command. */
  counts: number[];
  /** Not reported by the protocol: 0 = unknown. */
  stackBytes: number;
  heapBytes: number;
  outputs: OutputTensor[];
  /** The latency is modelled (QEMU: instructions at the nominal clock), not measured. */
  latencyEstimated: boolean;
}

/** The job's report from the protocol answers (see the file comment for what is counted). */
export function protocolReport(fw: BuiltFirmware, infers: InferResult[], virtual: boolean, hz: number): ProtocolReport {
  const own = fw.byo === undefined;
  const last = infers.at(-1)!;
  if (own) {
    if (!last.count || !last.outputsHex) throw new Error('tinyrack protocol firmware did not report m-tr-count / m-tr-output');
    const kind = last.count.kind;
    if (!isFirmwareCounter(kind)) throw new Error(`unknown counter "${kind}" in m-tr-count (tinyrack firmware reports ${FIRMWARE_COUNTERS.join(', ')})`);
    return {
      counter: kind, hz, counts: infers.map((r) => r.count!.total), stackBytes: 0, heapBytes: 0,
      outputs: last.outputsHex.map((hex, o) => ({ o, dtype: fw.expectedOutputs[o]?.dtype ?? 'int8', hex })),
      latencyEstimated: virtual,
    };
  }
  if (infers.some((r) => r.elapsedUs === undefined)) throw new Error('firmware gave no m-lap-us stamps (energy-mode firmware needs a probe with a timestamp input)');
  return {
    counter: 'us-lap', hz: 1_000_000, counts: infers.map((r) => r.elapsedUs!), stackBytes: 0, heapBytes: 0,
    outputs: [{ o: 0, dtype: 'float32', hex: floatHex(last.results) }],
    // On QEMU the firmware's own microseconds come from an instruction-counted clock.
    latencyEstimated: virtual,
  };
}

/** A protocol run has no TR1 records: the capture part of its result is empty, honestly. */
const noCapture = (): CaptureResult => ({ records: [], report: assembleReport([]), stats: { records: 0, noiseLines: 0, corruptLines: 0, missingRecords: 0 }, corruptReasons: [] });

/** Run step for a protocol firmware on a QEMU board. */
export async function runProtocolQemu(slot: BoardSlot, elf: string, fw: BuiltFirmware, reps: number, ctx: StepContext): Promise<RunCapture> {
  const def = await getBoard(slot.kind);
  const q = new QemuBoard(def, { timeoutMs: ctx.timeoutMs + 5000 });
  await q.start(elf);
  try {
    const { infers, validation } = await driveProtocol(q, fw, reps, ctx);
    return { capture: noCapture(), protocol: protocolReport(fw, infers, true, def.clockHz), ...(validation ? { validation } : {}) };
  } finally {
    await q.stop().catch(() => {});
  }
}

/** The labels a result of this job carries (empty for tinyrack's own TR1 builds). */
export function resultLabels(spec: JobSpec, fw: BuiltFirmware, run?: RunCapture): ByoResultFields {
  const labels: ByoResultFields = fw.byo ?? (fw.protocol && fw.protocol !== 'tr1' ? { protocol: fw.protocol, source: 'tinyrack' } : spec.protocol ? { protocol: spec.protocol } : {});
  return run?.validation ? { ...labels, validation: run.validation } : labels;
}

/** m-results prints every output value (up to ~12 characters each): lines far longer than a
 * TR1 record, still bounded so garbage cannot grow memory without end. */
const MAX_PROTOCOL_LINE = 256 * 1024;

/** A serial console as the protocol client's transport: subscribed at once, so
 * the lines a board prints right after its reset are kept until the client reads them. */
export function transportOf(source: SerialConsole, write: (data: string) => Promise<void>): ConsoleTransport & { close(): void } {
  const queue: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const unsubscribe = source.subscribe((l) => { queue.push(l); wake?.(); }, () => { ended = true; wake?.(); }, MAX_PROTOCOL_LINE);
  return {
    write,
    close: unsubscribe,
    async *lines() {
      for (;;) {
        if (queue.length) { yield queue.shift()!; continue; }
        if (ended) return;
        await new Promise<void>((r) => { wake = r; });
        wake = undefined;
      }
    },
  };
}

/**
 * Run step for a protocol firmware on a physical board: console open and listening, the PPK2
 * (when the rack gives one) measuring, the board reset, then the protocol. Energy comes from
 * the timestamp pin on the probe's digital input D0, one window per `infer` command: pin high
 * for the loop when the firmware reports m-lap-us (performance mode, tinyrack's harness), EEMBC
 * falling-edge pulses when it does not (energy mode). Without a probe there is no energy figure
 * (virtual boards estimate theirs from instruction counts; a physical board's is measured or
 * absent).
 */
export async function runProtocolPhysical(slot: BoardSlot, fw: BuiltFirmware, ctx: StepContext,
  reset: (console: SerialConsole) => Promise<void>): Promise<RunCapture> {
  if (!slot.port) throw new Error(`board ${slot.boardId}: no console port found (set port in the rack file?)`);
  const console = await SerialConsole.open(slot.port, slot.def.baud);
  let probe: PowerProbe | undefined;
  let transport: ReturnType<typeof transportOf> | undefined;
  try {
    probe = await startBoardProbe(slot.boardId, slot.config?.probe, slot.probePort);
    await console.flushInput();
    transport = transportOf(console, consoleWriter(console));
    await reset(console);
    const { infers, validation } = await driveProtocol(transport, fw, fw.hostReps ?? 1, ctx);
    const report = protocolReport(fw, infers, false, slot.def.clockHz);
    const out: RunCapture = { capture: noCapture(), protocol: report, ...(validation ? { validation } : {}) };
    if (probe) {
      const p = await probe.stop();
      const mode: TimestampMode = infers.every((r) => r.lapUs) ? 'level' : 'pulses';
      // Only the timed `infer` commands of the repetitions count; validation runs come after and
      // add their own windows, so they are cut off by count.
      const loops = infers.map((r) => r.iterations);
      out.power = { samples: p.samples, periodS: p.periodS, supplyV: p.supplyV };
      out.energy = () => energyFromTimestamps(validation ? p.samples.slice(0, windowCut(p.samples, mode, loops.length)) : p.samples, p.periodS, p.supplyV, mode, loops);
    }
    return out;
  } finally {
    transport?.close();
    await probe?.close();
    await console.close();
  }
}

/** The sample index after the n-th window ends (later windows belong to validation runs). */
function windowCut(samples: readonly PowerSample[], mode: TimestampMode, n: number): number {
  const w = timestampWindows(samples, mode);
  return w.length > n ? w[n - 1]!.end + 1 : samples.length;
}
