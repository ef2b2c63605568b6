// What `tinyrack plan --tiling ...` and `tinyrack infer --tiling ...` do, kept here so the
// command files only gain a few options and one call. Output is the plan report the `plan`
// command prints (firmware/plan/report.ts), built from the tiled graph's plan, plus the tiling
// figures; --export writes the tiled .tflite with its offline plan, --svg the layout picture.
import { writeFileSync } from 'node:fs';
import { parseOne } from './options.ts';
import type { Graph, Op } from '../firmware/ir/graph.ts';
import { formatPlanReport, reportBuffer, type PlanReport } from '../firmware/plan/report.ts';
import { tflmPlannerBytes } from '../firmware/plan/tflm-reference.ts';
import { tileGraph, TILING_MODES, type TilingMode, type TilingResult } from '../firmware/tiling/index.ts';
import { exportTiledModel, hasInternalOps } from '../firmware/tiling/export.ts';
import { planTiled } from '../firmware/tiling/plan-tiled.ts';
import { layoutSvg } from '../firmware/tiling/svg.ts';

export interface TilingCliOptions {
  tiling?: string;
  maxMacOverhead?: string;
  ramBudget?: string;
  export?: string;
  svg?: string;
  planner?: string;
  order?: string;
  streaming?: boolean;
  json?: boolean;
}

/** True when any tiling option was given (the command then takes the tiling route). */
export function wantsTiling(o: TilingCliOptions): boolean {
  return o.tiling !== undefined || o.maxMacOverhead !== undefined || o.ramBudget !== undefined || o.export !== undefined || o.svg !== undefined;
}

function parseFraction(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const x = Number(s.endsWith('%') ? Number(s.slice(0, -1)) / 100 : s);
  if (!Number.isFinite(x) || x < 0) throw new Error(`${flag} must be a fraction >= 0 (e.g. 0.1 or 10%), got "${s}"`);
  return x;
}

/** Bytes with an optional k/K (1000) or KiB/Ki (1024) suffix. */
export function parseBytes(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(k|kb|kib|ki|m|mib|mb)?\s*$/i.exec(s);
  if (!m) throw new Error(`${flag} must be a number of bytes (e.g. 40000, 40k, 39KiB), got "${s}"`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit === '' ? 1 : unit.startsWith('ki') ? 1024 : unit === 'k' || unit === 'kb' ? 1000 : unit.startsWith('mi') ? 1024 * 1024 : 1e6;
  const bytes = Math.round(Number(m[1]) * mult);
  if (bytes <= 0) throw new Error(`${flag} must be positive, got "${s}"`);
  return bytes;
}

export function parseMode(s: string | undefined): TilingMode {
  return parseOne(s ?? 'auto', TILING_MODES, 'tiling');
}

export function tileFromCli(graph: Graph, o: TilingCliOptions, partialSums = true): TilingResult {
  if (o.order !== undefined && o.order !== 'model') throw new Error('--order optimized is not supported together with --tiling (tiled graphs are planned in their rewritten order)');
  const maxMacOverhead = parseFraction(o.maxMacOverhead, '--max-mac-overhead');
  const ramBudget = parseBytes(o.ramBudget, '--ram-budget');
  return tileGraph(graph, {
    mode: parseMode(o.tiling),
    ...(maxMacOverhead !== undefined ? { maxMacOverhead } : {}),
    ...(ramBudget !== undefined ? { ramBudget } : {}),
    ...(o.planner ? { planner: o.planner } : {}),
    // The plan report is the AoT view (and infer runs the interpreter): both run partial sums.
    partialSums,
    streaming: o.streaming === true,
  });
}

export interface TiledPlanReport extends PlanReport {
  tiling: TilingMode;
  untiledPeakBytes: number;
  macs: number;
  untiledMacs: number;
  tilings: TilingResult['tilings'];
  discoveryMs: number;
  /** Tile tensor -> [concat output tensor, byte offset inside it]. */
  inPlace: Record<number, [number, number]>;
  /** With --export: arena bytes of the exported model's offline plan (lowered, no in-place concat). */
  exportPeakBytes?: number;
  /** ResNet blocks computed row by row (firmware/tiling/residual-rows.ts). */
  residualBlocks: number;
  /** Conv chains computed row by row (firmware/tiling/row-chain.ts): layers per chain. */
  rowChains: { stages: number; end?: string }[];
}

export function tiledPlanReport(model: string, mode: TilingMode, r: TilingResult): TiledPlanReport {
  const g = r.graph;
  return {
    model, planner: r.plan.planner, orderMode: 'model', peakBytes: r.peakBytes, lowerBound: r.plan.lowerBound,
    provenOptimal: r.plan.provenOptimal, tflmPlannerBytes: tflmPlannerBytes(model), planMs: Math.round(r.discoveryMs * 1000) / 1000,
    order: r.plan.order,
    buffers: r.plan.buffers.map((b) => reportBuffer(g, b, r.plan.buffers)),
    aliases: {},
    tiling: mode, untiledPeakBytes: r.untiledPeakBytes, macs: r.macs, untiledMacs: r.untiledMacs,
    tilings: r.tilings, discoveryMs: Math.round(r.discoveryMs * 1000) / 1000,
    inPlace: Object.fromEntries(r.plan.inPlace),
    residualBlocks: g.ops.filter((op) => op.kind === 'RESIDUAL_BLOCK').length,
    rowChains: g.ops.filter((op) => op.kind === 'ROW_CHAIN').map((op) => {
      const o = (op as Op<'ROW_CHAIN'>).options;
      return { stages: o.stages.length, ...(o.end ? { end: o.end.kind } : {}) };
    }),
  };
}

export function formatTiledReport(rep: TiledPlanReport): string {
  const lines = [formatPlanReport(rep).trimEnd()];
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  lines.push(`tiling ${rep.tiling}: peak ${rep.untiledPeakBytes.toLocaleString('en-US')} -> ${rep.peakBytes.toLocaleString('en-US')} bytes `
    + `(${pct(rep.peakBytes / rep.untiledPeakBytes - 1)}), MACs ${rep.untiledMacs.toLocaleString('en-US')} -> ${rep.macs.toLocaleString('en-US')} `
    + `(${pct(rep.macs / rep.untiledMacs - 1)}), discovery ${rep.discoveryMs.toFixed(0)} ms`);
  if (rep.exportPeakBytes !== undefined) lines.push(`  exported .tflite (TFLite-Micro offline plan): ${rep.exportPeakBytes.toLocaleString('en-US')} bytes`);
  for (const t of rep.tilings) {
    const how = t.kind === 'fdt' ? `${t.partitions} channel partitions${t.ending === 'partial-sum' ? ' ending in int32 partial sums' : ''}` : `${t.tilesH}x${t.tilesW} tiles`;
    lines.push(`  ${t.kind.toUpperCase()} ${how} over ${t.ops.join(' -> ')}: ${t.peakBefore} -> ${t.peakAfter} bytes, ${t.extraMacs >= 0 ? '+' : ''}${t.extraMacs} MACs`);
  }
  if (rep.residualBlocks > 0) lines.push(`  ${rep.residualBlocks} ResNet blocks computed row by row (RESIDUAL_BLOCK, 0 extra MACs)`);
  for (const c of rep.rowChains) lines.push(`  ${c.stages} conv layers${c.end ? ` and their ${c.end}` : ''} computed row by row (ROW_CHAIN, 0 extra MACs)`);
  if (rep.tilings.length === 0 && rep.residualBlocks === 0 && rep.rowChains.length === 0) lines.push('  no rewrite lowered the peak');
  return `${lines.join('\n')}\n`;
}

/** The whole `plan --tiling` action: tile, report, and write the optional files. */
export function runTiledPlan(graph: Graph, model: string, o: TilingCliOptions): void {
  const r = tileFromCli(graph, o);
  const rep = tiledPlanReport(model, parseMode(o.tiling), r);
  // Exported for TFLite: partial sums lowered, planned for that graph without in-place concat
  // (TFLite-Micro's offline plan cannot express overlapping tensors), so its arena can be larger.
  if (o.export) {
    let ex = exportTiledModel(r.graph, r.plan.planner);
    // Lowered partial sums are concatenations again, and without in-place tiles they can cost
    // TFLite-Micro more than the untiled model (micro_speech: 8016 vs 5968 B). Export whichever
    // is smaller: the lowered graph, or the best tiling found without partial sums.
    if (hasInternalOps(r.graph)) {
      const alt = exportTiledModel(tileFromCli(graph, o, false).graph, r.plan.planner);
      if (alt.plan.peakBytes < ex.plan.peakBytes) ex = alt;
    }
    writeFileSync(o.export, ex.bytes);
    rep.exportPeakBytes = ex.plan.peakBytes;
  }
  if (o.svg) {
    writeFileSync(o.svg, layoutSvg([
      { title: `${model} untiled`, graph, plan: planTiled(graph, { planner: r.plan.planner, streaming: o.streaming === true }) },
      { title: `${model} tiled (${rep.tiling})`, graph: r.graph, plan: r.plan },
    ]));
  }
  process.stdout.write(o.json ? `${JSON.stringify(rep, null, 2)}\n` : formatTiledReport(rep));
}
