// Every model of the set, every tiling mode: the tiled graph computes exactly what the untiled
// one does — in our reference interpreter and in real TensorFlow Lite running the exported
// tiled .tflite — on every golden sample; its plan is valid, no larger than the untiled one,
// and FDT adds no MACs. Discovery runs once per model and mode; the results are shared.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadModel, readModel } from '../../firmware/model/reader.ts';
import { runGraph, type TensorData } from '../../firmware/interp/interpreter.ts';
import { goldenSamples, modelNames, modelPath, manifest, type GoldenSample } from '../../firmware/model-set/index.ts';
import { tileGraph, TILING_MODES, type TilingResult } from '../../firmware/tiling/index.ts';
import { verifyTiledPlan } from '../../firmware/tiling/plan-tiled.ts';
import { decodeOfflinePlan, OFFLINE_PLAN_NAME } from '../../firmware/tiling/offline-plan.ts';
import { exportTiledModel } from '../../firmware/tiling/export.ts';
import { runTflite } from '../helpers/tflite-runtime.ts';
import { graphMacs } from '../../firmware/tiling/discover.ts';
import type { Graph } from '../../firmware/ir/graph.ts';

function assertClose(actual: ArrayLike<number | bigint>, expected: ArrayLike<number | bigint>, float: boolean, what: string, rel = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]); const e = Number(expected[i]);
    if (float) {
      assert.ok(Math.abs(a - e) <= rel * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
    } else {
      assert.equal(a, e, `${what}[${i}]`);
    }
  }
}

for (const name of modelNames()) {
  describe(`tiling ${name}`, () => {
    const float = manifest()[name]!.dtype === 'float32';
    let graph: Graph;
    let samples: GoldenSample[];
    let reference: TensorData[][];
    let referenceTflm: TensorData[][]; // TFLite's integer reference kernels (what TFLM runs)
    let tfliteReference: ArrayLike<number>[][];
    const results = new Map<string, TilingResult>();

    before(async () => {
      graph = loadModel(modelPath(name));
      samples = goldenSamples(name);
      reference = samples.map((s) => runGraph(graph, [s.input]));
      referenceTflm = samples.map((s) => runGraph(graph, [s.input], { arithmetic: 'reference' }));
      tfliteReference = (await runTflite(readFileSync(modelPath(name)), samples.map((s) => [s.input]))).map((r) => [...r]);
      for (const mode of TILING_MODES) results.set(mode, tileGraph(graph, { mode }));
    });

    // The golden files come from another TFLite build: float within 1e-4, as the model set says.
    test('untiled reference agrees with the golden outputs (sanity of the comparison itself)', () => {
      samples.forEach((s, k) => assertClose(tfliteReference[k]![0]!, s.output, float, `tflite sample ${k}`, 1e-4));
    });

    for (const mode of TILING_MODES) {
      test(`${mode}: same outputs in the interpreter and in TFLite, valid smaller plan`, async () => {
        const r = results.get(mode)!;
        // Interpreter: every golden sample, every output, in both integer arithmetics.
        const distinct = r.graph !== graph;
        samples.forEach((s, k) => {
          const out = distinct ? runGraph(r.graph, [s.input]) : reference[k]!;
          out.forEach((o, j) => assertClose(o, reference[k]![j]!, float, `${mode} interp sample ${k} output ${j}`));
          if (float) return;
          const outRef = distinct ? runGraph(r.graph, [s.input], { arithmetic: 'reference' }) : referenceTflm[k]!;
          outRef.forEach((o, j) => assertClose(o, referenceTflm[k]![j]!, float, `${mode} interp (reference arithmetic) sample ${k} output ${j}`));
        });
        // Real TFLite on the exported tiled model (with its offline plan metadata).
        const ex = exportTiledModel(r.graph);
        const exported = ex.bytes;
        const outs = await runTflite(exported, samples.map((s) => [s.input]));
        outs.forEach((row, k) => row.forEach((o, j) => assertClose(o, tfliteReference[k]![j]!, float, `${mode} tflite sample ${k} output ${j}`)));
        // Memory and work.
        verifyTiledPlan(r.graph, r.plan);
        assert.ok(r.peakBytes <= r.untiledPeakBytes, `${mode}: ${r.peakBytes} > untiled ${r.untiledPeakBytes}`);
        assert.equal(r.macs, graphMacs(r.graph));
        if (mode === 'fdt' || mode === 'none') assert.equal(r.macs, r.untiledMacs, `${mode} changed the MACs`);
        if (mode === 'none') assert.equal(r.tilings.length, 0);
        for (const t of r.tilings) assert.ok(t.peakAfter < t.peakBefore);
        // The plan survives the round trip through the .tflite metadata.
        const back = readModel(exported);
        const meta = back.metadata.find((m) => m.name === OFFLINE_PLAN_NAME);
        assert.ok(meta, 'offline plan metadata present');
        const decoded = decodeOfflinePlan(meta.data);
        assert.equal(decoded.offsets.length, back.tensors.length);
        // TFLite-Micro's offline plan: the exported graph's own plan, never in-place concat.
        assert.equal(ex.plan.inPlace.size, 0);
        verifyTiledPlan(ex.graph, ex.plan);
        ex.graph.tensors.forEach((t, id) => {
          const off = ex.plan.tensorOffsets.get(id);
          assert.equal(decoded.offsets[id], t.data === undefined && off !== undefined ? off : -1, `offset of tensor ${id}`);
        });
      });
    }
  });
}
