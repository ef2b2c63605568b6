// The result `tinyrack plan` prints, as data: a plan plus the names and reference figures a
// reader needs. Kept apart from the command so other commands (and tiling's extensions of
// `plan`) can compute, wrap and print the same object.
import type { Graph } from '../ir/graph.ts';
import { planGraph, type PlanGraphOptions } from './plan-graph.ts';
import { tflmPlannerBytes } from './tflm-reference.ts';
import type { MemoryPlan } from './types.ts';

export interface PlanReportBuffer {
  /** Graph tensor id; absent for kernel scratch. */
  tensor?: number;
  name: string;
  kind: 'activation' | 'scratch';
  offset: number;
  size: number;
  firstOp: number;
  lastOp: number;
  /** Streaming overlap: the tensor whose buffer this one may overlap, and the lag it keeps below it. */
  streamsOver?: { tensor: number; lag: number; lagAbove?: number };
}

/** Report entry of a placed buffer (streamsOver resolved from buffer ids to tensor ids). */
export function reportBuffer(graph: Graph, b: MemoryPlan['buffers'][number], buffers: MemoryPlan['buffers']): PlanReportBuffer {
  const partner = b.streamsOver !== undefined ? buffers[b.streamsOver.id]?.tensor : undefined;
  return {
    tensor: b.tensor,
    name: b.tensor !== undefined ? graph.tensors[b.tensor]!.name : `scratch:${graph.ops[b.op!]!.name}`,
    kind: b.kind, offset: b.offset, size: b.size, firstOp: b.firstOp, lastOp: b.lastOp,
    ...(partner !== undefined ? { streamsOver: { tensor: partner, lag: b.streamsOver!.lag, ...(b.streamsOver!.lagAbove !== undefined ? { lagAbove: b.streamsOver!.lagAbove } : {}) } } : {}),
  };
}

export interface PlanReport {
  model: string;
  planner: string;
  /** 'model', 'optimized' or 'custom' (an explicit order was given). */
  orderMode: string;
  peakBytes: number;
  lowerBound: number;
  provenOptimal: boolean;
  /** TFLite-Micro's planner bytes for this model when measured (model set only). */
  tflmPlannerBytes?: number;
  /** Wall time spent ordering and planning (ms, measured). */
  planMs: number;
  order: number[];
  /** With --order optimized: whether that order is proven to minimize peak live bytes. */
  orderOptimal?: boolean;
  buffers: PlanReportBuffer[];
  aliases: Record<number, number>;
}

export function planReport(graph: Graph, model: string, opts: PlanGraphOptions = {}): { report: PlanReport; plan: MemoryPlan } {
  const t0 = performance.now();
  const plan = planGraph(graph, opts);
  const planMs = performance.now() - t0;
  const orderMode = Array.isArray(opts.order) ? 'custom' : (opts.order ?? 'model') as string;
  const report: PlanReport = {
    model,
    planner: plan.planner,
    orderMode,
    peakBytes: plan.peakBytes,
    lowerBound: plan.lowerBound,
    provenOptimal: plan.provenOptimal,
    tflmPlannerBytes: tflmPlannerBytes(model),
    planMs: Math.round(planMs * 1000) / 1000,
    order: plan.order,
    orderOptimal: plan.orderOptimal,
    buffers: plan.buffers.map((b) => reportBuffer(graph, b, plan.buffers)),
    aliases: plan.aliases,
  };
  return { report, plan };
}

const num = (n: number): string => n.toLocaleString('en-US');
const clip = (s: string, w: number): string => (s.length <= w ? s : `${s.slice(0, w - 1)}…`);

function table(header: string[], rows: string[][], right: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Human-readable table (buffers by offset) and summary. */
export function formatPlanReport(r: PlanReport): string {
  const rows = [...r.buffers]
    .sort((a, b) => a.offset - b.offset || a.firstOp - b.firstOp)
    .map((b) => [
      b.tensor === undefined ? '-' : String(b.tensor), clip(b.name, 48), num(b.size), num(b.offset),
      num(b.offset + b.size), `${b.firstOp}..${b.lastOp}`,
      b.streamsOver === undefined ? '' : `over ${b.streamsOver.tensor} (lag ${num(b.streamsOver.lag)}${b.streamsOver.lagAbove !== undefined ? `, above ${num(b.streamsOver.lagAbove)}` : ''})`,
    ]);
  const out = [table(['tensor', 'name', 'bytes', 'offset', 'end', 'live (positions)', 'streams'], rows, new Set([0, 2, 3, 4]))];
  out.push('');
  out.push(`model ${r.model}: planner ${r.planner}, order ${r.orderMode}, ${r.buffers.length} buffers`);
  const gap = r.peakBytes - r.lowerBound;
  out.push(`arena bytes: ${num(r.peakBytes)}   lower bound: ${num(r.lowerBound)}` +
    (gap === 0 ? ' (reached)' : ` (+${num(gap)})`) + (r.provenOptimal ? '   proven optimal' : ''));
  if (r.tflmPlannerBytes !== undefined) {
    const d = r.peakBytes - r.tflmPlannerBytes;
    out.push(`TFLite-Micro planner: ${num(r.tflmPlannerBytes)} bytes (${d === 0 ? 'same' : d < 0 ? `${num(-d)} less here` : `${num(d)} more here`})`);
  }
  if (Object.keys(r.aliases).length) {
    out.push(`aliased tensors: ${Object.entries(r.aliases).map(([t, root]) => `${t}->${root}`).join(', ')}`);
  }
  const orderNote = r.orderOptimal === undefined ? '' : r.orderOptimal ? ' (proven least live memory)' : ' (best found; search budget reached)';
  out.push(`order${orderNote}: ${r.order.join(' ')}`);
  out.push(`planning time: ${r.planMs.toFixed(2)} ms`);
  return `${out.join('\n')}\n`;
}
