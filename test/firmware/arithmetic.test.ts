// The AoT `arithmetic` option through the build pipeline and the CLI: 'xnnpack' firmware on QEMU
// equals the model set's golden files (made by TFLite's XNNPACK path) byte for byte; 'reference'
// firmware (TFLite-Micro fixed point) matches its own reference and differs from it on toycar,
// so the checks cannot pass vacuously; the two modes never share a cached build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execa } from 'execa';
import { getBoard } from '../../boards/index.ts';
import { buildFirmware } from '../../firmware/build/index.ts';
import { goldenFor } from '../../firmware/build/golden.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { goldenSamples, resolveModel } from '../../firmware/model-set/index.ts';
import { runFirmware } from '../../firmware/runner/index.ts';

const BOARD = 'qemu-mps2-an386';
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tinyrack.mjs');
const hexOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** The first toycar golden sample whose golden output differs from the fixed-point reference. */
async function differingSample(): Promise<number> {
  const graph = loadModel(resolveModel('toycar').path);
  const samples = goldenSamples('toycar');
  for (let i = 0; i < samples.length; i++) {
    const ref = await goldenFor('toycar', graph, i, 'reference');
    if (ref.expectedOutputs[0]!.hex !== hexOf(samples[i]!.output)) return i;
  }
  throw new Error('no toycar sample where reference and XNNPACK arithmetic differ');
}

test('toycar on qemu-mps2-an386: xnnpack firmware equals the golden file, reference firmware its own reference', async () => {
  const sample = await differingSample();
  const board = await getBoard(BOARD);
  const golden = hexOf(goldenSamples('toycar')[sample]!.output);
  const outputs: Record<string, string> = {};
  for (const arithmetic of ['xnnpack', 'reference'] as const) {
    const r = await execa(process.execPath, [BIN, 'run', '--model', 'toycar', '--board', BOARD, '--arithmetic', arithmetic,
      '--reps', '1', '--json'], { reject: false, timeout: 300_000 });
    assert.equal(r.exitCode, 0, r.stderr);
    const [row] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.equal(row!.arithmetic, arithmetic);
    assert.equal(row!.outputsMatch, true, String(row!.error));
    assert.equal(row!.reference, `interpreter:${arithmetic}`);
    // The firmware's own bytes for the differing sample (the CLI compiles sample 0).
    const build = await buildFirmware({ model: 'toycar', board: BOARD, arithmetic, sample, reps: 1, warmup: 0 });
    assert.equal(build.reference, `interpreter:${arithmetic}`);
    const run = await runFirmware(board, build.elfPath);
    assert.equal(run.report.complete, true, run.report.problems.join('; '));
    assert.equal(run.report.outputs.length, 1);
    outputs[arithmetic] = run.report.outputs[0]!.hex;
    assert.equal(outputs[arithmetic], build.expectedOutputs[0]!.hex);
  }
  assert.equal(outputs.xnnpack, golden, 'xnnpack firmware differs from the golden file');
  assert.notEqual(outputs.reference, outputs.xnnpack);
});

test('the two arithmetics give different firmware hashes (cached builds never mix)', async () => {
  const a = await buildFirmware({ model: 'toycar', board: BOARD, arithmetic: 'reference', reps: 1, warmup: 0 });
  const b = await buildFirmware({ model: 'toycar', board: BOARD, arithmetic: 'xnnpack', reps: 1, warmup: 0 });
  const a2 = await buildFirmware({ model: 'toycar', board: BOARD, arithmetic: 'reference', reps: 1, warmup: 0 });
  assert.notEqual(a.firmwareHash, b.firmwareHash);
  assert.notEqual(a.elfPath, b.elfPath);
  assert.equal(a2.firmwareHash, a.firmwareHash);
  assert.equal(a2.cached, true);
  assert.equal(a2.arithmetic, 'reference');
  assert.equal(b.arithmetic, 'xnnpack');
});

test('xnnpack arithmetic with the tflm backend is refused (API and CLI), as is an unknown mode', async () => {
  await assert.rejects(buildFirmware({ model: 'toycar', board: BOARD, backend: 'tflm', arithmetic: 'xnnpack' }),
    /arithmetic "xnnpack" needs the aot backend/);
  const run = await execa(process.execPath, [BIN, 'run', '--model', 'toycar', '--board', BOARD, '--backend', 'tflm',
    '--arithmetic', 'xnnpack'], { reject: false });
  assert.equal(run.exitCode, 1);
  assert.match(run.stderr, /--arithmetic xnnpack needs --backend aot/);
  const build = await execa(process.execPath, [BIN, 'build', '--model', 'toycar', '--board', BOARD, '--backend', 'tflm',
    '--arithmetic', 'xnnpack'], { reject: false });
  assert.equal(build.exitCode, 1);
  assert.match(build.stderr, /arithmetic "xnnpack" needs the aot backend/);
  const bad = await execa(process.execPath, [BIN, 'run', '--model', 'toycar', '--board', BOARD, '--arithmetic', 'fast'], { reject: false });
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /unknown arithmetic "fast"/);
});
