// Automatic path discovery: find the buffers that set the peak, enumerate FDT and FFMT
// candidates around them, evaluate each by actually rewriting and re-planning, keep the best,
// repeat until nothing improves. Greedy, one tiling per round; every figure it compares is a
// real plan of a real rewritten graph, never a model of one.
import type { Graph } from '../ir/graph.ts';
import { opMacs } from '../ir/macs.ts';
import { applyFdt, findFdtPaths } from './fdt.ts';
import { applyFfmt, findFfmtPaths } from './ffmt.ts';
import { planTiled, type TiledPlan } from './plan-tiled.ts';
import type { AppliedTiling } from './types.ts';

export function graphMacs(g: Graph): number {
  let total = 0;
  for (const op of g.ops) total += opMacs(g, op);
  return total;
}

export interface DiscoverOptions {
  fdt: boolean;
  ffmt: boolean;
  /** Extra MACs allowed over `baseMacs` (absolute count). */
  macAllowance: number;
  baseMacs: number;
  planner: string;
  maxRounds: number;
  /** Stop as soon as the peak is at or below this (bytes). */
  stopAt?: number;
}

export interface DiscoverState {
  graph: Graph;
  plan: TiledPlan;
  macs: number;
  tilings: AppliedTiling[];
  evaluated: number;
}

/**
 * Tensors that set the peak: everything live at the schedule positions where the buffer
 * reaching highest in the arena lives and live bytes are largest, plus everything live where
 * the live-bytes maximum (the lower bound) is reached.
 */
export function peakTensors(plan: TiledPlan): Set<number> {
  const bufs = plan.buffers.filter((b) => b.kind === 'activation' && b.size > 0);
  if (bufs.length === 0) return new Set();
  const top = bufs.reduce((a, b) => (b.offset + b.size > a.offset + a.size ? b : a));
  const live = (pos: number): number => bufs.reduce((s, b) => s + (b.firstOp <= pos && pos <= b.lastOp ? b.size : 0), 0);
  const positions = new Set<number>();
  let bestInTop = -1; let bestAll = -1;
  const all: number[] = [];
  for (const b of bufs) all.push(b.firstOp);
  for (const p of new Set(all)) {
    const l = live(p);
    if (l > bestAll) bestAll = l;
  }
  for (let p = top.firstOp; p <= top.lastOp; p++) bestInTop = Math.max(bestInTop, live(p));
  for (let p = top.firstOp; p <= top.lastOp; p++) if (live(p) === bestInTop) positions.add(p);
  for (const p of new Set(all)) if (live(p) === bestAll) positions.add(p);
  const out = new Set<number>();
  for (const b of bufs) {
    for (const p of positions) if (b.firstOp <= p && p <= b.lastOp && b.tensor !== undefined) out.add(b.tensor);
  }
  return out;
}

interface Candidate { kind: 'fdt' | 'ffmt'; ops: number[]; partitions: number; tilesH?: number; tilesW?: number }

const FDT_PARTS = [2, 3, 4, 6, 8, 16];
const FFMT_1D = [2, 3, 4, 6, 8, 12, 16];
const FFMT_GRID: [number, number][] = [[2, 2], [2, 3], [3, 2], [3, 3], [2, 4], [4, 2], [4, 4]];

function touches(g: Graph, ops: number[], tensors: Set<number>, plan: TiledPlan): boolean {
  for (const i of ops) {
    for (const t of [...g.ops[i]!.inputs, ...g.ops[i]!.outputs]) {
      if (t < 0) continue;
      if (tensors.has(t)) return true;
      const root = plan.inPlace.get(t)?.[0];
      if (root !== undefined && tensors.has(root)) return true;
    }
  }
  return false;
}

function candidates(g: Graph, opts: DiscoverOptions, plan: TiledPlan): Candidate[] {
  const hot = peakTensors(plan);
  const out: Candidate[] = [];
  if (opts.fdt) {
    for (const ops of findFdtPaths(g)) {
      if (!touches(g, ops, hot, plan)) continue;
      const last = g.ops[ops[ops.length - 1]!]!;
      const channels = g.tensors[last.outputs[0]!]!.shape.at(-1)!;
      for (const n of FDT_PARTS) if (n <= channels) out.push({ kind: 'fdt', ops, partitions: n });
    }
  }
  if (opts.ffmt) {
    for (const ops of findFfmtPaths(g)) {
      if (!touches(g, ops, hot, plan)) continue;
      const last = g.ops[ops[ops.length - 1]!]!;
      const [, h = 1, w = 1] = g.tensors[last.outputs[0]!]!.shape;
      for (const n of FFMT_1D) {
        if (n <= h) out.push({ kind: 'ffmt', ops, partitions: n, tilesH: n, tilesW: 1 });
        if (n <= w) out.push({ kind: 'ffmt', ops, partitions: n, tilesH: 1, tilesW: n });
      }
      for (const [a, b] of FFMT_GRID) if (a <= h && b <= w) out.push({ kind: 'ffmt', ops, partitions: a * b, tilesH: a, tilesW: b });
    }
  }
  return out;
}

function rewrite(g: Graph, c: Candidate): Graph | undefined {
  return c.kind === 'fdt'
    ? applyFdt(g, { ops: c.ops, partitions: c.partitions })
    : applyFfmt(g, { ops: c.ops, tilesH: c.tilesH!, tilesW: c.tilesW! });
}

/** One greedy round: the best candidate rewrite of `s`, or undefined if none lowers the peak. */
function bestStep(s: DiscoverState, opts: DiscoverOptions): DiscoverState | undefined {
  let best: { g: Graph; plan: TiledPlan; macs: number; c: Candidate } | undefined;
  let evaluated = 0;
  for (const c of candidates(s.graph, opts, s.plan)) {
    const g = rewrite(s.graph, c);
    if (!g) continue;
    const macs = graphMacs(g);
    if (macs - opts.baseMacs > opts.macAllowance) continue;
    const plan = planTiled(g, { planner: opts.planner });
    evaluated++;
    if (plan.peakBytes >= s.plan.peakBytes) continue;
    if (!best || plan.peakBytes < best.plan.peakBytes
      || (plan.peakBytes === best.plan.peakBytes && (macs < best.macs || (macs === best.macs && g.ops.length < best.g.ops.length)))) {
      best = { g, plan, macs, c };
    }
  }
  s.evaluated += evaluated;
  if (!best) return undefined;
  const c = best.c;
  const applied: AppliedTiling = {
    kind: c.kind, ops: c.ops.map((i) => s.graph.ops[i]!.name), partitions: c.partitions,
    ...(c.kind === 'ffmt' ? { tilesH: c.tilesH!, tilesW: c.tilesW! } : {}),
    peakBefore: s.plan.peakBytes, peakAfter: best.plan.peakBytes, extraMacs: best.macs - s.macs,
  };
  return { graph: best.g, plan: best.plan, macs: best.macs, tilings: [...s.tilings, applied], evaluated: s.evaluated };
}

export function discover(graph: Graph, opts: DiscoverOptions): DiscoverState {
  let s: DiscoverState = { graph, plan: planTiled(graph, { planner: opts.planner }), macs: graphMacs(graph), tilings: [], evaluated: 0 };
  for (let round = 0; round < opts.maxRounds; round++) {
    if (opts.stopAt !== undefined && s.plan.peakBytes <= opts.stopAt) break;
    const next = bestStep(s, opts);
    if (!next) break;
    s = next;
  }
  return s;
}
