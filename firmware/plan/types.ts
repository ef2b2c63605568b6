// Shared vocabulary of the memory planner: a buffer request (a size and the span of schedule
// positions it must stay intact for), a planner (pure function from requests to offsets) and
// the finished plan. Positions are indices into the execution order, inclusive at both ends.

export interface BufferReq {
  /** Dense id: the index of this request in the array handed to a planner. */
  id: number;
  /** Bytes, already rounded up to the arena alignment. */
  size: number;
  /** First schedule position the buffer must hold its data (inclusive). */
  firstOp: number;
  /** Last schedule position the buffer must hold its data (inclusive). */
  lastOp: number;
  /** Graph tensor id for activations; absent for scratch. */
  tensor?: number;
  kind: 'activation' | 'scratch';
  /** For scratch: the graph op index that asked for it. */
  op?: number;
  /**
   * Streaming overlap (AoT only, see streaming.ts): this buffer may share bytes with buffer
   * `id`, an input its producing op reads for the last time, when it starts at least `lag`
   * bytes below it (`lag` a multiple of the alignment, at most this buffer's size: equal means
   * never below while overlapping) or, when the
   * kernel can run backwards, at least `lagAbove` bytes above it (smaller than that input).
   */
  streamsOver?: { id: number; lag: number; lagAbove?: number };
}

export interface PlanOptions {
  /** Exact planners stop searching after this long and return their best plan so far. */
  timeLimitMs?: number;
  /** Moves of the heuristic planner's local search (default min(4000, 40 x buffers)). */
  localSearchMoves?: number;
}

/** What a planner found, with a flag saying whether the result is proven minimal. */
export interface PlannerOutcome {
  offsets: number[];
  /** True when the planner proved no lower peak exists (exact planners only). */
  provenOptimal: boolean;
}

export interface Planner {
  name: string;
  /** Short description for `--help` and bench tables. */
  description: string;
  /** Place in those listings: TFLite-Micro's own planner first, the no-reuse baseline last. */
  listOrder: number;
  /** Offsets, one per request, in request order. Pure: same input, same output. */
  plan(buffers: readonly BufferReq[], opts?: PlanOptions): number[];
  /** Same as plan() but also says whether the result is proven optimal. */
  solve(buffers: readonly BufferReq[], opts?: PlanOptions): PlannerOutcome;
}

export type PlacedBuffer = BufferReq & { offset: number };

export interface MemoryPlan {
  planner: string;
  /** Arena bytes the plan needs: max over buffers of offset + size. */
  peakBytes: number;
  /** Largest sum of sizes live at one schedule position: no planner can go below it. */
  lowerBound: number;
  /** True when the planner proved peakBytes minimal for this order (or it equals lowerBound). */
  provenOptimal: boolean;
  /** Op indices of the graph in execution order; BufferReq positions index into this. */
  order: number[];
  /** With order 'optimized': true when the order is proven to minimize peak live bytes. */
  orderOptimal?: boolean;
  buffers: PlacedBuffer[];
  /**
   * Tensors that share another tensor's buffer (only with aliasReshape): tensor -> the tensor
   * whose buffer holds it. Empty when every activation has its own buffer.
   */
  aliases: Record<number, number>;
}
