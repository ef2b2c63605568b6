// Measures AoT firmware on QEMU mps2-an386 (Cortex-M4): guest instructions per inference
// (-icount shift=0, the harness's INF record), MACs, instructions per MAC, and whether the
// output equals the reference interpreter's. A development tool, not a test:
//   node --import tsx test/codegen/support/measure-qemu.ts [model ...]
// (the boards engineer's `npm run bench:speed` is the benchmark of record).
import { execa } from 'execa';
import { buildFirmware } from '../../../firmware/build/index.ts';
import { runGraph } from '../../../firmware/interp/interpreter.ts';
import { loadModel } from '../../../firmware/model/reader.ts';
import { goldenSamples, modelPath } from '../../../firmware/models/model-set.ts';

const TFLM_REFERENCE_INSTRUCTIONS: Record<string, number> = {
  aww: 42_259_000, vww: 99_473_920, resnet: 105_735_800, toycar: 1_954_080, micro_speech: 9_313_600,
};

const models = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(TFLM_REFERENCE_INSTRUCTIONS);
console.log('| model | instructions | MACs | instr/MAC | vs TFLM reference kernels | arena | output = interpreter |');
console.log('|---|---|---|---|---|---|---|');
for (const model of models) {
  const build = await buildFirmware({ model, board: 'qemu-mps2-an386', backend: 'aot', reps: 1, warmup: 0, sample: 0 });
  const run = await execa('qemu-system-arm', ['-M', 'mps2-an386', '-icount', 'shift=0', '-nographic',
    '-semihosting-config', 'enable=on,target=native', '-kernel', build.elfPath, '-serial', 'mon:stdio'], { timeout: 600_000, reject: false });
  const count = Number(/INF i=0 count=(\d+)/.exec(run.stdout)?.[1] ?? NaN);
  const hex = /OUT o=0 dtype=\w+ hex=([0-9a-f]+)/.exec(run.stdout)?.[1];
  const want = runGraph(loadModel(modelPath(model)), [goldenSamples(model)[0]!.input], { arithmetic: 'reference' })[0]!;
  const exact = hex === Buffer.from(want.buffer, want.byteOffset, want.byteLength).toString('hex');
  const ref = TFLM_REFERENCE_INSTRUCTIONS[model];
  console.log(`| ${model} | ${count} | ${build.macs ?? '?'} | ${build.macs ? (count / build.macs).toFixed(2) : '?'} | ` +
    `${ref ? `${(count / ref).toFixed(2)}x` : '-'} | ${build.arenaBytes} | ${exact ? 'yes' : 'NO'} |`);
}
