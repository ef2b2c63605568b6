// Every kind of rewrite on the real models (real per-channel quantization, strides, SAME
// padding, depth multipliers, residual ADDs), not only the ones discovery picks: a deterministic
// spread of FDT and FFMT paths and partition counts per model, each compared with the untiled
// model on one golden sample in the interpreter (both integer arithmetics for int8).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runGraph } from '../../firmware/interp/interpreter.ts';
import { validateGraph } from '../../firmware/ir/validate.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, manifest, modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { applyFdt, applyFfmt, findFdtPaths, findFfmtPaths } from '../../firmware/tiling/index.ts';
import type { Graph } from '../../firmware/ir/graph.ts';

const PER_MODEL = 16;

/** Up to n items spread evenly over the list (first and last included). */
function spread<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))]!);
}

for (const name of modelNames()) {
  describe(`rewrites of ${name}`, () => {
    it('every sampled FDT and FFMT rewrite computes the untiled outputs', () => {
      const g = loadModel(modelPath(name));
      const float = manifest()[name]!.dtype === 'float32';
      const input = goldenSamples(name)[0]!.input;
      const arithmetics = float ? (['xnnpack'] as const) : (['xnnpack', 'reference'] as const);
      const want = arithmetics.map((a) => runGraph(g, [input], { arithmetic: a }));
      const rewrites: [string, Graph | undefined][] = [];
      for (const ops of spread(findFdtPaths(g), PER_MODEL / 2)) {
        for (const n of [2, 3]) rewrites.push([`fdt ${ops} /${n}`, applyFdt(g, { ops, partitions: n })]);
      }
      const tilings: [number, number][] = [[2, 1], [1, 3], [3, 2]];
      spread(findFfmtPaths(g, 4), PER_MODEL / 2).forEach((ops, i) => {
        const [h, w] = tilings[i % tilings.length]!;
        rewrites.push([`ffmt ${ops} ${h}x${w}`, applyFfmt(g, { ops, tilesH: h, tilesW: w })]);
      });
      let checked = 0;
      for (const [what, t] of rewrites) {
        if (!t) continue;
        validateGraph(t);
        arithmetics.forEach((a, k) => {
          const got = runGraph(t, [input], { arithmetic: a });
          got.forEach((o, j) => {
            const e = want[k]![j]!;
            for (let x = 0; x < e.length; x++) {
              const d = Math.abs(Number(o[x]) - Number(e[x]));
              assert.ok(float ? d <= 1e-5 * Math.max(1, Math.abs(Number(e[x]))) : d === 0, `${what} (${a}) output ${j}[${x}]`);
            }
          });
        });
        checked++;
      }
      // Every model with a conv or dense layer has FDT paths; only guard against silent no-ops.
      if (findFdtPaths(g).length > 0) assert.ok(checked > 0, 'no rewrite was checked');
    });
  });
}
