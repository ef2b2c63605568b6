// Entry point of the tiling core: tileGraph(graph, { mode, maxMacOverhead, ramBudget, planner })
// rewrites a graph to cut its peak activation memory and returns the rewritten graph with its
// memory plan and the figures before and after. See README.md in this folder.
import type { Graph } from '../ir/graph.ts';
import type { TiledPlan } from './plan-tiled.ts';
import { discover, graphMacs, type DiscoverState } from './discover.ts';
import { planTiled } from './plan-tiled.ts';
import { fuseResidualBlocks } from './residual-rows.ts';
import { fuseRowChains } from './row-chain.ts';
import { TILING_MODES, type TilingOptions, type TilingResult } from './types.ts';

export type { TilingMode, TilingOptions, TilingResult, AppliedTiling } from './types.ts';
export { TILING_MODES } from './types.ts';
export { planTiled, type TiledPlan } from './plan-tiled.ts';
export { applyFdt, findFdtPaths } from './fdt.ts';
export { applyFfmt, findFfmtPaths } from './ffmt.ts';
export { applyFdtPartial, findFdtPartialPaths } from './fdt-partial.ts';
export { applyFfmtPool, globalPoolAfter } from './ffmt-pool.ts';
export { exportTiledModel, lowerForExport, hasInternalOps } from './export.ts';
export { fuseResidualBlocks, findResidualBlocks } from './residual-rows.ts';
export { fuseRowChains, findRowChains, unfuseRowChain } from './row-chain.ts';

const DEFAULT_OVERHEAD = 0.1;
/** Overhead tiers tried in order when a RAM budget is given: the first that fits wins. */
const BUDGET_TIERS = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2];

function checkOptions(o: TilingOptions): void {
  if (!TILING_MODES.includes(o.mode)) throw new Error(`unknown tiling mode "${o.mode}" (use ${TILING_MODES.join('|')})`);
  if (o.maxMacOverhead !== undefined && !(o.maxMacOverhead >= 0 && Number.isFinite(o.maxMacOverhead))) {
    throw new Error(`max MAC overhead must be a fraction >= 0 (got ${o.maxMacOverhead})`);
  }
  if (o.ramBudget !== undefined && !(Number.isInteger(o.ramBudget) && o.ramBudget > 0)) {
    throw new Error(`RAM budget must be a positive number of bytes (got ${o.ramBudget})`);
  }
}

export function tileGraph(graph: Graph, options: TilingOptions): TilingResult {
  checkOptions(options);
  const t0 = performance.now();
  const aliasReshape = options.aliasReshape === true;
  const streaming = options.streaming === true;
  // TFLM's greedy order rarely lets a streaming output sit below its input: with streaming the
  // default is the heuristic planner (several orders + local search).
  const planner = options.planner ?? (streaming ? 'heuristic' : 'greedy');
  // Exact planners are too slow to run on every trial: search with a fast one, re-plan at the end.
  const searchPlanner = planner === 'optimal' ? (streaming ? 'heuristic' : 'greedy') : planner;
  const untiledPlan = planTiled(graph, { planner, aliasReshape, streaming });
  // Row-by-row residual blocks first: discovery then tiles around them (they are never worse:
  // the block's intermediates shrink to a few rows and its output takes its input's place).
  const residualRows = options.residualRows ?? (options.partialSums === true && streaming);
  const fused = residualRows ? fuseResidualBlocks(graph) : graph;
  const fusedPlan = fused === graph ? untiledPlan : planTiled(fused, { planner, aliasReshape, streaming });
  const [residualBase, residualPlan] = fusedPlan.peakBytes <= untiledPlan.peakBytes ? [fused, fusedPlan] : [graph, untiledPlan];
  // Then row chains, kept when they shrink the plan; discovery also runs without them (FDT may
  // tile the same layers into less), and the chains win ties: they add no MACs.
  const rowChains = options.rowChains ?? residualRows;
  const mode = options.mode;
  const cap = mode === 'fdt' ? 0 : (options.maxMacOverhead ?? DEFAULT_OVERHEAD);
  // chains computed pixel by pixel cost instructions: only where tiling may add work (not fdt)
  const chained = rowChains ? fuseRowChains(residualBase, { pixelStages: cap > 0 }) : residualBase;
  const chainedPlan = chained === residualBase ? residualPlan : planTiled(chained, { planner, aliasReshape, streaming });
  const bases: [Graph, TiledPlan][] = chainedPlan.peakBytes < residualPlan.peakBytes ? [[chained, chainedPlan], [residualBase, residualPlan]] : [[residualBase, residualPlan]];
  const untiledMacs = graphMacs(graph);
  const fdt = mode === 'fdt' || mode === 'auto';
  const ffmt = mode === 'ffmt' || mode === 'auto';
  const maxRounds = options.maxRounds ?? 8;

  let evaluated = 0;
  const search = (base: Graph, basePlan: TiledPlan): DiscoverState => {
    let state: DiscoverState = { graph: base, plan: basePlan, macs: untiledMacs, tilings: [], evaluated: 0 };
    if (mode === 'none') return state;
    const run = (overhead: number, stopAt?: number): DiscoverState => {
      const s = discover(base, {
        fdt, ffmt, macAllowance: Math.floor(overhead * untiledMacs), baseMacs: untiledMacs,
        planner: searchPlanner, maxRounds, beam: options.beam ?? 1, partialSums: options.partialSums === true, aliasReshape, streaming, ...(stopAt !== undefined ? { stopAt } : {}),
      });
      evaluated += s.evaluated;
      return s;
    };
    if (options.ramBudget === undefined) return run(cap);
    // Smallest overhead that fits: try the tiers up to the cap, stop at the first fit.
    const tiers = [...BUDGET_TIERS.filter((x) => x < cap), cap];
    for (const tier of tiers) {
      state = run(tier, options.ramBudget);
      if (state.plan.peakBytes <= options.ramBudget) break;
    }
    return state;
  };
  const states = bases.map(([b, p]) => search(b, p));
  const state = states.reduce((best, s) => (s.plan.peakBytes < best.plan.peakBytes ? s : best));
  let plan = state.plan;
  if (planner !== searchPlanner) plan = planTiled(state.graph, { planner, inPlaceConcat: plan.inPlace.size > 0, aliasReshape, streaming });
  if (options.ramBudget !== undefined && plan.peakBytes > options.ramBudget) {
    throw new Error(`cannot fit in ${options.ramBudget} bytes, best is ${plan.peakBytes} bytes `
      + `(tiling ${mode}, MAC overhead up to ${(cap * 100).toFixed(1)}%)`);
  }
  return {
    graph: state.graph, plan, peakBytes: plan.peakBytes, untiledPeakBytes: untiledPlan.peakBytes,
    macs: state.macs, untiledMacs, tilings: state.tilings,
    discoveryMs: performance.now() - t0, evaluated,
  };
}
