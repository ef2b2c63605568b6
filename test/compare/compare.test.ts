// `tinyrack compare`: 2 models x 2 boards x every backend x 2 tilings, run for real on QEMU
// (backends without a TFLite-Micro tree or a C++ toolchain are rows marked unavailable with the
// reason); the best marks and Pareto sets checked by brute force; the HTML page rendered in real
// headless Chromium: it loads, every configuration that ran is one point, the front is right.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBoard } from '../../boards/index.ts';
import { getBackend } from '../../firmware/build/index.ts';
import { runCompare, type CompareRow } from '../../firmware/compare/index.ts';
import { formatCompareCsv, formatCompareTable } from '../../firmware/compare/format.ts';
import { compareHtml, configId } from '../../firmware/compare/html.ts';
import { bestBy, paretoFront } from '../../firmware/compare/pareto.ts';
import { BACKENDS } from '../../wire/vocabulary.ts';

const CHROMIUM = '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'tr-compare-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

describe('Pareto set and best marks', () => {
  it('keeps exactly the non-dominated points (ties kept), best by each axis with the other as tie-break', () => {
    const pts = [{ count: 10, ramBytes: 50 }, { count: 20, ramBytes: 30 }, { count: 20, ramBytes: 40 }, { count: 5, ramBytes: 90 }, { count: 20, ramBytes: 30 }, { count: 40, ramBytes: 30 }];
    assert.deepEqual(paretoFront(pts), [0, 1, 3, 4]);
    assert.equal(bestBy(pts, 'count'), 3);
    assert.equal(bestBy(pts, 'ramBytes'), 1);
    assert.deepEqual(paretoFront([]), []);
  });
});

describe('compare: 2 models x 2 boards x backends x 2 tilings', () => {
  const models = ['toycar', 'micro_speech'];
  const boards = ['qemu-mps2-an386', 'qemu-riscv32-virt'];
  let rows: CompareRow[] = [];
  before(async () => {
    rows = await runCompare({ models, boards, backends: [...BACKENDS], tilings: ['none', 'auto'], arithmetics: ['reference'], reps: 1 });
  });

  it('has one row per combination; what cannot run here says why; what ran matched the interpreter', async () => {
    assert.equal(rows.length, models.length * boards.length * BACKENDS.length * 2);
    for (const r of rows) {
      const why = await getBackend(r.backend).unavailable(await getBoard(r.board));
      if (why) {
        assert.equal(r.status, 'unavailable', configId(r));
        assert.equal(r.reason, why);
        continue;
      }
      assert.equal(r.status, 'ok', `${configId(r)}: ${r.reason}`);
      assert.equal(r.outputsMatch, true);
      assert.equal(r.counter, 'instructions');
      // QEMU counts instructions: the latency from them is modelled and says so.
      assert.equal(r.latencyEstimated, true, configId(r));
      assert.equal(r.ramBytes, r.arenaBytes! + r.stackBytes! + r.heapBytes!);
      assert.ok(r.count! > 0 && r.romBytes! > 0 && r.stackBytes! > 0);
    }
    // The AoT backend runs everywhere here; micro_speech tiles (auto) below its untiled arena.
    const aot = (m: string, b: string, t: string) => rows.find((r) => r.model === m && r.board === b && r.backend === 'aot' && r.tiling === t)!;
    for (const b of boards) assert.ok(aot('micro_speech', b, 'auto').arenaBytes! < aot('micro_speech', b, 'none').arenaBytes!);
  });

  it('marks the fastest, the least RAM and the Pareto set per model and board (brute force)', () => {
    for (const m of models) for (const b of boards) {
      const g = rows.filter((r) => r.model === m && r.board === b && r.status === 'ok');
      assert.ok(g.length >= 2);
      const minCount = Math.min(...g.map((r) => r.count!));
      const minRam = Math.min(...g.map((r) => r.ramBytes!));
      assert.equal(g.filter((r) => r.fastest).length, 1);
      assert.equal(g.find((r) => r.fastest)!.count, minCount);
      assert.equal(g.filter((r) => r.smallest).length, 1);
      assert.equal(g.find((r) => r.smallest)!.ramBytes, minRam);
      for (const r of g) {
        const dominated = g.some((q) => q !== r && q.count! <= r.count! && q.ramBytes! <= r.ramBytes! && (q.count! < r.count! || q.ramBytes! < r.ramBytes!));
        assert.equal(r.pareto, !dominated, configId(r));
      }
    }
    for (const r of rows.filter((x) => x.status !== 'ok')) assert.equal(r.pareto, undefined);
  });

  it('prints a table with numbered reasons, and CSV with one line per row', () => {
    const t = formatCompareTable(rows);
    const unavailable = rows.filter((r) => r.status === 'unavailable');
    if (unavailable.length) assert.match(t, /unavailable \[1\]/);
    for (const r of new Set(unavailable.map((x) => x.reason))) assert.ok(t.includes(`] ${r}`));
    const csv = formatCompareCsv(rows).trim().split('\n');
    assert.equal(csv.length, rows.length + 1);
    assert.match(csv[0]!, /^model,board,backend,tiling,arithmetic,status,reason,counter,count,/);
  });

  it('writes a self-contained page that renders in headless Chromium: a point per configuration, the front right', (t) => {
    if (!existsSync(CHROMIUM)) return t.skip(`${CHROMIUM} not installed (provisioning/install.sh installs it)`);
    const html = compareHtml(rows, { title: 'compare test' });
    assert.doesNotMatch(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, ''), /https?:\/\/|<script|<link/, 'no network, no script');
    const page = join(dir, 'report.html');
    writeFileSync(page, html);
    const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${page}`],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.status, 0, r.stderr);
    const dom = r.stdout;
    assert.match(dom, /<h1>compare test<\/h1>/);
    // Every configuration is a table row; every one that ran is exactly one point in its model's chart.
    for (const row of rows) {
      const id = configId(row).replace(/&/g, '&amp;');
      assert.equal(dom.split(`<tr data-config="${id}"`).length - 1, 1, `table row ${id}`);
      const points = [...dom.matchAll(new RegExp(`<circle class="point" data-config="${id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" data-pareto="(\\d)"`, 'g'))];
      if (row.status === 'ok') {
        assert.equal(points.length, 1, `point ${id}`);
        assert.equal(points[0]![1], row.pareto ? '1' : '0', `front ${id}`);
      } else {
        assert.equal(points.length, 0, `no point for ${id}`);
      }
    }
    for (const m of models) assert.equal(dom.split(`data-model="${m}"`).length - 1, 1, `one chart for ${m}`);
    assert.equal([...dom.matchAll(/<circle class="point"/g)].length, rows.filter((x) => x.status === 'ok').length);
  });
});

describe('tinyrack compare (CLI)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/tinyrack.mjs', 'compare', ...args], { encoding: 'utf8', timeout: 300_000 });
  it('--json and --html together; a physical board or an unknown backend is one clear error', () => {
    const html = join(dir, 'cli.html');
    const r = cli('--model', 'sine_model', '--board', 'qemu-mps2-an386', '--backend', 'aot,tflm', '--tiling', 'none', '--json', '--html', html);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as CompareRow[];
    assert.deepEqual(rows.map((x) => [x.backend, x.status === 'ok' || x.status === 'unavailable']), [['aot', true], ['tflm', true]]);
    assert.equal(rows[0]!.status, 'ok');
    assert.match(readFileSync(html, 'utf8'), /data-config="sine_model\/qemu-mps2-an386\/aot\/none\/reference"/);
    const phys = cli('--model', 'toycar', '--board', 'nucleo-f446re');
    assert.equal(phys.status, 1);
    assert.match(phys.stderr, /board nucleo-f446re is physical/);
    const bad = cli('--model', 'toycar', '--board', 'qemu-mps2-an386', '--backend', 'tvm');
    assert.match(bad.stderr, /unknown backend "tvm"/);
    const arith = cli('--model', 'toycar', '--board', 'qemu-mps2-an386', '--backend', 'tflm', '--arithmetic', 'xnnpack', '--tiling', 'none', '--json');
    assert.equal(arith.status, 0, arith.stderr);
    assert.match(JSON.parse(arith.stdout)[0].reason, /tflm computes TFLite-Micro's fixed-point reference arithmetic only/);
  });
});

describe('compare: AoT kernel goals', () => {
  it('speed and size are separate AoT rows: the same outputs, size with the smaller ROM and stack, TFLM rows carry no goal', async () => {
    const rows = await runCompare({
      models: ['toycar'], boards: ['qemu-mps2-an386'], backends: ['aot', 'tflm'], tilings: ['none'], arithmetics: ['reference'],
      optimizes: ['speed', 'size'],
    });
    const aot = rows.filter((r) => r.backend === 'aot');
    assert.deepEqual(aot.map((r) => [r.optimize, r.status, r.outputsMatch]), [['speed', 'ok', true], ['size', 'ok', true]]);
    const [speed, size] = aot as [CompareRow, CompareRow];
    // Pre-widened weights: the speed build holds the FC weights as 16-bit pairs and widens inputs on the stack.
    assert.ok(size.romBytes! < speed.romBytes!, `ROM size ${size.romBytes} vs speed ${speed.romBytes}`);
    assert.ok(size.count! > speed.count!, `count size ${size.count} vs speed ${speed.count}`);
    assert.notEqual(configId(speed), configId(size));
    assert.match(formatCompareTable(rows), /aot \(size\)/);
    assert.equal(rows.find((r) => r.backend === 'tflm')!.optimize, undefined);
  });
});
