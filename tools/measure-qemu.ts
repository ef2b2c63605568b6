// Measures AoT firmware on QEMU mps2-an386 (Cortex-M4F): guest instructions per inference
// (-icount shift=0, the harness's INF record), MACs, instructions per MAC, and output
// exactness, for both int8 arithmetics:
// - reference (TFLite-Micro's fixed point), built by the build pipeline exactly as
//   `tinyrack build` does; output compared with the interpreter's 'reference' mode;
// - xnnpack (float32 requantization on the FPU), generated here and built as a prepared model;
//   output compared with the model set's golden file (real TFLite).
// A development tool, not a test:
//   node --import tsx tools/measure-qemu.ts [model ...]
// (`npm run bench:speed` is the benchmark of record).
import { buildFirmware } from '../firmware/build/index.ts';
import { runGraph } from '../firmware/interp/interpreter.ts';
import { loadModel } from '../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../firmware/model-set/index.ts';
import { tflmInstructions, tflmReferenceModels } from '../firmware/plan/tflm-reference.ts';
import { buildAotForQemu, inferenceCount, outputHex, runQemu } from './qemu-aot.ts';

// TFLite-Micro's instructions with its reference kernels: the model set's one record of them.
const tflmRef = (model: string) => tflmInstructions(model, 'tflm');

const hexOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const argv = process.argv.slice(2);
// --tiling fdt|ffmt|auto: also build each model tiled (reference arithmetic) and compare.
const ti = argv.indexOf('--tiling');
const tiling = ti >= 0 ? argv.splice(ti, 2)[1] as 'fdt' | 'ffmt' | 'auto' : undefined;
const models = argv.length ? argv : tflmReferenceModels().filter((m) => tflmRef(m) !== undefined);
const tiledRows: string[] = [];
console.log('| model | MACs | reference: instructions | instr/MAC | vs TFLM ref. kernels | = interpreter | xnnpack (FPU): instructions | instr/MAC | = golden (TFLite) | arena |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const model of models) {
  const build = await buildFirmware({ model, board: 'qemu-mps2-an386', backend: 'aot', reps: 1, warmup: 0, sample: 0 });
  const out = await runQemu(build.elfPath);
  const count = inferenceCount(out);
  const sample = goldenSamples(model)[0]!;
  const want = runGraph(loadModel(modelPath(model)), [sample.input], { arithmetic: 'reference' })[0]!;
  const exact = outputHex(out) === hexOf(want);
  const xb = await buildAotForQemu(model, { arithmetic: 'xnnpack' });
  const xout = await runQemu(xb.build.elfPath);
  const xcount = inferenceCount(xout);
  const xexact = outputHex(xout) === hexOf(sample.output);
  const ref = tflmRef(model)?.value;
  const macs = build.macs;
  console.log(`| ${model} | ${macs ?? '?'} | ${count} | ${macs ? (count / macs).toFixed(2) : '?'} | ${ref ? `${(count / ref).toFixed(2)}x` : '-'} | ${exact ? 'yes' : 'NO'} | ` +
    `${xcount} | ${macs ? (xcount / macs).toFixed(2) : '?'} | ${xexact ? 'yes' : 'NO'} | ${build.arenaBytes} |`);
  if (tiling) {
    const tb = await buildFirmware({ model, board: 'qemu-mps2-an386', backend: 'aot', tiling, reps: 1, warmup: 0, sample: 0 });
    const tout = await runQemu(tb.elfPath);
    const tcount = inferenceCount(tout);
    tiledRows.push(`| ${model} | ${tiling} | ${tb.arenaBytes} (untiled ${build.arenaBytes}) | ${tb.macs} | ${tcount} | ${((tcount / count - 1) * 100).toFixed(2)}% | ${outputHex(tout) === hexOf(want) ? 'yes' : 'NO'} |`);
  }
}
const refLabel = models.map(tflmRef).find((r) => r !== undefined)?.label;
if (refLabel) console.log(`\nvs TFLM ref. kernels: ${refLabel}`);
if (tiling) {
  console.log('\n| model | tiling | arena | MACs | instructions | vs untiled | = interpreter |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of tiledRows) console.log(r);
}
