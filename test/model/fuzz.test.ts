import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModel } from '../../firmware/model/reader.ts';
import { ModelError } from '../../firmware/ir/graph.ts';
import { modelNames } from '../../firmware/model-set/index.ts';
import { modelBytes } from './patch.ts';
import { prng as rng } from '../helpers/prng.ts';


/** The reader either returns a graph or throws ModelError: never another exception type. */
function outcome(bytes: Uint8Array): 'graph' | 'error' {
  try {
    readModel(bytes);
    return 'graph';
  } catch (e) {
    if (e instanceof ModelError) return 'error';
    throw new Error(`reader threw ${(e as Error).name}: ${(e as Error).message}`);
  }
}

test('fuzz: truncated and bit-flipped copies of every model give a graph or a ModelError', { timeout: 60_000 }, () => {
  const random = rng(20261124);
  const tally = { graph: 0, error: 0 };
  for (const name of modelNames()) {
    const original = modelBytes(name);
    for (let k = 0; k < 12; k++) {
      const len = Math.floor(random() * original.length);
      tally[outcome(original.slice(0, len))]++;
    }
    for (let k = 0; k < 40; k++) {
      const copy = original.slice();
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++) {
        // Bias flips towards the structure (tables sit at both ends of converter output),
        // where a flip changes offsets, lengths, indices and enum values rather than weights.
        const span = Math.min(original.length, 8192);
        const r = random();
        const pos = r < 0.4 ? Math.floor(random() * span)
          : r < 0.8 ? original.length - 1 - Math.floor(random() * span)
          : Math.floor(random() * original.length);
        copy[pos]! ^= 1 << Math.floor(random() * 8);
      }
      tally[outcome(copy)]++;
    }
  }
  // Both outcomes occur: flips in weights still read; flips in structure are caught.
  assert.equal(tally.graph + tally.error, modelNames().length * 52);
  assert.ok(tally.graph > 0 && tally.error > 0, JSON.stringify(tally));
});

test('fuzz: every truncation of the smallest model is a ModelError or, past the last object, the same graph', () => {
  const original = modelBytes('sine_model');
  const full = readModel(original);
  let errors = 0;
  for (let len = 0; len < original.length; len++) {
    const cut = original.slice(0, len);
    if (outcome(cut) === 'error') errors++;
    else assert.deepEqual(readModel(cut), full, `length ${len} read, but as a different graph`);
  }
  assert.ok(errors > original.length * 0.9, `${errors} of ${original.length} truncations rejected`);
});
