// The hand-written test model (fixtures/tiny_model.c) as a PreparedModel, with its expected
// output computed here from the same formula: out[i] = clamp(2*in[i] + 1 + trunc(sum(in)/16)).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreparedModel } from '../../firmware/build/index.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

export function tinyExpected(input: Int8Array): Int8Array {
  const sum = input.reduce((a, b) => a + b, 0);
  const bias = Math.trunc(sum / 16);
  return Int8Array.from(input, (x) => Math.max(-128, Math.min(127, 2 * x + 1 + bias)));
}

export function tinyModel(input: Int8Array, tag = ''): PreparedModel {
  const src = readFileSync(join(FIXTURES, 'tiny_model.c'), 'utf8');
  const out = tinyExpected(input);
  return {
    name: 'tiny',
    // A tag comment makes a distinct build (for cache tests) without changing the code.
    files: { 'tiny_model.c': tag ? `/* ${tag} */\n${src}` : src },
    arenaBytes: 32,
    weightsBytes: 0,
    inputs: [new Uint8Array(input.buffer.slice(input.byteOffset, input.byteOffset + 16))],
    expectedOutputs: [{ dtype: 'int8', hex: Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('hex') }],
  };
}

export function hangModel(): PreparedModel {
  return {
    name: 'hang',
    files: { 'hang_model.c': readFileSync(join(FIXTURES, 'hang_model.c'), 'utf8') },
    arenaBytes: 8, weightsBytes: 0, inputs: [new Uint8Array(4)], expectedOutputs: [],
  };
}

/** A fixed, varied input (saturates both ends of int8 after the formula). */
export const TINY_INPUT = Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, 100, -100, 60, -70]);
