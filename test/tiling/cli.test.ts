// `tinyrack plan/infer <model> --tiling ...` end to end through the real CLI: JSON figures, the
// exported tiled .tflite (runs in real TFLite with the untiled model's outputs and carries the
// offline plan), the SVG picture, and clear errors for bad options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModel } from '../../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../../firmware/model-set/index.ts';
import { decodeOfflinePlan, OFFLINE_PLAN_NAME } from '../../firmware/tiling/offline-plan.ts';
import { runTflite } from '../helpers/tflite-runtime.ts';

function tinyrack(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/tinyrack.mjs', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('plan --tiling auto --json --export --svg on vww', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tiling-cli-'));
  try {
    const exportPath = join(dir, 'vww-tiled.tflite');
    const svgPath = join(dir, 'vww.svg');
    const r = tinyrack('plan', 'vww', '--tiling', 'auto', '--json', '--export', exportPath, '--svg', svgPath);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    assert.equal(rep.model, 'vww');
    assert.equal(rep.tiling, 'auto');
    assert.equal(rep.untiledPeakBytes, 73728); // = TFLite-Micro's planner figure for vww
    assert.ok(rep.peakBytes < rep.untiledPeakBytes);
    assert.ok(rep.macs <= rep.untiledMacs * 1.1);
    assert.ok(rep.tilings.length >= 1);
    assert.equal(rep.peakBytes, Math.max(...rep.buffers.map((b: { offset: number; size: number }) => b.offset + b.size)));

    const bytes = new Uint8Array(readFileSync(exportPath));
    const g = readModel(bytes);
    const meta = g.metadata.find((m) => m.name === OFFLINE_PLAN_NAME);
    assert.ok(meta);
    const plan = decodeOfflinePlan(meta.data);
    assert.equal(plan.offsets.length, g.tensors.length);
    // The exported plan is its own (lowered graph, no in-place concat): within its reported arena.
    assert.ok(Math.max(...plan.offsets) < rep.exportPeakBytes);
    assert.ok(rep.exportPeakBytes <= rep.untiledPeakBytes);
    const samples = goldenSamples('vww');
    const want = await runTflite(readFileSync(modelPath('vww')), samples.map((s) => [s.input]));
    const got = await runTflite(bytes, samples.map((s) => [s.input]));
    got.forEach((row, k) => assert.deepEqual([...row[0]!], [...want[k]![0]!]));

    const svg = readFileSync(svgPath, 'utf8');
    assert.match(svg, /^<\?xml[^>]*>\s*<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.equal((svg.match(/<rect /g) ?? []).length - 1, // minus the background
      (svg.match(/<title>/g) ?? []).length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('plan --tiling errors are one clear line and exit 1', () => {
  const bad = tinyrack('plan', 'magic_wand', '--tiling', 'sideways');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^tinyrack: --tiling must be one of none\|fdt\|ffmt\|auto, got "sideways"\n$/);
  const tight = tinyrack('plan', 'magic_wand', '--tiling', 'auto', '--ram-budget', '100');
  assert.equal(tight.code, 1);
  assert.match(tight.err, /^tinyrack: cannot fit in 100 bytes, best is \d+ bytes/);
  const junk = tinyrack('plan', 'magic_wand', '--ram-budget', 'lots');
  assert.equal(junk.code, 1);
  assert.match(junk.err, /--ram-budget must be a number of bytes/);
  const fits = tinyrack('plan', 'magic_wand', '--ram-budget', '5KiB', '--json');
  assert.equal(fits.code, 0, fits.err);
  assert.ok(JSON.parse(fits.out).peakBytes <= 5 * 1024);
});

test('infer --tiling runs the tiled graph and prints the untiled outputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tiling-infer-'));
  try {
    for (const model of ['magic_wand', 'resnet']) {
      const s = goldenSamples(model)[0]!;
      const file = join(dir, `${model}.bin`);
      writeFileSync(file, new Uint8Array(s.input.buffer, s.input.byteOffset, s.input.byteLength));
      const plain = tinyrack('infer', model, '--input', file, '--json');
      const tiled = tinyrack('infer', model, '--input', file, '--json', '--tiling', 'auto');
      assert.equal(plain.code, 0, plain.err);
      assert.equal(tiled.code, 0, tiled.err);
      assert.deepEqual(JSON.parse(tiled.out), JSON.parse(plain.out));
    }
    const bad = tinyrack('infer', 'resnet', '--input', join(dir, 'resnet.bin'), '--tiling', 'diagonal');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--tiling must be one of/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('plan --tiling auto on micro_speech: partial-sum ending in the report, a TFLite-runnable export no larger than untiled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tiling-cli-ps-'));
  try {
    const exportPath = join(dir, 'micro_speech-tiled.tflite');
    const r = tinyrack('plan', 'micro_speech', '--tiling', 'auto', '--json', '--export', exportPath);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    assert.ok(rep.peakBytes < rep.untiledPeakBytes, `${rep.peakBytes}`);
    assert.equal(rep.tilings[0].ending, 'partial-sum');
    assert.ok(rep.exportPeakBytes <= rep.untiledPeakBytes, `${rep.exportPeakBytes}`);
    const bytes = new Uint8Array(readFileSync(exportPath));
    const g = readModel(bytes);
    assert.ok(!g.ops.some((op) => op.kind.startsWith('PARTIAL_SUM')));
    const samples = goldenSamples('micro_speech');
    const want = await runTflite(readFileSync(modelPath('micro_speech')), samples.map((s) => [s.input]));
    const got = await runTflite(bytes, samples.map((s) => [s.input]));
    got.forEach((row, k) => assert.deepEqual([...row[0]!], [...want[k]![0]!]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
