// Malformed graphs (shapes, ranks, dtypes, missing inputs, bad options, missing quantization)
// must fail with a clear error, never a TypeError/RangeError from inside a kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import type { DType } from '../../firmware/ir/graph.ts';
import { CASES } from './cases.ts';
import { prng } from './one-op.ts';

const DTYPES: DType[] = ['int8', 'float32', 'int32', 'int16', 'uint8'];

test('mutated one-op graphs fail with clear errors or run', () => {
  let failures = 0;
  for (const [name, gen] of Object.entries(CASES)) {
    for (let seed = 1; seed <= 25; seed++) {
      const c = gen(prng(seed * 31));
      const r = prng(seed * 77 + name.length);
      const g = structuredClone(c.graph);
      const t = g.tensors[Math.floor(r() * g.tensors.length)]!;
      const op = g.ops[0]!;
      const mutation = Math.floor(r() * 6);
      if (mutation === 0) t.shape = t.shape.map((d) => Math.max(0, d + Math.floor(r() * 3) - 1));
      else if (mutation === 1) t.shape = t.shape.slice(1);
      else if (mutation === 2) { if (t.quant) t.quant.scale = []; }
      else if (mutation === 3) op.inputs = op.inputs.slice(0, Math.max(0, op.inputs.length - 1));
      else if (mutation === 4) {
        const o = op.options as unknown as Record<string, unknown>;
        for (const k of Object.keys(o)) if (typeof o[k] === 'number') o[k] = Math.floor(r() * 4) - 1;
      } else t.dtype = DTYPES[Math.floor(r() * DTYPES.length)]!;
      try {
        runGraph(g, c.inputs);
      } catch (e) {
        const err = e as Error;
        const clear = (err.name === 'ModelError' || err.constructor === Error) && err.message.length > 0;
        if (!clear) failures++;
        assert.ok(clear, `${name} seed ${seed} mutation ${mutation}: ${err.name}: ${err.message}`);
      }
    }
  }
  assert.equal(failures, 0);
});
