// What the kernel-variant tests (aot-kernel-variants, aot-rv32-kernels) do with a generated model:
// run it on the host or on a QEMU board and hold every output to the interpreter's. One place, so
// both files check the same things: the exact output byte count on the host, one OUT record per
// output on QEMU, and every value.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { buildFirmware, weightsBytes } from '../../../firmware/build/index.ts';
import { KERNEL_INCLUDE_DIR, kernelSources } from '../../../firmware/codegen/aot/index.ts';
import type { Graph } from '../../../firmware/ir/graph.ts';
import type { TensorData } from '../../../firmware/interp/interpreter.ts';
import { runQemu } from '../../../tools/qemu-aot.ts';
import { buildHostModel, bytesOf, concatBytes, runHostModel } from './host-build.ts';
import { graphOutputMismatches } from './compare.ts';

export async function have(tool: string): Promise<boolean> {
  return (await execa('which', [tool], { reject: false })).exitCode === 0;
}

interface Generated { files: Record<string, string>; arenaBytes: number; cFlags: string[] }

/** Builds the generated model for the host with `flags`, runs it on `inputs` (one batch). */
export async function assertHostOutputsMatch(graph: Graph, gen: Pick<Generated, 'files'>, flags: readonly string[], inputs: ArrayBufferView[], want: readonly (TensorData | undefined)[]): Promise<void> {
  const exe = await buildHostModel(gen.files, [...flags]);
  const raw = await runHostModel(exe, concatBytes(inputs.map(bytesOf)), 1);
  const { failures, consumed } = graphOutputMismatches(graph, raw, want);
  assert.equal(consumed, raw.byteLength, 'output byte count');
  assert.deepEqual(failures, []);
}

/** Builds the generated model as firmware for a QEMU board, runs it, and reads its OUT records. */
export async function assertQemuOutputsMatch(graph: Graph, gen: Generated, name: string, board: string, timeoutMs: number,
  inputs: ArrayBufferView[], want: readonly (TensorData | undefined)[]): Promise<void> {
  const build = await buildFirmware({
    board, reps: 1, warmup: 0,
    prepared: {
      name, files: gen.files, arenaBytes: gen.arenaBytes, weightsBytes: weightsBytes(graph),
      inputs: inputs.map(bytesOf), expectedOutputs: [], sources: kernelSources(), includeDirs: [KERNEL_INCLUDE_DIR], cFlags: gen.cFlags,
    },
  });
  const stdout = await runQemu(build.elfPath, timeoutMs, board);
  assert.match(stdout, /END status=0/, stdout.slice(-500));
  const got = new Map([...stdout.matchAll(/OUT o=(\d+) dtype=\w+ hex=([0-9a-f]*)/g)].map((m) => [Number(m[1]), m[2]!]));
  const raw = concatBytes(graph.outputs.map((_, o) => Buffer.from(got.get(o) ?? '', 'hex')));
  const { failures } = graphOutputMismatches(graph, raw, want);
  assert.equal(got.size, graph.outputs.length, 'one OUT record per output');
  assert.deepEqual(failures, []);
}
