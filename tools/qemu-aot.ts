// AoT firmware for QEMU mps2-an386 (Cortex-M4F) with generator options the build pipeline
// does not pass yet (arithmetic, profileOps): the model is generated here and handed to the
// build pipeline as a prepared model (harness, board port, toolchain flags all as usual).
import { execa } from 'execa';
import { buildFirmware, weightsBytes, type BuildResult } from '../firmware/build/index.ts';
import { KERNEL_INCLUDE_DIR, generateAot, kernelSources, type AotArithmetic } from '../firmware/codegen/aot/index.ts';
import type { Graph } from '../firmware/ir/graph.ts';
import { loadModel } from '../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../firmware/model-set/index.ts';
import { planGraph } from '../firmware/plan/plan-graph.ts';

export const QEMU_BOARD = 'qemu-mps2-an386';

export async function buildAotForQemu(model: string, opts: { arithmetic: AotArithmetic; profileOps?: boolean; sample?: number; board?: string }):
  Promise<{ build: BuildResult; graph: Graph }> {
  const graph = loadModel(modelPath(model));
  const gen = generateAot(graph, planGraph(graph), { modelName: model, arithmetic: opts.arithmetic, profileOps: opts.profileOps ?? false });
  const input = goldenSamples(model)[opts.sample ?? 0]!.input;
  const build = await buildFirmware({
    board: opts.board ?? QEMU_BOARD, reps: 1, warmup: 0,
    prepared: {
      name: `${model}-${opts.arithmetic}${opts.profileOps ? '-profile' : ''}`, files: gen.files, arenaBytes: gen.arenaBytes,
      weightsBytes: weightsBytes(graph), inputs: [new Uint8Array(input.buffer, input.byteOffset, input.byteLength)], expectedOutputs: [],
      sources: kernelSources(), includeDirs: [KERNEL_INCLUDE_DIR], cFlags: gen.cFlags,
    },
  });
  return { build, graph };
}

/** QEMU command lines of the virtual boards these tools use. */
const QEMU_MACHINES: Record<string, [string, string[]]> = {
  'qemu-mps2-an386': ['qemu-system-arm', ['-M', 'mps2-an386']],
  'qemu-riscv32-virt': ['qemu-system-riscv32', ['-M', 'virt', '-bios', 'none', '-m', '128M']],
};

/** Runs an ELF on a QEMU board (default mps2-an386) with -icount shift=0; returns the UART text. */
export async function runQemu(elfPath: string, timeoutMs = 600_000, board = QEMU_BOARD): Promise<string> {
  const machine = QEMU_MACHINES[board];
  if (!machine) throw new Error(`no QEMU command line for board ${board}`);
  const run = await execa(machine[0], [...machine[1], '-icount', 'shift=0', '-nographic',
    '-semihosting-config', 'enable=on,target=native', '-kernel', elfPath, '-serial', 'mon:stdio'], { timeout: timeoutMs, reject: false });
  return run.stdout;
}

export function outputHex(stdout: string): string | undefined {
  return /OUT o=0 dtype=\w+ hex=([0-9a-f]+)/.exec(stdout)?.[1];
}

export function inferenceCount(stdout: string): number {
  return Number(/INF i=0 count=(\d+)/.exec(stdout)?.[1] ?? NaN);
}
