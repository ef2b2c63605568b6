// Public surface of the memory planner, for code generators, tiling and the CLI.
export type { BufferReq, MemoryPlan, PlacedBuffer, Planner, PlannerOutcome, PlanOptions } from './types.ts';
export { lowerBound, overlapInTime, peakOf } from './bounds.ts';
export { PlanError, validateRequests, verifyPlan } from './verify.ts';
export { TFLM_ALIGNMENT, alignUp, bufferLifetimes, isPlannedTensor, type LifetimeOptions } from './lifetimes.ts';
export { modelOrder, optimizeOrder, peakLiveBytes, type Schedule, type ScheduleOptions } from './schedule.ts';
export { getPlanner, plannerNames } from './registry.ts';
export { DEFAULT_PLANNER, planBuffers, planGraph, resolveOrder, tensorOffsets, verifyMemoryPlan, type PlanGraphOptions } from './plan-graph.ts';
export { scratchBytes } from './scratch.ts';
export { tflmPlannerBytes } from './tflm-reference.ts';
