// One call from a graph to a verified memory plan: pick an order, derive buffer lifetimes,
// run the named planner, check the layout. Everything downstream (codegen, `tinyrack plan`,
// tiling's path search, benchmarks) goes through here or through planBuffers().
import type { Graph } from '../ir/graph.ts';
import { lowerBound, peakOf } from './bounds.ts';
import { bufferLifetimes, type LifetimeOptions } from './lifetimes.ts';
import { getPlanner } from './registry.ts';
import { modelOrder, optimizeOrder } from './schedule.ts';
import type { BufferReq, MemoryPlan, PlanOptions, PlannerOutcome } from './types.ts';
import { PlanError, validateRequests, verifyPlan } from './verify.ts';

export const DEFAULT_PLANNER = 'greedy';

export interface PlanGraphOptions extends LifetimeOptions, PlanOptions {
  planner?: string;
  /** 'model' (default), 'optimized' (least peak live memory), or an explicit op order. */
  order?: 'model' | 'optimized' | readonly number[];
}

/** Runs a planner on raw requests and verifies the result. */
export function planBuffers(buffers: readonly BufferReq[], planner = DEFAULT_PLANNER, opts: PlanOptions = {}): PlannerOutcome {
  validateRequests(buffers);
  const outcome = getPlanner(planner).solve(buffers, opts);
  verifyPlan(buffers, outcome.offsets);
  return outcome;
}

export function resolveOrder(graph: Graph, order: PlanGraphOptions['order'], opts: LifetimeOptions = {}): number[] {
  if (order === undefined || order === 'model') return modelOrder(graph);
  if (order === 'optimized') return optimizeOrder(graph, opts).order;
  if (Array.isArray(order)) return [...order];
  throw new Error(`unknown order "${String(order)}" (use model or optimized)`);
}

export function planGraph(graph: Graph, opts: PlanGraphOptions = {}): MemoryPlan {
  const planner = opts.planner ?? DEFAULT_PLANNER;
  getPlanner(planner); // fail on a bad name before any work
  const lifeOpts: LifetimeOptions = { align: opts.align, aliasReshape: opts.aliasReshape, scratch: opts.scratch, streaming: opts.streaming };
  let order: number[];
  let orderOptimal: boolean | undefined;
  if (opts.order === 'optimized') {
    const schedule = optimizeOrder(graph, lifeOpts);
    order = schedule.order;
    orderOptimal = schedule.exact;
  } else {
    order = resolveOrder(graph, opts.order, lifeOpts);
  }
  const { buffers, aliases } = bufferLifetimes(graph, order, lifeOpts);
  const outcome = planBuffers(buffers, planner, { timeLimitMs: opts.timeLimitMs, localSearchMoves: opts.localSearchMoves });
  const peakBytes = peakOf(buffers, outcome.offsets);
  const lb = lowerBound(buffers);
  return {
    planner,
    peakBytes,
    lowerBound: lb,
    provenOptimal: outcome.provenOptimal || peakBytes === lb,
    order,
    ...(orderOptimal === undefined ? {} : { orderOptimal }),
    buffers: buffers.map((b, i) => ({ ...b, offset: outcome.offsets[i] })),
    aliases,
  };
}

/** Re-checks a finished plan (e.g. one read back from JSON or rewritten by another pass). */
export function verifyMemoryPlan(plan: MemoryPlan): void {
  verifyPlan(plan.buffers, plan.buffers.map((b) => b.offset));
  const peak = peakOf(plan.buffers, plan.buffers.map((b) => b.offset));
  if (peak !== plan.peakBytes) throw new PlanError(`plan claims ${plan.peakBytes} bytes but its buffers reach ${peak}`);
}

/** Arena offset of every planned tensor, aliases included (what code generators need). */
export function tensorOffsets(plan: MemoryPlan): Map<number, number> {
  const out = new Map<number, number>();
  for (const b of plan.buffers) if (b.tensor !== undefined) out.set(b.tensor, b.offset);
  for (const [t, r] of Object.entries(plan.aliases)) {
    const o = out.get(r);
    if (o !== undefined) out.set(Number(t), o);
  }
  return out;
}
