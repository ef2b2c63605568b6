// The C fixed-point helpers against ir/quant.ts: tr_mbqm (the reference kernels' requantization)
// and tr_mbqm_pos (the optimized kernels' cheaper form for non-negative multipliers) must equal
// multiplyByQuantizedMultiplier on edge and random values (tr_requant_rv32.h's tr_rq32 also on
// every accumulator of a range, for edge multipliers); the SIMD steps' results equal plain
// C dot products (host build: the emulation the boards' DSP instructions are checked against
// on QEMU in qemu-m4.test.ts).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AOT_CFLAGS, KERNEL_INCLUDE_DIR } from '../../firmware/codegen/aot/index.ts';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../../firmware/ir/quant.ts';
import { rng } from './support/random-ops.ts';

const SRC = join(dirname(fileURLToPath(import.meta.url)), 'support', 'fixedpoint_check.c');

it('tr_mbqm, tr_mbqm_pos, the single-rounding tr_rq_apply and the rv32 tr_rq32 equal quant.ts multiplyByQuantizedMultiplier', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tr-fx-'));
  try {
    const exe = join(dir, 'fx');
    await execa('gcc', [...AOT_CFLAGS, '-O2', '-Wall', '-Werror', '-I', KERNEL_INCLUDE_DIR, SRC, '-o', exe]);
    const r = rng(42);
    const cases: [number, number, number][] = [];
    const xs = [0, 1, -1, 2, -2, 127, -128, 1 << 20, -(1 << 20), 2147483647, -2147483648, 1073741824, -1073741825];
    const reals = [1e-9, 1e-6, 0.000123, 0.0039, 0.25, 0.5, 0.7071, 0.999999, 1, 1.5, 3.9, 100.25];
    for (const x of xs) for (const real of reals) {
      const q = quantizeMultiplier(real);
      cases.push([x, q.multiplier, q.shift]);
    }
    // exact powers of two (M = 2^30) make the second rounding hit ties often
    for (let k = 0; k < 4000; k++) {
      const q = quantizeMultiplier(2 ** -(1 + Math.floor(r() * 20)));
      cases.push([Math.floor((r() - 0.5) * 2 ** (4 + Math.floor(r() * 24))), q.multiplier, q.shift]);
    }
    for (let k = 0; k < 20000; k++) {
      const q = quantizeMultiplier(Math.exp((r() - 0.7) * 25));
      const x = r() < 0.5 ? Math.floor((r() - 0.5) * 2 ** 20) : Math.floor((r() - 0.5) * 2 ** 32) | 0;
      // keep the left-shifted value in range where TFLite's int32 shift is defined
      cases.push([q.shift > 0 ? x >> q.shift : x, q.multiplier, q.shift]);
    }
    const input = cases.map((c) => c.join(' ')).join('\n');
    const out = (await execa(exe, [], { input })).stdout.trim().split('\n');
    assert.equal(out.length, cases.length);
    const bad: string[] = [];
    let rq32Checked = 0;
    cases.forEach(([x, m, s], i) => {
      const want = multiplyByQuantizedMultiplier(x, m, s);
      const fields = out[i]!.split(' ');
      const [a, b, simd, rq] = fields.slice(0, 4).map(Number);
      if (a !== want || b !== want || simd !== 1 || rq !== want) bad.push(`x=${x} m=${m} s=${s}: want ${want}, tr_mbqm ${a}, tr_mbqm_pos ${b}, simd ok ${simd}, tr_rq_apply ${rq}`);
      // tr_requant_rv32.h: exact with the sign term; without it exact for x >= 0 and <= 0 for x < 0
      if (fields[4] !== '-') {
        rq32Checked++;
        const [e, f] = fields.slice(4).map(Number);
        if (e !== want || (x >= 0 ? f !== want : f! > 0 || want > 0)) bad.push(`x=${x} m=${m} s=${s}: want ${want}, tr_rq32 ${e}, without sign ${f}`);
      }
    });
    assert.deepEqual(bad.slice(0, 5), []);
    assert.ok(rq32Checked > 10000, `tr_rq32 checked on ${rq32Checked} cases`);
    // every accumulator in [-2^18, 2^18] (3x3 and 10x8 depthwise sums live there) for edge multipliers and shifts
    const [checked, mismatches] = (await execa(exe, ['sweep'])).stdout.trim().split(' ').map(Number);
    assert.ok(checked! > 1e7, `sweep checked ${checked}`);
    assert.equal(mismatches, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
