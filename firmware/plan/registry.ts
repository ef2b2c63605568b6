// Planners by name. Adding a planner: one file under planners/ and one line here.
import { greedy } from './planners/greedy.ts';
import { heuristic } from './planners/heuristic.ts';
import { linear } from './planners/linear.ts';
import { optimal } from './planners/optimal.ts';
import type { Planner } from './types.ts';

const PLANNERS: readonly Planner[] = [greedy, heuristic, optimal, linear];

export function plannerNames(): string[] {
  return PLANNERS.map((p) => p.name);
}

export function getPlanner(name: string): Planner {
  const p = PLANNERS.find((x) => x.name === name);
  if (!p) throw new Error(`unknown planner "${name}" (have: ${plannerNames().join(', ')})`);
  return p;
}
