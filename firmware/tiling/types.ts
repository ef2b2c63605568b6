// Vocabulary of the tiling core: modes, options, what was applied and what came out.
import type { Graph } from '../ir/graph.ts';
import type { TiledPlan } from './plan-tiled.ts';

import type { TilingMode } from '../../wire/vocabulary.ts';
export { TILING_MODES, type TilingMode } from '../../wire/vocabulary.ts';

export interface TilingOptions {
  mode: TilingMode;
  /**
   * Extra MACs allowed, as a fraction of the untiled model's MACs (FFMT halos recompute).
   * 0 admits only rewrites that add no MACs. Default 0.1 for ffmt/auto; fdt is always 0.
   */
  maxMacOverhead?: number;
  /** Arena bytes the plan must fit in: the smallest MAC overhead that fits is chosen. */
  ramBudget?: number;
  /** Planner name (firmware/plan/registry.ts); default "greedy" (TFLite-Micro's algorithm). */
  planner?: string;
  /** Upper bound on search rounds (each round applies one tiling). Default 8. */
  maxRounds?: number;
  /**
   * Let FDT paths end in int32 partial sums of a CONV_2D / FULLY_CONNECTED, and FFMT paths in
   * the int32 per-channel sums of a global AVERAGE_POOL_2D (internal PARTIAL_SUM ops: the interpreter and the
   * AoT backend run them; export lowers them to CONCATENATION + the original op). Default false
   * because TFLite-Micro cannot run them: builds for the AoT backend should pass true.
   */
  partialSums?: boolean;
  /**
   * Plan RESHAPE/SQUEEZE outputs in their input's buffer (default false: TFLite-Micro copies).
   * The AoT backend emits no copy for an aliased reshape; use for AoT builds only.
   */
  aliasReshape?: boolean;
  /**
   * Let op outputs overlap the input they consume for the last time, lagging it as far as the
   * kernel needs (firmware/plan/streaming.ts). Holds for the AoT C kernels only; default false.
   */
  streaming?: boolean;
  /**
   * Compute ResNet identity blocks (conv -> conv -> residual ADD) row by row as one internal
   * RESIDUAL_BLOCK whose output overwrites the block input (residual-rows.ts). It needs what
   * both internal ops and streaming need, so it defaults to `partialSums && streaming` (the AoT
   * engine); export lowers it back to the three ops.
   */
  residualRows?: boolean;
  /**
   * Compute linear chains of int8 convolutions (and a global average pool or fully connected
   * end) row by row as one internal ROW_CHAIN (row-chain.ts), kept when the plan shrinks and
   * when tiling the unchained graph does not need less. Same requirements as residualRows, same
   * default; export lowers it back to the original ops.
   */
  rowChains?: boolean;
  /** Search states kept per round (1 = greedy, the default: widths 3 and 6 found nothing better on the model set). */
  beam?: number;
}

export interface AppliedTiling {
  kind: 'fdt' | 'ffmt';
  /** Names of the ops of the path (as they were before this rewrite). */
  ops: string[];
  /** 'partial-sum' when the path ends in int32 partial sums: FDT into a CONV_2D / FC, FFMT
   * into a global AVERAGE_POOL_2D. */
  ending?: 'concat' | 'partial-sum';
  /** FDT: channel partitions; FFMT: total tiles (tilesH * tilesW). */
  partitions: number;
  tilesH?: number;
  tilesW?: number;
  peakBefore: number;
  peakAfter: number;
  /** MACs this rewrite added (negative when a VALID op's unused border is no longer computed). */
  extraMacs: number;
}

export interface TilingResult {
  graph: Graph;
  plan: TiledPlan;
  peakBytes: number;
  untiledPeakBytes: number;
  macs: number;
  untiledMacs: number;
  tilings: AppliedTiling[];
  /** Wall-clock time of discovery including every trial rewrite and re-plan (measured). */
  discoveryMs: number;
  /** Candidate rewrites evaluated: rewritten, then bounded by live bytes or planned. */
  evaluated: number;
}
