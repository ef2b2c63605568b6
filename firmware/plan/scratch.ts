// Kernel scratch memory per op (bytes a kernel needs only while it runs, e.g. im2col or
// CMSIS-NN buffers). Zero for every op until the C kernels define their needs; a kernel that
// needs scratch says so here, and the planner picks it up as a buffer live during that op only.
import type { Graph } from '../ir/graph.ts';

export function scratchBytes(_graph: Graph, _opIndex: number): number {
  return 0;
}
