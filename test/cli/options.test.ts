// The shared CLI options (cli/options.ts): every command refuses a name outside the lab
// vocabulary with the same message, and a list option takes only vocabulary names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { checkArithmeticFits, options, parseCount, parseList, parseMatrix, parseOne } from '../../cli/options.ts';
import { BACKENDS, TILING_MODES } from '../../wire/vocabulary.ts';

test('parseOne takes one vocabulary name and refuses anything else, a list included', () => {
  assert.equal(parseOne('tflm', BACKENDS, 'backend'), 'tflm');
  assert.throws(() => parseOne('tvm', BACKENDS, 'backend'), /^Error: --backend must be one of aot\|tflm\|tflm-cmsis-nn, got "tvm"$/);
  assert.throws(() => parseOne('aot,tflm', BACKENDS, 'backend'), /got "aot,tflm"/);
});

test('parseList and parseMatrix: every item checked, blanks dropped, an empty list refused', () => {
  assert.deepEqual(parseList(' none, auto ,', TILING_MODES, 'tiling'), ['none', 'auto']);
  assert.throws(() => parseList(',', TILING_MODES, 'tiling'), /--tiling needs at least one of none\|fdt\|ffmt\|auto/);
  assert.throws(() => parseList('none,sideways', TILING_MODES, 'tiling'), /unknown tiling "sideways"/);
  assert.deepEqual(parseMatrix({ backend: 'aot,tflm', tiling: 'fdt', arithmetic: 'reference,xnnpack' }),
    { backends: ['aot', 'tflm'], tilings: ['fdt'], arithmetics: ['reference', 'xnnpack'] });
});

test('checkArithmeticFits refuses xnnpack with a TFLite-Micro backend only', () => {
  checkArithmeticFits(['aot'], ['reference', 'xnnpack']);
  checkArithmeticFits(['tflm', 'tflm-cmsis-nn'], ['reference']);
  assert.throws(() => checkArithmeticFits(['aot', 'tflm-cmsis-nn'], ['xnnpack']), /--arithmetic xnnpack needs --backend aot: tflm-cmsis-nn computes/);
});

test('parseCount: integers within bounds only', () => {
  assert.equal(parseCount('reps', '3', 1), 3);
  assert.throws(() => parseCount('reps', '0', 1), /--reps must be an integer >= 1, got "0"/);
  assert.throws(() => parseCount('reps', '1.5', 1), /got "1.5"/);
  assert.throws(() => parseCount('reps', '1001', 1, 1000), /--reps must be an integer from 1 to 1000/);
});

test('an option without a default is absent unless given; with one, the default is taken', () => {
  const p = new Command().exitOverride().addOption(options.tiling(undefined)).addOption(options.backend('aot')).addOption(options.models());
  p.parse(['--model', 'vww'], { from: 'user' });
  assert.deepEqual(p.opts(), { model: 'vww', backend: 'aot' });
  assert.throws(() => new Command().exitOverride().configureOutput({ writeErr: () => {} }).addOption(options.models()).parse([], { from: 'user' }), /required option '--model <list>' not specified/);
});
