// npm run bench:tiling — per model: peak activation bytes untiled / FDT-only / FFMT / auto
// (greedy planner, TFLM lifetimes and alignment), MAC overhead, discovery time (wall clock on
// this machine, discovery + every trial re-plan), and ratios to TFLite-Micro's own planner
// figures. Modes ending in "+ps" let FDT paths end in int32 partial sums (internal ops: the
// interpreter and the AoT backend run them); "export" is the arena of the .tflite that
// exportTiledModel writes for TFLite-Micro (partial sums lowered, no in-place concatenation).
// Modes ending in "+stream" are the AoT engine (what `tinyrack build --backend aot` uses):
// partial sums, aliased reshapes, streaming overlaps (firmware/plan/streaming.ts) and row-by-row
// residual blocks (firmware/tiling/residual-rows.ts), planned with the heuristic planner.
// Writes bench/results/tiling.json and bench/results/tiling.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { loadModel } from '../firmware/model/reader.ts';
import { manifest, modelNames, modelPath } from '../firmware/model-set/index.ts';
import { tflmPlannerBytes } from '../firmware/plan/tflm-reference.ts';
import { exportTiledModel, tileGraph, type TilingMode } from '../firmware/tiling/index.ts';
import { tensorBytes, type Graph, type RowChainOptions } from '../firmware/ir/graph.ts';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'results');
const MAX_OVERHEAD = Number(process.env.TILING_MAX_MAC_OVERHEAD ?? 0.1);
const MODES = ['fdt', 'ffmt', 'auto', 'fdt+ps', 'auto+ps', 'auto+ps+alias', 'fdt+ps+alias+stream', 'auto+ps+alias+stream'] as const;

interface ModeRow { untiledPeakBytes: number; tilingsText: string; exportPeakBytes: number; partialSumEndings: number; peakBytes: number; macs: number; macOverhead: number; discoveryMs: number; evaluated: number; tilings: number; ops: number; copyBytes: number; ratioToTflm?: number }

/** Bytes written by pure data-movement ops the rewrite added (slices, pads, concatenations). */
function copyBytes(g: Graph): number {
  let total = 0;
  for (const op of g.ops) {
    if (op.kind === 'STRIDED_SLICE' || op.kind === 'PAD' || op.kind === 'CONCATENATION') total += tensorBytes(g.tensors[op.outputs[0]!]!);
  }
  return total;
}
function residualBlocks(g: Graph): number {
  return g.ops.filter((op) => op.kind === 'RESIDUAL_BLOCK').length;
}
/** Stages of each ROW_CHAIN (firmware/tiling/row-chain.ts), and whether it has a pool / FC end. */
function rowChains(g: Graph): string[] {
  return g.ops.filter((op) => op.kind === 'ROW_CHAIN').map((op) => {
    const o = op.options as RowChainOptions;
    return `row chain of ${o.stages.length} conv${o.stages.length === 1 ? '' : 's'}${o.end ? ` + ${o.end.kind === 'AVERAGE_POOL_2D' ? 'pool' : 'FC'}` : ''}`;
  });
}
interface Row { model: string; dtype: string; tflmPlannerBytes?: number; untiledPeakBytes: number; untiledMacs: number; modes: Record<string, ModeRow> }

const rows: Row[] = [];
for (const model of modelNames()) {
  const graph = loadModel(modelPath(model));
  const tflm = tflmPlannerBytes(model);
  const row: Row = { model, dtype: manifest()[model]!.dtype, ...(tflm ? { tflmPlannerBytes: tflm } : {}), untiledPeakBytes: 0, untiledMacs: 0, modes: {} };
  for (const mode of MODES) {
    const partialSums = mode.includes('+ps');
    const aliasReshape = mode.includes('+alias');
    const streaming = mode.endsWith('+stream');
    const r = tileGraph(graph, { mode: mode.split('+')[0] as TilingMode, maxMacOverhead: MAX_OVERHEAD, partialSums, aliasReshape, streaming });
    const exported = exportTiledModel(r.graph);
    if (!streaming) { row.untiledPeakBytes = r.untiledPeakBytes; row.untiledMacs = r.untiledMacs; }
    row.modes[mode] = {
      untiledPeakBytes: r.untiledPeakBytes,
      tilingsText: [
        ...r.tilings.map((t) => `${t.kind}${t.ending === 'partial-sum' ? '+ps' : ''} ${t.kind === 'ffmt' ? `${t.tilesH}x${t.tilesW}` : t.partitions} over ${t.ops.length} ops`),
        // Row-by-row residual blocks (firmware/tiling/residual-rows.ts) are fused before discovery.
        ...(residualBlocks(r.graph) ? [`${residualBlocks(r.graph)} residual blocks by rows`] : []),
        ...rowChains(r.graph),
      ].join('; '),
      exportPeakBytes: exported.plan.peakBytes, partialSumEndings: r.tilings.filter((t) => t.ending === 'partial-sum').length,
      peakBytes: r.peakBytes, macs: r.macs, macOverhead: r.macs / r.untiledMacs - 1,
      discoveryMs: Math.round(r.discoveryMs), evaluated: r.evaluated, tilings: r.tilings.length,
      ops: r.graph.ops.length, copyBytes: copyBytes(r.graph) - copyBytes(graph),
      ...(tflm ? { ratioToTflm: r.peakBytes / tflm } : {}),
    };
    process.stderr.write(`${model} ${mode}: ${r.untiledPeakBytes} -> ${r.peakBytes} B, MACs ${((r.macs / r.untiledMacs - 1) * 100).toFixed(2)}%, ${Math.round(r.discoveryMs)} ms\n`);
  }
  rows.push(row);
}

const geo = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const int8 = rows.filter((r) => r.dtype === 'int8' && r.tflmPlannerBytes);
const summary = {
  maxMacOverhead: MAX_OVERHEAD,
  geomeanAutoRatioInt8: geo(int8.map((r) => r.modes.auto!.ratioToTflm!)),
  geomeanFdtRatioInt8: geo(int8.map((r) => r.modes.fdt!.ratioToTflm!)),
  geomeanAutoPsRatioInt8: geo(int8.map((r) => r.modes['auto+ps']!.ratioToTflm!)),
  geomeanAutoPsAliasRatioInt8: geo(int8.map((r) => r.modes['auto+ps+alias']!.ratioToTflm!)),
  geomeanStreamOnlyRatioInt8: geo(int8.map((r) => r.modes['auto+ps+alias+stream']!.untiledPeakBytes / r.tflmPlannerBytes!)),
  geomeanFdtStreamRatioInt8: geo(int8.map((r) => r.modes['fdt+ps+alias+stream']!.ratioToTflm!)),
  geomeanAutoStreamRatioInt8: geo(int8.map((r) => r.modes['auto+ps+alias+stream']!.ratioToTflm!)),
  geomeanAutoExportRatioInt8: geo(int8.map((r) => r.modes.auto!.exportPeakBytes / r.tflmPlannerBytes!)),
  maxDiscoveryMs: Math.max(...rows.flatMap((r) => MODES.map((m) => r.modes[m]!.discoveryMs))),
};

// aww (every layer 8000 B in and out): the only cut below 16000 B found is FFMT from the first
// conv down to the global average pool with the pool's partial sums; its halos cost MACs, so
// measure the peak against the MAC allowance.
const SWEEP = [0.1, 0.25, 0.5, 1, 2, 4];
const awwGraph = loadModel(modelPath('aww'));
const awwSweep = SWEEP.map((cap) => {
  const r = tileGraph(awwGraph, { mode: 'auto', maxMacOverhead: cap, partialSums: true, aliasReshape: true, streaming: true });
  process.stderr.write(`aww AoT engine cap ${cap}: ${r.peakBytes} B, MACs ${((r.macs / r.untiledMacs - 1) * 100).toFixed(1)}%\n`);
  return {
    maxMacOverhead: cap, peakBytes: r.peakBytes, macOverhead: r.macs / r.untiledMacs - 1, discoveryMs: Math.round(r.discoveryMs),
    tilings: r.tilings.map((t) => `${t.kind}${t.ending === 'partial-sum' ? '+ps' : ''} ${t.tilesH ?? t.partitions}x${t.tilesW ?? 1} over ${t.ops.length} ops`),
  };
});

mkdirSync(OUT, { recursive: true });
const meta = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, planner: 'greedy (heuristic for +stream modes)' };
writeFileSync(join(OUT, 'tiling.json'), JSON.stringify({ meta, summary, rows, awwSweep }, null, 2) + '\n');

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const ratio = (x?: number): string => (x === undefined ? '–' : `${x.toFixed(2)}x`);
const lines = [
  '# Tiling benchmark',
  '',
  `Measured ${meta.date} on ${meta.cpus} cores (${meta.cpu}), Node ${meta.node}. Planner: greedy (TFLite-Micro's`,
  'algorithm and lifetimes, 16-byte alignment); tiles concatenated in place or separately, whichever plans smaller. Peak = arena bytes',
  `for activations. auto/ffmt allow at most ${pct(MAX_OVERHEAD)} extra MACs; FDT adds none. Ratios are to`,
  "TFLite-Micro's planner bytes for the untiled model (../shared/models/README.md). Discovery time is wall clock",
  'for the whole search (every candidate rewritten, bounded by its live bytes, and re-planned unless the bound rules it out), measured here.',
  '"auto copy bytes": bytes written per inference by the STRIDED_SLICE / PAD / CONCATENATION ops tiling added (counted',
  'from the tiled graph; their cycle cost is not measured here).',
  '',
  '| model | dtype | TFLM bytes | untiled | FDT-only | FDT+ps | FFMT | auto | auto+ps | auto+ps/TFLM | auto+ps MACs | auto+ps ops | auto copy bytes | auto export (TFLM plan) | discovery (auto+ps) | auto+ps+alias (AoT) |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => { const a = r.modes['auto+ps']!; return `| ${r.model} | ${r.dtype} | ${r.tflmPlannerBytes ?? '–'} | ${r.untiledPeakBytes} | ${r.modes.fdt!.peakBytes} | ${r.modes['fdt+ps']!.peakBytes}${r.modes['fdt+ps']!.partialSumEndings ? ' (ps)' : ''} | ${r.modes.ffmt!.peakBytes} (${pct(r.modes.ffmt!.macOverhead)}) | ${r.modes.auto!.peakBytes} | ${a.peakBytes}${a.partialSumEndings ? ' (ps)' : ''} | ${ratio(a.ratioToTflm)} | ${pct(a.macOverhead)} | ${a.ops} | ${r.modes.auto!.copyBytes} | ${r.modes.auto!.exportPeakBytes} | ${a.discoveryMs} ms | ${r.modes['auto+ps+alias']!.peakBytes} (${ratio(r.modes['auto+ps+alias']!.ratioToTflm)}) |`; }),
  '',
  '"(ps)": discovery chose at least one partial-sum ending. "auto export": arena of the exported .tflite for the `auto`',
  'result (no partial sums, tiles not in place) — what TFLite-Micro gets through OfflineMemoryAllocation.',
  '"auto+ps+alias": RESHAPE outputs planned in their input\'s buffer (the AoT backend then emits no copy; TFLite-Micro',
  'copies, so this column is for AoT builds only).',
  '',
  `Geometric mean over int8 models of auto / TFLM: **${summary.geomeanAutoRatioInt8.toFixed(3)}x**; auto+ps (AoT): **${summary.geomeanAutoPsRatioInt8.toFixed(3)}x**; `
    + `auto+ps+alias (AoT): **${summary.geomeanAutoPsAliasRatioInt8.toFixed(3)}x**; `
    + `FDT-only: ${summary.geomeanFdtRatioInt8.toFixed(3)}x; auto exported for TFLite-Micro: ${summary.geomeanAutoExportRatioInt8.toFixed(3)}x.`,
  `Slowest discovery: ${summary.maxDiscoveryMs} ms.`,
  '',
  '## AoT engine: tiling + partial sums + aliased reshapes + streaming overlaps',
  '',
  'What `tinyrack build --backend aot --tiling fdt|auto` plans. Streaming: an op output may share bytes with the input it',
  'reads for the last time, starting `lag` bytes below it, where the lag is what the C kernel\'s write order needs',
  '(firmware/plan/streaming.ts; every pair proven on the C kernels in test/codegen/aot-streaming.test.ts). Planner: heuristic',
  '(five placement orders + local search; TFLM\'s size order alone rarely lets an output sit below its input).',
  '"stream only": the untiled graph planned with streaming. FDT+stream and auto+stream also compute ResNet blocks row by',
  'row (firmware/tiling/residual-rows.ts: "residual blocks by rows" in the rewrites column; 0 extra MACs), and chains of',
  'convs with a pool / FC end row by row (firmware/tiling/row-chain.ts: "row chain"; 0 extra MACs; chains that run a',
  'layer pixel by pixel cost instructions, so FDT takes only whole-row ones). TFLite-Micro',
  'builds cannot use streaming (its kernels\' write order is not ours to guarantee), so these figures are for AoT builds.',
  '',
  '| model | dtype | TFLM bytes | stream only | /TFLM | FDT+stream (0 MACs) | /TFLM | auto+stream | /TFLM | extra MACs | rewrites | discovery |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
  ...rows.map((r) => {
    const f = r.modes['fdt+ps+alias+stream']!; const a = r.modes['auto+ps+alias+stream']!;
    const t = r.tflmPlannerBytes;
    return `| ${r.model} | ${r.dtype} | ${t ?? '–'} | ${a.untiledPeakBytes} | ${ratio(t ? a.untiledPeakBytes / t : undefined)} | ${f.peakBytes} | ${ratio(f.ratioToTflm)} | ${a.peakBytes} | ${ratio(a.ratioToTflm)} | ${pct(a.macOverhead)} | ${a.tilingsText || '–'} | ${a.discoveryMs} ms |`;
  }),
  '',
  `Geometric mean over int8 models / TFLM: stream only **${summary.geomeanStreamOnlyRatioInt8.toFixed(3)}x**; `
    + `FDT+stream (0 extra MACs) **${summary.geomeanFdtStreamRatioInt8.toFixed(3)}x**; auto+stream **${summary.geomeanAutoStreamRatioInt8.toFixed(3)}x**.`,
  '',
  '## aww: peak against the MAC allowance (AoT engine)',
  '',
  '| max extra MACs | peak bytes | /TFLM | extra MACs | discovery | rewrites |',
  '|---:|---:|---:|---:|---:|---|',
  ...awwSweep.map((x) => `| ${pct(x.maxMacOverhead)} | ${x.peakBytes} | ${ratio(x.peakBytes / 16000)} | ${pct(x.macOverhead)} | ${x.discoveryMs} ms | ${x.tilings.join('; ') || '–'} |`),
  '',
];
writeFileSync(join(OUT, 'tiling.md'), lines.join('\n'));
process.stdout.write(lines.join('\n'));
