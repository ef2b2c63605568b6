// TFLite-Micro backend generation: the resolver registers exactly the model's ops, the embedded
// array is the given .tflite byte for byte (checked by compiling it with g++ and reading it
// back), the arena covers TFLM's measured arena use on the model set (reference and CMSIS-NN
// kernels), the firmware reports arena_used_bytes(). Which files of a TFLM tree are compiled:
// tflm-tree.test.ts; compiling and running against a real tree: tflm-run.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TFLM_RESOLVER_METHOD, generateTflm } from '../../firmware/codegen/tflm/index.ts';
import { TFLM_CXX_FLAGS, TFLM_RELEASE_DEFINES } from '../../firmware/build/tflm-tree.ts';
import { tflmArenaUsed } from '../../firmware/plan/tflm-reference.ts';
import { loadModel } from '../../firmware/model/reader.ts';
import { modelNames, modelPath } from '../../firmware/model-set/index.ts';
import { planGraph } from '../../firmware/plan/plan-graph.ts';
import type { Graph } from '../../firmware/ir/graph.ts';

const TFLM_API_STUBS = join(dirname(fileURLToPath(import.meta.url)), 'support', 'tflm-api');

const dir = mkdtempSync(join(tmpdir(), 'tr-tflm-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

describe('TFLM backend generation', () => {
  for (const name of modelNames()) {
    it(`${name}: resolver has exactly the model's ops, the array is the .tflite, the arena covers TFLM's use`, async () => {
      const graph = loadModel(modelPath(name));
      const bytes = new Uint8Array(readFileSync(modelPath(name)));
      const plan = planGraph(graph, {});
      const out = generateTflm(graph, plan, { modelName: name, modelBytes: bytes });
      const cc = out.files['tr_model_tflm.cc']!;

      const kinds = [...new Set(graph.ops.map((o) => o.kind))];
      const registered = [...cc.matchAll(/resolver->(Add\w+)\(\)/g)].map((m) => m[1]);
      assert.deepEqual([...registered].sort(), kinds.map((k) => TFLM_RESOLVER_METHOD[k]).sort());
      assert.deepEqual(out.resolverOps, registered);
      assert.match(cc, new RegExp(`MicroMutableOpResolver<${kinds.length}>`));
      assert.match(cc, new RegExp(`kActivationBytes = ${out.activationBytes};`));
      assert.match(cc, new RegExp(`kOverheadBytes = ${out.overheadBytes};`));
      assert.equal(out.arenaBytes, Math.ceil((out.activationBytes + out.overheadBytes) / 16) * 16);
      assert.equal(out.arenaBytes % 16, 0);
      const used = tflmArenaUsed(name, 'tflm');
      if (used) assert.ok(out.arenaBytes >= used.value, `arena ${out.arenaBytes} < TFLM's measured ${used.value}`);
      const cmsis = generateTflm(graph, plan, { modelName: name, modelBytes: bytes, kernels: 'cmsis_nn', backend: 'tflm-cmsis-nn' });
      const usedCmsis = tflmArenaUsed(name, 'tflm-cmsis-nn');
      if (usedCmsis) assert.ok(cmsis.arenaBytes >= usedCmsis.value, `CMSIS-NN arena ${cmsis.arenaBytes} < TFLM's measured ${usedCmsis.value}`);
      assert.ok(cmsis.arenaBytes >= out.arenaBytes);
      assert.match(cmsis.files['tr_model_tflm.cc']!, /"tflm-cmsis-nn"/);
      // The INF records (after init) carry the arena TFLM really used.
      assert.match(cc, /AllocateTensors\(\) != kTfLiteOk\) return 3;\n  info\.arena_bytes = static_cast<uint32_t>\(interpreter->arena_used_bytes\(\)\);/);

      // compile the data file and read the array back through C++
      const data = join(dir, `${name}_data.cc`);
      writeFileSync(data, out.files['tr_model_data.cc']!);
      const main = join(dir, `${name}_dump.cc`);
      writeFileSync(main, `#include <cstdio>
#include <cstdint>
extern const unsigned char tr_model_tflite[];
extern const size_t tr_model_tflite_len;
int main() {
  if (reinterpret_cast<uintptr_t>(tr_model_tflite) % 16 != 0) return 3;
  return std::fwrite(tr_model_tflite, 1, tr_model_tflite_len, stdout) == tr_model_tflite_len ? 0 : 2;
}
`);
      const exe = join(dir, `${name}_dump`);
      await execa('g++', ['-std=c++17', '-O0', data, main, '-o', exe]);
      const dumped = await execa(exe, [], { encoding: 'buffer' });
      assert.equal(Buffer.compare(Buffer.from(dumped.stdout), Buffer.from(bytes)), 0, 'embedded bytes differ from the .tflite');
    });
  }

  it('without given bytes it embeds the graph written by the model writer', () => {
    const graph = loadModel(modelPath('micro_speech'));
    const out = generateTflm(graph, planGraph(graph, {}), { modelName: 'micro_speech' });
    assert.match(out.files['tr_model_data.cc']!, /0x54, 0x46, 0x4c, 0x33/); // "TFL3"
    const firstSeen = [...new Set(graph.ops.map((o) => TFLM_RESOLVER_METHOD[o.kind]))];
    assert.deepEqual(out.resolverOps, firstSeen);
    assert.equal(out.resolverOps.length, 4);
  });

  it('the generated C++ is well-formed against the TFLM API (declarations-only headers)', async () => {
    const graph = loadModel(modelPath('resnet'));
    const out = generateTflm(graph, planGraph(graph, {}), { modelName: 'resnet' });
    const src = join(dir, 'syntax_tflm.cc');
    writeFileSync(src, out.files['tr_model_tflm.cc']!);
    await execa('g++', [...TFLM_CXX_FLAGS, ...TFLM_RELEASE_DEFINES, '-Wall', '-Werror', '-fsyntax-only', '-I', TFLM_API_STUBS, '-I', out.includeDirs[0]!, src]);
  });

  it('an op TFLM has no kernel for is a clear error', () => {
    const graph = loadModel(modelPath('sine_model'));
    const bad: Graph = { ...graph, ops: [...graph.ops, { ...graph.ops[0]!, kind: 'CONV_3D' as never, name: 'x' }] };
    assert.throws(() => generateTflm(bad, planGraph(graph, {}), { modelName: 'sine' }), /CONV_3D.*no kernel/);
  });

  it('bytes that are not a flatbuffer are rejected', () => {
    const graph = loadModel(modelPath('sine_model'));
    assert.throws(() => generateTflm(graph, planGraph(graph, {}), { modelName: 'sine', modelBytes: new Uint8Array(16) }), /TFL3/);
  });
});
