// Automatic path discovery: find the buffers that set the peak, enumerate FDT and FFMT
// candidates around them, evaluate each by actually rewriting and re-planning, keep the best,
// repeat until nothing improves. Greedy, one tiling per round; every figure it compares is a
// real plan of a real rewritten graph, never a model of one.
import type { Graph } from '../ir/graph.ts';
import { graphMacs } from '../ir/macs.ts';
import { applyFdt, findFdtPaths } from './fdt.ts';
import { applyFdtPartial, findFdtPartialPaths } from './fdt-partial.ts';
import { applyFfmtPool, globalPoolAfter } from './ffmt-pool.ts';
import { applyFfmt, ffmtChainMacs, findFfmtPaths } from './ffmt.ts';
import { planTiled, tiledRequests, type TiledPlan, type TiledRequests } from './plan-tiled.ts';
import type { AppliedTiling } from './types.ts';

/** MACs of one op; a PARTIAL_SUM counts the multiply-accumulates of its slice of the base op. */

/** Local-search moves per candidate plan (heuristic planner): the final plan gets the full search. */
const SEARCH_MOVES = 100;

/** One MAC counter for the whole compiler (firmware/ir/macs.ts); re-exported for the tiling API. */
export { graphMacs } from '../ir/macs.ts';

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
  /** States kept per round (1 = greedy). */
  beam?: number;
  /** Consider FDT paths ending in int32 partial sums (default true; internal ops, AoT only). */
  partialSums?: boolean;
  /** Plan with RESHAPE outputs aliased to their inputs (AoT only). */
  aliasReshape?: boolean;
  /** Plan with op outputs streaming over the input they consume last (AoT only). */
  streaming?: boolean;
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

interface Candidate { kind: 'fdt' | 'ffmt'; ops: number[]; partitions: number; tilesH?: number; tilesW?: number; partialSum?: boolean; poolEnding?: boolean }

const FDT_PARTS = [2, 3, 4, 6, 8, 16];
/** Tile counts per axis; every H x W combination (1-D and grids) is a candidate. */
const FFMT_TILES = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16];
/** More tiles than this make graphs of thousands of ops for a few bytes: not considered. */
const MAX_TILES = 64;

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
    if (opts.partialSums !== false) {
      for (const ops of findFdtPartialPaths(g)) {
        if (!touches(g, ops, hot, plan)) continue;
        const pathEnd = ops.filter((i) => g.ops[i]!.kind !== 'RESHAPE').at(-2)!;
        const channels = g.tensors[g.ops[pathEnd]!.outputs[0]!]!.shape.at(-1)!;
        for (const n of FDT_PARTS) if (n <= channels) out.push({ kind: 'fdt', ops, partitions: n, partialSum: true });
      }
    }
  }
  if (opts.ffmt) {
    for (const ops of findFfmtPaths(g)) {
      if (!touches(g, ops, hot, plan)) continue;
      const last = g.ops[ops[ops.length - 1]!]!;
      const [, h = 1, w = 1] = g.tensors[last.outputs[0]!]!.shape;
      const pool = opts.partialSums === true && globalPoolAfter(g, ops[ops.length - 1]!) >= 0;
      for (const a of FFMT_TILES) {
        for (const b of FFMT_TILES) {
          if (a * b > 1 && a <= h && b <= w) {
            out.push({ kind: 'ffmt', ops, partitions: a * b, tilesH: a, tilesW: b });
            // The same tiles summed straight into a following global average pool.
            if (pool) out.push({ kind: 'ffmt', ops, partitions: a * b, tilesH: a, tilesW: b, poolEnding: true });
          }
        }
      }
    }
  }
  return out;
}

function rewrite(g: Graph, c: Candidate): Graph | undefined {
  if (c.partialSum) return applyFdtPartial(g, { ops: c.ops, partitions: c.partitions });
  if (c.poolEnding) return applyFfmtPool(g, { ops: c.ops, tilesH: c.tilesH!, tilesW: c.tilesW! });
  return c.kind === 'fdt'
    ? applyFdt(g, { ops: c.ops, partitions: c.partitions })
    : applyFfmt(g, { ops: c.ops, tilesH: c.tilesH!, tilesW: c.tilesW! });
}

/** A scored rewrite of a state. */
interface Child { g: Graph; plan: TiledPlan; macs: number; c: Candidate }

function better(a: Child, b: Child): boolean {
  if (a.plan.peakBytes !== b.plan.peakBytes) return a.plan.peakBytes < b.plan.peakBytes;
  if (a.macs !== b.macs) return a.macs < b.macs;
  return a.g.ops.length < b.g.ops.length;
}

/**
 * The `keep` best candidate rewrites of `s` that lower its peak within the MAC allowance, best
 * first. Candidates are planned in order of their live-bytes lower bound, and planning stops
 * once that bound exceeds the keep-th best peak found: no plan can beat its lower bound.
 */
function children(s: DiscoverState, opts: DiscoverOptions, keep: number, counter: { evaluated: number }): Child[] {
  const pending: { g: Graph; macs: number; c: Candidate; req: TiledRequests }[] = [];
  for (const c of candidates(s.graph, opts, s.plan)) {
    if (c.partitions > MAX_TILES) continue;
    if (c.kind === 'ffmt') {
      // Cheap pre-check of the halo cost from tile arithmetic (exact count checked below).
      const m = ffmtChainMacs(s.graph, { ops: c.ops, tilesH: c.tilesH!, tilesW: c.tilesW! });
      if (!m || s.macs + m.tiled - m.original - opts.baseMacs > opts.macAllowance) continue;
    }
    const g = rewrite(s.graph, c);
    if (!g) continue;
    const macs = graphMacs(g);
    if (macs - opts.baseMacs > opts.macAllowance) continue;
    counter.evaluated++;
    // Both layouts of the tile outputs: inside the concat output (in place: the output is
    // reserved from the first tile on) or separate (tiles pile up, output appears at the end).
    const engine = { aliasReshape: opts.aliasReshape === true, streaming: opts.streaming === true };
    const inPlace = tiledRequests(g, { inPlaceConcat: true, ...engine });
    const variants = inPlace.inPlace.size > 0 ? [inPlace, tiledRequests(g, { inPlaceConcat: false, ...engine })] : [inPlace];
    for (const req of variants) if (req.lowerBound < s.plan.peakBytes) pending.push({ g, macs, c, req });
  }
  pending.sort((a, b) => a.req.lowerBound - b.req.lowerBound || a.macs - b.macs);
  const out: Child[] = [];
  for (const p of pending) {
    if (out.length >= keep && p.req.lowerBound > out[keep - 1]!.plan.peakBytes) break;
    const plan = planTiled(p.g, { planner: opts.planner, localSearchMoves: SEARCH_MOVES }, p.req);
    if (plan.peakBytes >= s.plan.peakBytes) continue;
    out.push({ g: p.g, plan, macs: p.macs, c: p.c });
    out.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  }
  return out.slice(0, keep);
}

function step(s: DiscoverState, child: Child): DiscoverState {
  const { c } = child;
  const applied: AppliedTiling = {
    kind: c.kind, ops: c.ops.map((i) => s.graph.ops[i]!.name), partitions: c.partitions,
    ...(c.partialSum || c.poolEnding ? { ending: 'partial-sum' as const } : {}),
    ...(c.kind === 'ffmt' ? { tilesH: c.tilesH!, tilesW: c.tilesW! } : {}),
    peakBefore: s.plan.peakBytes, peakAfter: child.plan.peakBytes, extraMacs: child.macs - s.macs,
  };
  return { graph: child.g, plan: child.plan, macs: child.macs, tilings: [...s.tilings, applied], evaluated: 0 };
}

/**
 * Beam search over sequences of rewrites: each round expands every kept state by all its
 * improving rewrites and keeps the `beam` best distinct results (by peak, then MACs). With
 * beam 1 this is plain greedy; a wider beam lets a cheaper first rewrite leave MAC budget for a
 * second one. Stops when a round improves nothing or at maxRounds.
 */
export function discover(graph: Graph, opts: DiscoverOptions): DiscoverState {
  const counter = { evaluated: 0 };
  const start: DiscoverState = { graph, plan: planTiled(graph, { planner: opts.planner, aliasReshape: opts.aliasReshape === true, streaming: opts.streaming === true }), macs: graphMacs(graph), tilings: [], evaluated: 0 };
  let best = start;
  let beam: DiscoverState[] = [start];
  const width = opts.beam ?? 1;
  for (let round = 0; round < opts.maxRounds && beam.length > 0; round++) {
    if (opts.stopAt !== undefined && best.plan.peakBytes <= opts.stopAt) break;
    const next: { parent: DiscoverState; child: Child }[] = [];
    for (const s of beam) for (const child of children(s, opts, width, counter)) next.push({ parent: s, child });
    next.sort((a, b) => (better(a.child, b.child) ? -1 : better(b.child, a.child) ? 1 : 0));
    const seen = new Set<string>();
    beam = [];
    for (const { parent, child } of next) {
      const key = `${child.plan.peakBytes}/${child.macs}/${child.g.ops.length}`;
      if (seen.has(key)) continue;
      seen.add(key);
      beam.push(step(parent, child));
      if (beam.length >= width) break;
    }
    if (beam.length && (beam[0]!.plan.peakBytes < best.plan.peakBytes
      || (beam[0]!.plan.peakBytes === best.plan.peakBytes && beam[0]!.macs < best.macs))) best = beam[0]!;
  }
  return { ...best, evaluated: counter.evaluated };
}
