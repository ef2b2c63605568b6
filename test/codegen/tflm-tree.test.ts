// Which files the TFLite-Micro backends compile, checked against a tree layout fixture that
// lists file names only (fixtures/tflm-tree-files.txt, made into empty files here): every
// translation unit the generated tree holds and nothing else, wherever TFLM put it; TFLM's
// release flags; the CMSIS-NN tree's extra define and include roots; and the errors a build
// meets before compiling anything (no tree, wrong kind of tree, a toolchain without C++).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBoard } from '../../boards/index.ts';
import { buildFirmware, getBackend } from '../../firmware/build/index.ts';
import { findTflmTree, readTflmTree, type TflmKernels } from '../../firmware/build/tflm-tree.ts';
import { tflmCompileJobs } from '../../firmware/build/tflm-library.ts';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tflm-tree-files.txt');
const root = mkdtempSync(join(tmpdir(), 'tr-tflm-tree-'));
const ENV = ['TFLM_DIR', 'TFLM_CMSIS_NN_DIR', 'TINYRACK_TFLM_TREES', 'TINYRACK_CACHE'] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

/** The fixture's files for one kind of tree, as relative paths. */
function fixtureFiles(kind: TflmKernels): string[] {
  return readFileSync(FIXTURE, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .filter((l) => !l.includes(':') || l.startsWith(`${kind}:`)).map((l) => l.replace(/^\w+:/, ''));
}

function makeTree(kind: TflmKernels): string {
  const dir = join(root, kind);
  for (const rel of fixtureFiles(kind)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), '');
  }
  return dir;
}

describe('TFLite-Micro tree: file choice, flags, errors', () => {
  let refDir = '';
  let cmsisDir = '';
  before(() => {
    refDir = makeTree('reference');
    cmsisDir = makeTree('cmsis_nn');
    for (const k of ENV) delete process.env[k];
    process.env.TINYRACK_CACHE = join(root, 'cache');
  });
  after(() => {
    for (const k of ENV) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; }
    rmSync(root, { recursive: true, force: true });
  });

  it('compiles exactly the translation units the reference tree holds, wherever TFLM put them', () => {
    const tree = readTflmTree(refDir, 'reference', 'tflm');
    const want = fixtureFiles('reference').filter((f) => /\.(c|cc|cpp)$/.test(f) && !f.startsWith('examples/')).sort();
    assert.deepEqual(tree.sources, want);
    // The two files whose hard-coded old paths broke the link (issue 10) are compiled from where they are.
    assert.ok(tree.sources.includes('tensorflow/compiler/mlir/lite/core/api/error_reporter.cc'));
    assert.ok(tree.sources.includes('tensorflow/compiler/mlir/lite/schema/schema_utils.cc'));
    assert.ok(tree.sources.includes('signal/src/window.cc'));
    assert.ok(!tree.sources.some((s) => s.endsWith('.h')), 'no headers compiled');
    assert.ok(!tree.sources.some((s) => s.startsWith('examples/')), 'examples are not the library');
    assert.deepEqual(tree.defines, ['-DNDEBUG', '-DTF_LITE_STATIC_MEMORY']);
    assert.deepEqual(tree.includeDirs, ['.', 'third_party/gemmlowp', 'third_party/flatbuffers/include', 'third_party/kissfft', 'third_party/ruy'].map((r) => join(refDir, r)));
  });

  it('the CMSIS-NN tree adds its kernels, CMSIS-NN sources, -DCMSIS_NN and its include roots', () => {
    const tree = readTflmTree(cmsisDir, 'cmsis_nn', 'tflm-cmsis-nn');
    assert.ok(tree.sources.includes('tensorflow/lite/micro/kernels/cmsis_nn/conv.cc'));
    assert.ok(tree.sources.includes('third_party/cmsis_nn/Source/ConvolutionFunctions/arm_convolve_s8.c'));
    assert.ok(!tree.sources.includes('tensorflow/lite/micro/kernels/conv.cc'));
    assert.deepEqual(tree.defines, ['-DNDEBUG', '-DTF_LITE_STATIC_MEMORY', '-DCMSIS_NN']);
    for (const inc of ['third_party/cmsis_nn', 'third_party/cmsis_nn/Include', 'third_party/cmsis/CMSIS/Core/Include']) {
      assert.ok(tree.includeDirs.includes(join(cmsisDir, inc)), inc);
    }
  });

  it('C++ files go to g++ with TFLM release flags, C files to gcc, both with the board CPU flags', async () => {
    const board = await getBoard('qemu-mps2-an386');
    const jobs = tflmCompileJobs(readTflmTree(cmsisDir, 'cmsis_nn', 'tflm-cmsis-nn'), board);
    const conv = jobs.find((j) => j.source.endsWith('kernels/cmsis_nn/conv.cc'))!;
    assert.equal(conv.compiler, 'arm-none-eabi-g++');
    for (const f of [...board.toolchain.cflags, '-std=c++17', '-fno-rtti', '-fno-exceptions', '-DNDEBUG', '-DTF_LITE_STATIC_MEMORY', '-DCMSIS_NN']) assert.ok(conv.flags.includes(f), f);
    const c = jobs.find((j) => j.source.endsWith('arm_convolve_s8.c'))!;
    assert.equal(c.compiler, 'arm-none-eabi-gcc');
    assert.ok(c.flags.includes('-DCMSIS_NN') && c.flags.includes('-DNDEBUG') && !c.flags.includes('-std=c++17'));
    assert.equal(jobs.length, readTflmTree(cmsisDir, 'cmsis_nn', 'tflm-cmsis-nn').sources.length);
  });

  it('a tree of the wrong kernels is refused, naming what is needed', () => {
    assert.throws(() => readTflmTree(refDir, 'cmsis_nn', 'tflm-cmsis-nn'), /reference kernels, tflm-cmsis-nn needs OPTIMIZED_KERNEL_DIR=cmsis_nn/);
    assert.throws(() => readTflmTree(cmsisDir, 'reference', 'tflm'), /CMSIS-NN kernels, tflm needs TFLM's reference kernels/);
    assert.throws(() => readTflmTree(join(root, 'cache'), 'reference', 'tflm'), /not a flattened TFLite-Micro tree/);
  });

  it('trees are found through TFLM_DIR / TFLM_CMSIS_NN_DIR, else in the fetch-tflm.sh cache folder', () => {
    process.env.TINYRACK_TFLM_TREES = root; // holds reference/ and cmsis_nn/, as fetch-tflm.sh writes them
    assert.equal(findTflmTree('reference', 'tflm').dir, refDir);
    assert.equal(findTflmTree('cmsis_nn', 'tflm-cmsis-nn').dir, cmsisDir);
    process.env.TINYRACK_TFLM_TREES = join(root, 'nowhere');
    process.env.TFLM_CMSIS_NN_DIR = cmsisDir;
    assert.equal(findTflmTree('cmsis_nn', 'tflm-cmsis-nn').dir, cmsisDir);
    assert.throws(() => findTflmTree('reference', 'tflm'), /run provisioning\/fetch-tflm\.sh .* or set TFLM_DIR/);
    delete process.env.TFLM_CMSIS_NN_DIR;
  });

  it('without a tree a build fails at once with one error that says how to get one', async () => {
    process.env.TINYRACK_TFLM_TREES = join(root, 'nowhere');
    for (const backend of ['tflm', 'tflm-cmsis-nn'] as const) {
      const reason = await getBackend(backend).unavailable(await getBoard('qemu-mps2-an386'));
      assert.match(reason ?? '', new RegExp(`the ${backend} backend needs a TFLite-Micro source tree .*fetch-tflm\\.sh`));
      await assert.rejects(buildFirmware({ model: 'toycar', board: 'qemu-mps2-an386', backend }), (e: Error) => e.message === reason);
    }
    assert.equal(existsSync(join(root, 'cache', 'builds')), false, 'nothing was built');
  });

  it("a toolchain without C++ headers (Debian's riscv64-unknown-elf) is named before anything is compiled", async () => {
    process.env.TINYRACK_TFLM_TREES = root;
    const board = await getBoard('qemu-riscv32-virt');
    const reason = await getBackend('tflm').unavailable(board);
    assert.match(reason ?? '', /toolchain riscv64-unknown-elf-g\+\+ \(board qemu-riscv32-virt\) has no C\+\+ standard library headers/);
    await assert.rejects(buildFirmware({ model: 'toycar', board: 'qemu-riscv32-virt', backend: 'tflm' }), /riscv64-unknown-elf-g\+\+.*no C\+\+ standard library headers/);
    const objects = join(root, 'cache', 'objects');
    assert.ok(!existsSync(objects) || readdirSync(objects).length === 0, 'no object was compiled');
    assert.equal(await getBackend('aot').unavailable(board), undefined);
    assert.equal(await getBackend('tflm-cmsis-nn').unavailable(board), 'tflm-cmsis-nn kernels are for arm/host targets; board qemu-riscv32-virt is riscv');
  });
});
