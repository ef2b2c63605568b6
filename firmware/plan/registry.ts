// Planners by name: every file in planners/ exports `planner`. Adding a planner is adding a file
// there; nothing else changes.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Planner } from './types.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'planners');

const found: Planner[] = [];
for (const f of readdirSync(DIR).filter((x) => x.endsWith('.ts')).sort()) {
  const mod = (await import(pathToFileURL(join(DIR, f)).href)) as { planner?: Planner };
  if (!mod.planner) throw new Error(`planner file planners/${f} does not export "planner"`);
  if (found.some((p) => p.name === mod.planner!.name)) throw new Error(`planner "${mod.planner.name}" defined twice (planners/${f})`);
  found.push(mod.planner);
}
const PLANNERS: readonly Planner[] = found.sort((a, b) => a.listOrder - b.listOrder || a.name.localeCompare(b.name));

export function plannerNames(): string[] {
  return PLANNERS.map((p) => p.name);
}

export function getPlanner(name: string): Planner {
  const p = PLANNERS.find((x) => x.name === name);
  if (!p) throw new Error(`unknown planner "${name}" (have: ${plannerNames().join(', ')})`);
  return p;
}
